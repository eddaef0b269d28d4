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
from pathlib import Path

from archcheck.errors import ArchcheckError
from archcheck.files.read import read_bytes
from archcheck.sources.go import syntax
from archcheck.sources.go.cache import FactsCache
from archcheck.sources.go.facts import FileFacts, extract
from archcheck.sources.go.libraries import Catalog, load_catalog
from archcheck.structs import dataclass

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Larger files are skipped with a note: hand-written Go that schedules work is never this big."""

SKIPPED_DIRS = frozenset({"vendor", "testdata", "node_modules"})
"""Go's own tools ignore ``vendor/`` and ``testdata/``; dot- and underscore-dirs are skipped too."""

PARALLEL_MIN_BYTES = 2 * 1024 * 1024
"""Below this much source to parse at once, parsing here is done before worker processes pay
for their start (about 0.05 s of CPU on two cores; 2 MiB take about 0.35 s to parse)."""

_CHUNK = 32

_ALWAYS = (b"dapr/subscribe", b"WORKER_MODE", b'"mode"', b"AddBindingInvocationHandler")
_TICKERS = (b".NewTicker(", b".Tick(", b".After(")
_TIME_TICKERS = tuple(b"time" + t for t in _TICKERS)
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
    if any("cron" in p or "sched" in p for p in imports):  # an unknown scheduler: a note
        found.extend(_UNKNOWN_SCHEDULER)
    return tuple(found)


def _tickers(header: syntax.Header) -> tuple[bytes, ...]:
    """What a ticker of this file looks like: ``time.NewTicker(`` under the name the file
    imports ``time`` by (the extractor only counts calls on that name)."""
    if "time" not in header.imports:
        return ()
    name = dict(header.aliases).get("time", "time")
    if name == "time":
        return _TIME_TICKERS
    # NOTE: ``stdtime.Tick(`` is found as ``time.Tick(`` (the longer word wins where both start).
    return () if name in ("_", ".") else _TICKERS + _TIME_TICKERS


def _worth_parsing(entry: Entry, triggers: Sequence[bytes]) -> bool:
    mentions = entry.mentions
    if mentions.intersection(_ALWAYS) or mentions.intersection(triggers):
        return True
    if mentions.intersection(_tickers(entry.header)):
        return True
    return b'"/' in mentions and bool(mentions.intersection(_ROUTES))


def _alternatives(words: set[bytes]) -> re.Pattern[bytes]:
    """One pattern finding any of ``words`` (the longest at a place), grouped by first byte:
    Python's ``re`` tries alternatives one by one, so a shared first byte halves the work."""
    by_first: dict[bytes, list[bytes]] = {}
    for word in sorted(words, key=lambda w: (-len(w), w)):
        by_first.setdefault(word[:1], []).append(word[1:])
    return re.compile(
        b"|".join(
            re.escape(first) + b"(?:" + b"|".join(re.escape(rest) for rest in rests) + b")"
            for first, rests in sorted(by_first.items())
        )
    )


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
        words.update((*_ALWAYS, *_TICKERS, *_TIME_TICKERS, *_ROUTES, b'"/', *_UNKNOWN_SCHEDULER))
        self._words = _alternatives(words)
        # What an entry records depends on this module (the words, the entry's shape) and
        # on the library data: an entry another version recorded is never read.
        self._salt = FactsCache.key(Path(__file__).read_bytes(), catalog.digest)[:16] + ":"

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
                recorded = self.cache.file_entry(
                    self._salt + str(path), stat.st_size, stat.st_mtime_ns
                )
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
        if is_generated(source):  # never parsed: what it mentions does not matter
            entry = Entry(syntax.read_header(source), frozenset(), "", generated=True)
        else:
            entry = Entry(
                header=syntax.read_header(source),
                mentions=frozenset(self._words.findall(source)),
                key=FactsCache.key(source, self.catalog.digest),
                generated=False,
            )
            self._sources[path] = source
        if self.cache is not None:
            self.cache.put_file(self._salt + str(path), stat.st_size, stat.st_mtime_ns, entry)
        self.entries[path] = entry
        return entry

    def header(self, path: Path) -> syntax.Header | None:
        entry = self.entry(path)
        return None if entry is None else entry.header

    def routes_maybe(self, path: Path) -> bool:
        """Whether the file may register an HTTP route (it calls a route function)."""
        entry = self.entries.get(path)
        return entry is not None and bool(entry.mentions.intersection(_ROUTES))

    def mentions_any(self, path: Path, names: set[str]) -> bool:
        """Whether the file's text holds any of ``names`` (a name can only be declared in a
        file that spells it)."""
        source = self._sources.get(path)
        if source is None:
            try:
                source = self._sources[path] = read_bytes(path, "Go source", limit=MAX_FILE_BYTES)
            except (OSError, ArchcheckError):
                return False
        return any(_has_word(source, name.encode()) for name in names)

    def source(self, path: Path) -> bytes:
        return self._sources.pop(path, None) or read_bytes(path, "Go source", limit=MAX_FILE_BYTES)


_IDENTIFIER = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _has_word(source: bytes, word: bytes) -> bool:
    """Whether ``word`` occurs in ``source`` as a whole identifier."""
    start = source.find(word)
    while start >= 0:
        end = start + len(word)
        before = source[start - 1] if start else 32
        after = source[end] if end < len(source) else 32
        if before not in _IDENTIFIER and after not in _IDENTIFIER:
            return True
        start = source.find(word, start + 1)
    return False


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
        worth = path in force or _worth_parsing(entry, triggers[path.parent])
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
    if workers <= 1 or len(items) < 2 or sum(map(len, items)) < PARALLEL_MIN_BYTES:
        return _parse_chunk(items)
    from concurrent.futures import ProcessPoolExecutor  # NOTE: multiprocessing only to parse

    chunks = [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [facts for chunk in pool.map(_parse_chunk, chunks) for facts in chunk]
