"""Write one output file atomically: a failure never leaves half a report, snapshot or baseline.

(The scaffold writes many files all or nothing; ``archcheck/scaffold/write.py`` stages them.)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from archcheck.errors import UsageError


def write_text_atomic(path: Path, text: str, *, what: str = "the file") -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    An OS error becomes a UsageError naming ``what`` and ``path``.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise _cannot_write(what, path, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
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
