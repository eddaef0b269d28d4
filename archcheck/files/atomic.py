"""Write files atomically: a failure never leaves half a report, snapshot, baseline or source.

``stage`` writes the new text beside the target, on disk (fsync) and with the target's mode;
renaming it over the target is then atomic. ``write_text_atomic`` does both for one file; the
scaffold stages every file of a plan first and renames them only when all were staged.
"""

from __future__ import annotations

import os
from pathlib import Path

from archcheck.errors import UsageError


def file_mode(path: Path) -> int:
    """The permissions a file written to ``path`` gets: those of the file it replaces, else
    what ``open()`` would give a new file under the user's umask (0644 under umask 022).

    NOTE: ``tempfile.mkstemp`` creates 0600 files whatever the umask; reports, baselines and
    snapshots are shared files, so the temporary file is given this mode before the rename.
    """
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)  # the only way to read it; set back at once
        os.umask(umask)
        return 0o666 & ~umask


def stage(path: Path, text: str) -> Path:
    """A temporary file in ``path``'s folder holding ``text``, flushed to disk, with the mode
    ``file_mode(path)``. The caller renames it over ``path``, or unlinks it; OS errors
    propagate, and leave no temporary file behind."""
    import tempfile  # NOTE: it imports random; most runs write no file

    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            os.fchmod(handle.fileno(), file_mode(path))
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_text_atomic(path: Path, text: str, *, what: str = "the file") -> None:
    """Write ``text`` to ``path`` through a staged file and a rename.

    The file keeps the mode of the one it replaces, or gets the umask's (``file_mode``). An OS
    error becomes a UsageError naming ``what`` and ``path``.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = stage(path, text)
    except OSError as exc:
        raise _cannot_write(what, path, exc) from exc
    try:
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _cannot_write(what, path, exc) from exc


def _cannot_write(what: str, path: Path, exc: OSError) -> UsageError:
    return UsageError(
        f"cannot write {what} to {path}: {exc.strerror}; check the folder exists and is writable"
    )
