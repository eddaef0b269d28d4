"""Extracted Go facts cached by file content, under the user's cache directory.

``$XDG_CACHE_HOME/archcheck`` (default ``~/.cache/archcheck``), or ``ARCHCHECK_CACHE_DIR``.
One SQLite file of per-file facts: safe to delete at any time (it is only ever a shortcut),
bounded (the least recently used entries go when it holds more than ``MAX_ENTRIES``), and shared
by concurrent runs (SQLite locks it; a run that cannot use it parses instead). Whole results sit
beside it, one small file each in ``go-results/``: a warm run, which most analyses are, reads
one file and opens no database (SQLite's import and connection were 2 ms of a 40 ms run).
``ARCHCHECK_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import os
import time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from archcheck.digest import blake2b
from archcheck.sources.go import syntax

try:  # NOTE: the C pickler without pickle.py's own import (1 ms of every warm run)
    from _pickle import PickleError, dumps, loads
except ImportError:  # pragma: no cover -- an interpreter without the accelerator
    from pickle import PickleError, dumps, loads

if TYPE_CHECKING:  # NOTE: a cached whole result is read without the Go facts' modules
    import sqlite3

    from archcheck.sources.go import facts

_BROKEN = (PickleError, EOFError, AttributeError, TypeError, ValueError, ImportError, IndexError)
"""What unpickling a damaged or outdated entry raises: each is a miss."""

MAX_ENTRIES = 200_000
"""About 100 MB at the facts' typical size: several large monorepos' worth."""

MAX_RESULTS = 64
"""Whole discovery results kept (one per project and set of targets, least recently used go)."""

Stat = tuple[int, int, int] | None
"""(size, mtime_ns, inode) of a path, None when it does not exist."""


def stat_of(path: Path | str) -> Stat:
    try:
        found = os.stat(path)  # noqa: PTH116 -- thousands per run: no Path object each
    except OSError:
        return None
    return (found.st_size, found.st_mtime_ns, found.st_ino)


@cache
def _extractor_digest() -> str:
    """Changes with the extraction code itself, so an upgraded archcheck never reads facts an
    older one wrote."""
    from archcheck.sources.go import consts, facts

    digest = blake2b(str(facts.VERSION).encode(), digest_size=8)
    for module in (facts, syntax, consts):
        with contextlib.suppress(OSError, TypeError):
            digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def cache_dir() -> Path:
    explicit = os.environ.get("ARCHCHECK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "archcheck"


class FactsCache:
    """Content hash -> pickled ``FileFacts``; every failure degrades to a miss."""

    def __init__(self, path: Path | None = None, max_entries: int = MAX_ENTRIES) -> None:
        self.path = path or cache_dir() / "go-facts.sqlite"
        self.results = self.path.parent / "go-results"
        self.max_entries = max_entries
        self._pending: list[tuple[str, bytes, int]] = []
        self._files: dict[str, tuple[int, int, bytes]] | None = None
        self._files_pending: list[tuple[str, int, int, bytes]] = []
        self._used: list[tuple[int, str]] = []
        self._db: sqlite3.Connection | None = None
        self._opened = False

    @property
    def db(self) -> sqlite3.Connection | None:
        """The facts database, opened on first use (a warm whole result needs none)."""
        if not self._opened:
            self._opened = True
            self._db = _connect(self.path)
        return self._db

    @staticmethod
    def key(source: bytes, catalog_digest: str) -> str:
        salt = f"{_extractor_digest()}:{syntax.grammar_version()}:{catalog_digest}:".encode()
        return blake2b(salt + source, digest_size=20).hexdigest()

    def get(self, key: str) -> facts.FileFacts | None:
        import sqlite3

        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT data FROM facts WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            found = loads(row[0])
        except (sqlite3.Error, *_BROKEN):
            return None
        from archcheck.sources.go.facts import FileFacts

        self._used.append((int(time.time()), key))
        return found if isinstance(found, FileFacts) else None

    def file_entry(self, path: str, size: int, mtime: int) -> object | None:
        """What was recorded about the file at ``path`` when it had this size and mtime."""
        import sqlite3

        if self.db is None:
            return None
        if self._files is None:
            try:
                rows = self.db.execute("SELECT path, size, mtime, data FROM files").fetchall()
            except sqlite3.Error:
                rows = []
            self._files = {row[0]: (row[1], row[2], row[3]) for row in rows}
        row = self._files.get(path)
        if row is None or row[0] != size or row[1] != mtime:
            return None
        try:
            found: object = loads(row[2])
        except _BROKEN:
            return None
        return found

    def result(self, key: str) -> object | None:
        """The result stored under ``key`` if every path it was computed from still has the
        size, mtime and inode it had (a folder's mtime changes when a file is added or removed
        in it), else None."""
        entry = self.results / f"{key}.pickle"
        try:
            inputs, value = loads(entry.read_bytes())
            for path, recorded in inputs:
                if stat_of(path) != recorded:
                    return None
            now = time.time_ns()  # NOTE: its mtime says when it was last used (the bound)
            os.utime(entry, ns=(now, now))
        except (OSError, *_BROKEN):
            return None
        found: object = value
        return found

    def put_result(self, key: str, inputs: list[tuple[str, Stat]], value: object) -> None:
        """Store ``value`` with the stats of the paths it was computed from; keep the bound."""
        try:
            data = dumps((inputs, value), protocol=5)
            self.results.mkdir(parents=True, exist_ok=True)
            entry = self.results / f"{key}.pickle"
            staged = entry.with_name(f".{key}.{os.getpid()}.tmp")
            staged.write_bytes(data)  # NOTE: no fsync: a torn entry is a miss, never wrong
            now = time.time_ns()  # NOTE: not the file system's coarser clock: order matters
            os.utime(staged, ns=(now, now))
            staged.replace(entry)
            kept = sorted(
                ((p.stat().st_mtime_ns, p) for p in self.results.glob("*.pickle")), reverse=True
            )
            for _, stale in kept[MAX_RESULTS:]:
                stale.unlink(missing_ok=True)
        except (OSError, PickleError, TypeError, AttributeError):
            pass

    def put_file(self, path: str, size: int, mtime: int, entry: object) -> None:
        self._files_pending.append((path, size, mtime, dumps(entry)))

    def put(self, key: str, value: facts.FileFacts) -> None:
        self._pending.append((key, dumps(value, protocol=5), int(time.time())))

    def flush(self) -> None:
        """Write what this run parsed, mark what it used, and trim to the bound."""
        import sqlite3

        if not (self._pending or self._files_pending or self._used):
            return  # NOTE: a warm run leaves the database unopened
        db = self.db
        if db is None:
            return
        try:
            with db:
                db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?)", self._pending)
                db.executemany(
                    "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", self._files_pending
                )
                (files,) = db.execute("SELECT COUNT(*) FROM files").fetchone()
                if files > self.max_entries:
                    db.execute(
                        "DELETE FROM files WHERE path IN (SELECT path FROM files LIMIT ?)",
                        (files - self.max_entries,),
                    )
                db.executemany("UPDATE facts SET used = ? WHERE key = ?", self._used)
                (count,) = db.execute("SELECT COUNT(*) FROM facts").fetchone()
                if count > self.max_entries:
                    db.execute(
                        "DELETE FROM facts WHERE key IN "
                        "(SELECT key FROM facts ORDER BY used LIMIT ?)",
                        (count - self.max_entries,),
                    )
        except sqlite3.Error:
            pass
        self._pending.clear()
        self._used.clear()
        self._files_pending.clear()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _connect(path: Path) -> sqlite3.Connection | None:
    """The facts database at ``path``, created if needed; a file that is not one is started
    afresh; None when it cannot be opened (the run parses instead)."""
    import sqlite3

    for attempt in range(2):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=2)
            # A shortcut, never the only copy: no waiting on the disk at each commit (a file a
            # crash left broken is started afresh, below).
            db.execute("PRAGMA synchronous = OFF")
            for table, columns in _TABLES.items():
                db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
            db.execute("DROP TABLE IF EXISTS results")  # NOTE: whole results moved to go-results/
            return db
        except sqlite3.DatabaseError:
            if attempt == 0:  # not a database (truncated, overwritten): start afresh
                with contextlib.suppress(OSError):
                    path.unlink()
        except OSError:
            return None
    return None


_TABLES = {
    "facts": "key TEXT PRIMARY KEY, data BLOB, used INTEGER",
    "files": "path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, data BLOB",
}


def open_cache() -> FactsCache | None:
    """The user's cache, or None when ``ARCHCHECK_NO_CACHE`` is set."""
    if os.environ.get("ARCHCHECK_NO_CACHE", "") not in ("", "0"):
        return None
    return FactsCache()
