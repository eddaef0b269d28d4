"""Write files atomically: a failure never leaves half a report, snapshot, baseline or source.

``stage`` writes the new text beside the target, on disk (fsync) and with the target's mode;
renaming it over the target is then atomic. ``write_text_atomic`` does both for one file; the
scaffold stages every file of a plan first and renames them only when all were staged.
"""

from __future__ import annotations

import os
import stat
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


def write_text_atomic(
    path: Path, text: str, *, what: str = "the file", replaces_input: bool = False
) -> None:
    """Write ``text`` to ``path`` through a staged file and a rename.

    The file keeps the mode of the one it replaces, or gets the umask's (``file_mode``). An OS
    error becomes a UsageError naming ``what`` and ``path``. ``check_target`` refuses targets
    that are not regular files and, unless ``replaces_input`` (``archcheck fix``), the run's
    inputs.
    """
    check_target(path, what, replaces_input=replaces_input)
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


def check_target(path: Path, what: str, *, replaces_input: bool = False) -> None:
    """Refuse to replace anything but a regular file, or a file this run has read.

    The rename would turn ``/dev/null``, a FIFO or a symlink into a regular file (as root it
    replaces ``/dev/full``'s device node), and ``-o docker-compose.yml`` would overwrite the
    project it just analysed.
    """
    from archcheck.files.read import was_read

    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _cannot_write(what, path, exc) from exc
    if stat.S_ISLNK(info.st_mode):
        raise UsageError(
            f"cannot write {what} to {path}: it is a symbolic link, which the write would "
            "replace; write to the file it points to"
        )
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(
            f"cannot write {what} to {path}: it is not a regular file (a device, pipe or "
            "folder); give a file, or - for stdout"
        )
    if not replaces_input and was_read(path):
        raise UsageError(
            f"cannot write {what} to {path}: it is an input of this run and would be "
            "overwritten; write it to another file"
        )


def _cannot_write(what: str, path: Path, exc: OSError) -> UsageError:
    return UsageError(
        f"cannot write {what} to {path}: {exc.strerror}; check the folder exists and is writable"
    )
