"""Which Go files a build sees, and their facts: from the cache, or parsed in worker processes.

Reading a file's header (package, imports, build constraint) is cheap and done for every file;
the full parse runs only on files that mention something a recogniser, a ticker or a route could
use, and its result is cached by file content (``cache.py``), so a re-run on an unchanged tree
parses nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from archcheck.errors import ArchcheckError
from archcheck.files.read import read_bytes
from archcheck.sources.go import syntax
from archcheck.sources.go.cache import FactsCache
from archcheck.sources.go.facts import FileFacts, extract
from archcheck.sources.go.libraries import Catalog, load_catalog

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Larger files are skipped with a note: hand-written Go that schedules work is never this big."""

SKIPPED_DIRS = frozenset({"vendor", "testdata", "node_modules"})
"""Go's own tools ignore ``vendor/`` and ``testdata/``; dot- and underscore-dirs are skipped too."""

PARALLEL_MIN_FILES = 64
"""Below this many files to parse, starting worker processes costs more than parsing here."""

_CHUNK = 32

_ALWAYS = (b"dapr/subscribe", b"WORKER_MODE", b'"mode"', b"AddBindingInvocationHandler")
_TICKERS = (b".NewTicker(", b".Tick(", b".After(")
_ROUTES = (b"HandleFunc(", b"Handle(", b".POST(", b".Post(")
_UNKNOWN_SCHEDULER = (b"AddFunc(", b"AddJob(", b"NewJob(", b"Schedule(", b"Register(")


@dataclass(frozen=True)
class Scanned:
    """One file as the build sees it: header always, full facts when it could matter."""

    path: Path
    header: syntax.Header
    facts: FileFacts
    note: str | None = None
    parsed: bool = True


def list_go_files(root: Path, walked: set[Path] | None = None) -> tuple[list[Path], list[str]]:
    """The ``.go`` files under ``root`` that ``go build`` could see, plus notes on what was
    skipped: ``vendor/``, ``testdata/``, ``_test.go``, other platforms' files, dot- and
    underscore-directories, and symlinks that lead out of ``root`` (someone else's code, or a
    loop). ``walked`` collects the folders looked into."""
    files: list[Path] = []
    notes: list[str] = []
    top = root.resolve()
    for folder, dirnames, filenames in os.walk(root):
        current = Path(folder)
        if walked is not None:
            walked.add(current)
        keep = []
        for name in sorted(dirnames):
            if name in SKIPPED_DIRS or name[:1] in "._":
                continue
            if (current / name).is_symlink():
                notes.append(f"{current / name}: symlinked directory not followed")
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.endswith(".go") or syntax.filename_excluded(name):
                continue
            path = current / name
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(top) or not target.is_file():
                    notes.append(f"{path}: symlink leads out of {root}; skipped")
                    continue
            files.append(path)
    return files, notes


def is_generated(source: bytes) -> bool:
    """Go's convention (go.dev/s/generatedcode): a ``// Code generated ... DO NOT EDIT.`` line
    before the package clause."""
    for raw in source[:4096].splitlines():
        line = raw.strip()
        if line.startswith(b"package"):
            return False
        if line.startswith(b"// Code generated ") and line.endswith(b" DO NOT EDIT."):
            return True
    return False


def _triggers(catalog: Catalog, imports: set[str]) -> tuple[bytes, ...]:
    """What makes a file of a package importing ``imports`` worth a full parse: the methods
    of the libraries the package imports, tickers when it imports ``time``."""
    names = {
        name
        for key in catalog.imported(tuple(sorted(imports)))
        for library in (catalog.libraries[key],)
        for name in (*library.methods, *library.functions)
    }
    found = [f"{name}(".encode() for name in sorted(names)]
    if "time" in imports:
        found.extend(_TICKERS)
    if any("cron" in p or "sched" in p for p in imports):  # an unknown scheduler: a note
        found.extend(_UNKNOWN_SCHEDULER)
    return tuple(found)


def _worth_parsing(mentions: frozenset[bytes], triggers: Sequence[bytes]) -> bool:
    if mentions.intersection(_ALWAYS) or mentions.intersection(triggers):
        return True
    return b'"/' in mentions and bool(mentions.intersection(_ROUTES))


@dataclass(frozen=True)
class Entry:
    """What a file's bytes say, recorded by path, size and mtime so that a re-run need not
    read it: its header, which trigger words it mentions, its content key."""

    header: syntax.Header
    mentions: frozenset[bytes]
    key: str
    generated: bool


class Index:
    """Files as the build sees them, read at most once per run (and not at all on a re-run
    when their size and mtime are unchanged)."""

    def __init__(self, cache: FactsCache | None, catalog: Catalog) -> None:
        self.cache = cache
        self.catalog = catalog
        self.entries: dict[Path, Entry] = {}
        self.notes: dict[Path, str] = {}
        self._sources: dict[Path, bytes] = {}
        words = {
            f"{n}(".encode()
            for lib in catalog.libraries.values()
            for n in (*lib.methods, *lib.functions)
        }
        words.update((*_ALWAYS, *_TICKERS, *_ROUTES, b'"/', *_UNKNOWN_SCHEDULER))
        self._words = re.compile(
            b"|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        )

    def entry(self, path: Path) -> Entry | None:
        found = self.entries.get(path)
        if found is not None or path in self.notes:
            return found
        try:
            stat = path.stat()
            if stat.st_size > MAX_FILE_BYTES:
                self.notes[path] = (
                    f"{path}: {stat.st_size} bytes is over the {MAX_FILE_BYTES} byte limit; skipped"
                )
                return None
            if self.cache is not None:
                recorded = self.cache.file_entry(str(path), stat.st_size, stat.st_mtime_ns)
                if isinstance(recorded, Entry):
                    self.entries[path] = recorded
                    return recorded
            source = read_bytes(path, "Go source", limit=MAX_FILE_BYTES)
        except ArchcheckError as exc:  # a FIFO or device named *.go: never read, never waited on
            self.notes[path] = f"{path}: {exc.message}"
            return None
        except OSError as exc:
            self.notes[path] = f"{path}: cannot read: {exc}"
            return None
        entry = Entry(
            header=syntax.read_header(source),
            mentions=frozenset(self._words.findall(source)),
            key=FactsCache.key(source, self.catalog.digest),
            generated=is_generated(source),
        )
        self._sources[path] = source
        if self.cache is not None:
            self.cache.put_file(str(path), stat.st_size, stat.st_mtime_ns, entry)
        self.entries[path] = entry
        return entry

    def header(self, path: Path) -> syntax.Header | None:
        entry = self.entry(path)
        return None if entry is None else entry.header

    def source(self, path: Path) -> bytes:
        return self._sources.pop(path, None) or read_bytes(path, "Go source", limit=MAX_FILE_BYTES)


def _parse_chunk(chunk: Sequence[bytes]) -> list[FileFacts]:
    catalog = load_catalog()
    return [extract(source, catalog) for source in chunk]


def scan(
    files: Sequence[Path],
    *,
    cache: FactsCache | None = None,
    jobs: int | None = None,
    catalog: Catalog | None = None,
    force: frozenset[Path] = frozenset(),
    index: Index | None = None,
) -> list[Scanned]:
    """Header and facts of each file, in order.

    NOTE: processes, not threads: tree-sitter parsing and the walk over its tree are CPU-bound
    and hold the GIL.
    """
    catalog = catalog or load_catalog()
    index = index or Index(cache, catalog)
    cache = index.cache
    entries = {path: index.entry(path) for path in files}
    package_imports: dict[Path, set[str]] = {}
    for path, entry in entries.items():
        if entry is not None:
            package_imports.setdefault(path.parent, set()).update(entry.header.imports)
    triggers = {folder: _triggers(catalog, imports) for folder, imports in package_imports.items()}
    results: list[Scanned | None] = [None] * len(files)
    wanted: list[tuple[int, Entry]] = []
    for position, path in enumerate(files):
        entry = entries[path]
        if entry is None:
            results[position] = Scanned(
                path, syntax.Header("", ()), FileFacts(), index.notes.get(path)
            )
            continue
        header = entry.header
        worth = path in force or _worth_parsing(entry.mentions, triggers[path.parent])
        if entry.generated or not worth:
            facts = FileFacts(package=header.package, imports=header.imports)
            results[position] = Scanned(path, header, facts, parsed=False)
            continue
        cached = cache.get(entry.key) if cache is not None else None
        if cached is not None:
            results[position] = Scanned(path, header, cached)
            continue
        wanted.append((position, entry))
    parsed = _parse([index.source(files[position]) for position, _ in wanted], jobs)
    for (position, entry), facts in zip(wanted, parsed, strict=True):
        results[position] = Scanned(files[position], entry.header, facts)
        if cache is not None:
            cache.put(entry.key, facts)
    if cache is not None:
        cache.flush()
    return [r for r in results if r is not None]


def _parse(items: Sequence[bytes], jobs: int | None) -> list[FileFacts]:
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    if workers <= 1 or len(items) < PARALLEL_MIN_FILES:
        return _parse_chunk(items)
    from concurrent.futures import ProcessPoolExecutor  # NOTE: multiprocessing only to parse

    chunks = [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [facts for chunk in pool.map(_parse_chunk, chunks) for facts in chunk]
