"""Which Go files a build sees, and their facts: from the cache, or parsed in worker processes.

Reading a file's header (package, imports, build constraint) is cheap and done for every file;
the full parse runs only on files that mention something a recogniser, a ticker or a route could
use, and its result is cached by file content (``cache.py``), so a re-run on an unchanged tree
parses nothing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

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

_ALWAYS = (
    b"time.",
    b"dapr/subscribe",
    b"WORKER_MODE",
    b'"mode"',
    b"HandleFunc",
    b"Handle(",
    b"const",
)


@dataclass(frozen=True)
class Scanned:
    """One file as the build sees it: header always, full facts when it could matter."""

    path: Path
    header: syntax.Header
    facts: FileFacts
    note: str | None = None
    parsed: bool = True


def list_go_files(root: Path) -> tuple[list[Path], list[str]]:
    """The ``.go`` files under ``root`` that ``go build`` could see, plus notes on what was
    skipped: ``vendor/``, ``testdata/``, ``_test.go``, other platforms' files, dot- and
    underscore-directories, and symlinks that lead out of ``root`` (someone else's code, or a
    loop)."""
    files: list[Path] = []
    notes: list[str] = []
    top = root.resolve()
    for folder, dirnames, filenames in os.walk(root):
        current = Path(folder)
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


def _worth_parsing(source: bytes, triggers: Sequence[bytes]) -> bool:
    return any(t in source for t in _ALWAYS) or any(t in source for t in triggers)


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
) -> list[Scanned]:
    """Header and facts of each file, in order.

    NOTE: processes, not threads: tree-sitter parsing and the walk over its tree are CPU-bound
    and hold the GIL.
    """
    catalog = catalog or load_catalog()
    triggers = sorted({f"{t}(".encode() for t in catalog.triggers})
    results: list[Scanned | None] = [None] * len(files)
    wanted: list[tuple[int, str, bytes, syntax.Header]] = []
    for index, path in enumerate(files):
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                note = f"{path}: {size} bytes is over the {MAX_FILE_BYTES} byte limit; skipped"
                results[index] = Scanned(path, syntax.Header("", ()), FileFacts(), note)
                continue
            source = path.read_bytes()
        except OSError as exc:
            results[index] = Scanned(
                path, syntax.Header("", ()), FileFacts(), f"{path}: cannot read: {exc}"
            )
            continue
        header = syntax.read_header(source)
        if is_generated(source) or (path not in force and not _worth_parsing(source, triggers)):
            facts = FileFacts(package=header.package, imports=header.imports)
            results[index] = Scanned(path, header, facts, parsed=False)
            continue
        key = FactsCache.key(source, catalog.digest)
        cached = cache.get(key) if cache is not None else None
        if cached is not None:
            results[index] = Scanned(path, header, cached)
            continue
        wanted.append((index, key, source, header))
    parsed = _parse([source for _, _, source, _ in wanted], jobs)
    for (index, key, _, header), facts in zip(wanted, parsed, strict=True):
        results[index] = Scanned(files[index], header, facts)
        if cache is not None:
            cache.put(key, facts)
    if cache is not None:
        cache.flush()
    return [r for r in results if r is not None]


def _parse(items: Sequence[bytes], jobs: int | None) -> list[FileFacts]:
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    if workers <= 1 or len(items) < PARALLEL_MIN_FILES:
        return _parse_chunk(items)
    chunks = [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [facts for chunk in pool.map(_parse_chunk, chunks) for facts in chunk]
