"""Write one output file atomically: a failure never leaves half a report, snapshot or baseline.

(The scaffold writes many files all or nothing; ``archcheck/scaffold/write.py`` stages them.)
"""

from __future__ import annotations

import os
import tempfile
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


def write_text_atomic(path: Path, text: str, *, what: str = "the file") -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    The file keeps the mode of the one it replaces, or gets the umask's (``file_mode``). An OS
    error becomes a UsageError naming ``what`` and ``path``.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise _cannot_write(what, path, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            os.fchmod(handle.fileno(), file_mode(path))
            handle.write(text)
        Path(tmp).replace(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _cannot_write(what, path, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cannot_write(what: str, path: Path, exc: OSError) -> UsageError:
    return UsageError(
        f"cannot write {what} to {path}: {exc.strerror}; check the folder exists and is writable"
    )
