"""Go discovery's entry point: the whole result of an unchanged tree from the cache, else read.

A re-run on an unchanged tree only computes the key and stats the files the result came from;
the tree-sitter scanner, the Go facts and the library data's validation (``discover.read_go``)
are imported and run on a miss only, which keeps them out of the start-up of most runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from archcheck.digest import blake2b
from archcheck.sources.go import syntax
from archcheck.sources.go.cache import FactsCache, Stat, open_cache, stat_of
from archcheck.sources.go.libraries import catalog_digest, load_catalog
from archcheck.sources.go.targets import GoDiscovery, GoTarget


def discover_go_workloads(
    targets: Mapping[str, GoTarget | Path],
    *,
    relative_to: Path | None = None,
    jobs: int | None = None,
    cache: FactsCache | bool | None = True,
) -> GoDiscovery:
    """Read each service's Go files and join their facts into workloads, per service.

    ``targets`` values may be a plain folder (read every main package under it). With a
    cache, the whole result is kept with the stats of every file and folder it was computed
    from, so a re-run on an unchanged tree only stats them (``FactsCache.result``).
    """
    relative_to = None if relative_to is None else relative_to.resolve()
    store = open_cache() if cache is True else (cache or None)
    try:
        key = None
        if store is not None:
            key = _result_key(targets, relative_to, catalog_digest())
            found = store.result(key)
            if isinstance(found, GoDiscovery):
                return found
        from archcheck.sources.go.discover import read_go  # NOTE: the scanner, on a miss only

        catalog = load_catalog()
        read: set[Path] = set()
        walked: set[Path] = set()
        result = read_go(targets, relative_to, jobs, store, catalog, read, walked)
        if store is not None and key is not None:
            store.put_result(key, _inputs(read, walked), result)
        return result
    finally:
        if store is not None and cache is True:
            store.close()


def _result_key(
    targets: Mapping[str, GoTarget | Path], relative_to: Path | None, digest: str
) -> str:
    """What a discovery result depends on besides the files: the targets, where paths are
    shown from, the library data and archcheck's own code."""
    described = []
    for service in sorted(targets):
        value = targets[service]
        target = value if isinstance(value, GoTarget) else GoTarget(root=value)
        mains = [(str(m.folder), sorted(m.tags), m.binary) for m in target.mains]
        described.append([service, mains, str(target.root)])
    text = repr((described, str(relative_to), digest, _code_digest()))
    return blake2b(text.encode(), digest_size=20).hexdigest()


@cache
def _code_digest() -> str:
    """Changes with any code a result comes from (an upgrade never reads an older result).

    By each source file's size, mtime and inode, as Python's own bytecode cache tells a
    changed source: reading and hashing them all was a millisecond of every warm run."""
    from archcheck import __version__

    here = Path(__file__).parent
    sources = sorted(
        (
            *map(str, here.glob("*.py")),
            *(str(here.parents[1] / n) for n in ("names.py", "schedule.py", "model.py")),
        )
    )
    stamp = repr(([(s, stat_of(s)) for s in sources], __version__, syntax.grammar_version()))
    return blake2b(stamp.encode(), digest_size=16).hexdigest()


def _inputs(read: set[Path], walked: set[Path]) -> list[tuple[str, Stat]]:
    """Every file read and folder listed, with their stats now, and the go.mod/go.work that
    each of those folders and their ancestors may hold. An ancestor's own mtime is left out:
    it changes with every unrelated file made beside the tree (in ``/tmp``, say)."""
    listed = set(walked) | {p.parent for p in read}
    ancestors = set(listed)
    for folder in listed:
        ancestors.update(folder.parents)
    paths = set(map(str, read)) | set(map(str, listed))
    paths.update(str(f / name) for f in ancestors for name in ("go.mod", "go.work"))
    return [(path, stat_of(path)) for path in sorted(paths)]
