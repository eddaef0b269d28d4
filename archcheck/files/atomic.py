"""Write files atomically: a failure never leaves half a report, snapshot, baseline or source.

``stage`` writes the new text beside the target, on disk (fsync) and with the target's mode;
renaming it over the target is then atomic. ``write_text_atomic`` does both for one file; the
scaffold stages every file of a plan first and renames them only when all were staged.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from archcheck.errors import UsageError

NEW_FILE_MODE = 0o644
"""The mode of a file that did not exist (an existing file keeps its own)."""


def stage(path: Path, text: str) -> Path:
    """A temporary file in ``path``'s folder holding ``text``, flushed to disk, with the mode
    ``path`` has (``NEW_FILE_MODE`` when it is new). The caller renames it over ``path``, or
    unlinks it; OS errors propagate, and leave no temporary file behind."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(path.stat().st_mode & 0o7777 if path.exists() else NEW_FILE_MODE)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_text_atomic(path: Path, text: str, *, what: str = "the file") -> None:
    """Write ``text`` to ``path`` through a staged file and a rename.

    An OS error becomes a UsageError naming ``what`` and ``path``.
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
