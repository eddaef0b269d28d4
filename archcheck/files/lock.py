"""Serialise runs that read, merge and rewrite the same files (two scaffolds, one override).

Two ``archcheck scaffold`` runs in one project both read ``docker-compose.workers.yml``, merge
their own service in and rename the result over it: without a lock the second rename drops the
first run's service. ``folder_lock`` holds an exclusive ``flock`` on the folder itself (no lock
file left in the user's project) from before the first read until after the last rename.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (waiting for another holder to finish).

    A folder that cannot be opened or a file system without ``flock`` runs unlocked: the
    scaffold's compare-before-rename (``scaffold/write.py``) still refuses a lost update."""
    try:
        import fcntl
    except ImportError:  # NOTE: not on Windows
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_CLOEXEC)
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):  # NOTE: e.g. some network file systems
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
