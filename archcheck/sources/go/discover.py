"""Per service: the Go files its binary is built from, their facts, and the workloads in them.

Each service arrives as a ``GoTarget``: the main packages its Dockerfile builds (``build.py``),
or a folder to read when the build could not be read (``--source``, ``x-archcheck: main``, or
the build context as a fallback). Files shared by several services are read and parsed once.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from archcheck.errors import ArchcheckError
from archcheck.files.read import read_bytes
from archcheck.model import Location, Note, Workload
from archcheck.sources.go import scan as scanning
from archcheck.sources.go import syntax
from archcheck.sources.go.cache import FactsCache
from archcheck.sources.go.consts import BinOp, Expr, FieldRef, Ref
from archcheck.sources.go.facts import Arg, Call, FileFacts
from archcheck.sources.go.join import (
    GoFile,
    Package,
    _housekeeping_word,
    _unknown_scheduler,
    join_service,
)
from archcheck.sources.go.libraries import Catalog
from archcheck.sources.go.modules import Modules, closure, find_module, load_modules
from archcheck.sources.go.targets import GoDiscovery, GoTarget


def _display(path: Path, relative_to: Path | None) -> str:
    """Relative to ``relative_to`` (resolved) when under it, else absolute (``path`` is)."""
    if relative_to is not None and path.is_relative_to(relative_to):
        return path.relative_to(relative_to).as_posix()
    return str(path)


def _main_folders(files: Sequence[Path], headers: Mapping[Path, str]) -> list[Path]:
    return sorted({p.parent.resolve() for p in files if headers.get(p) == "main"})


def read_go(
    targets: Mapping[str, GoTarget | Path],
    relative_to: Path | None,
    jobs: int | None,
    store: FactsCache | None,
    catalog: Catalog,
    read: set[Path],
    walked: set[Path],
) -> GoDiscovery:
    index = scanning.Index(store, catalog)
    notes: list[Note] = []
    per_service: dict[str, list[Path]] = {}
    mains_of: dict[str, list[Path]] = {}
    modules_of: dict[str, Modules] = {}
    roots: dict[str, Path] = {}
    worker_runs: dict[str, dict[str, str]] = {}
    worker_entry: dict[str, Path] = {}
    for service, value in targets.items():
        target = value if isinstance(value, GoTarget) else GoTarget(root=value)
        if target.mains:
            first = target.mains[0].folder
            modules = load_modules(first)
            tags = frozenset().union(*(m.tags for m in target.mains))
            own = closure([m.folder for m in target.mains], modules, tags, index.header)
            walked.update(own.folders)
            mains = [m.folder.resolve() for m in target.mains]
            files = list(own.files)
            # A worker binary of the same module (cmd/worker) runs its owner's workloads:
            # what only it reaches is reported on the service, with runs_in.
            for worker in _worker_mains(mains, modules, walked, read):
                theirs = closure([worker], modules, tags, index.header)
                walked.update(theirs.folders)
                label = _module_label(worker, modules)
                for folder in set(theirs.folders) - set(own.folders):
                    worker_runs.setdefault(service, {})[str(folder)] = label
                files.extend(p for p in theirs.files if p.parent not in own.folders)
                worker_entry.setdefault(service, worker)
            per_service[service] = list(dict.fromkeys(files))
            mains_of[service] = mains
            modules_of[service] = modules
            continue
        root = target.root
        if root is None:
            continue
        if not root.is_dir():
            notes.append(Note(
                text=f"{service}: Go source folder {root} does not exist; nothing discovered",
                service=service,
            ))  # fmt: skip
            continue
        files, skipped = scanning.list_go_files(root, walked)
        notes.extend(Note(text=n, service=service) for n in skipped)
        modules = load_modules(root)
        roots[service] = root
        modules_of[service] = modules
        per_service[service] = [p.resolve() for p in files]
        headers = {p: h.package for p in files if (h := index.header(p)) is not None}
        folders = _main_folders(files, headers)
        known = [r.resolve() for r in modules.roots.values()]
        if folders and all(any(f.is_relative_to(r) for r in known) for f in folders):
            # What its programs compile (their go.mod tells): test helpers never count.
            own = closure(folders, modules, frozenset(), index.header)
            walked.update(own.folders)
            per_service[service] = list(dict.fromkeys(p.resolve() for p in own.files))
    unique = list(dict.fromkeys(p for files in per_service.values() for p in files))
    read.update(unique)
    scanned = {s.path: s for s in scanning.scan(unique, jobs=jobs, catalog=catalog, index=index)}
    _settle(scanned, modules_of.values(), catalog, index, jobs)
    notes.extend(Note(text=item.note) for item in scanned.values() if item.note)
    workloads: list[Workload] = []
    worker_mode: dict[str, Location] = {}
    entrypoints: dict[str, Location] = {}
    routes: dict[str, dict[str, str]] = {}
    coverage: dict[str, tuple[tuple[str, ...], int]] = {}
    partly: set[str] = set()
    for service, files in per_service.items():
        resolved = sorted(set(files))  # path order: stable names and picks
        modules = modules_of[service]
        paths = {
            path: folder
            for folder in {p.parent for p in resolved}
            for path in (modules.import_path(folder),)
            if path is not None
        }
        go_files = [
            GoFile(_display(p, relative_to), str(p.parent), scanned[p].facts)
            for p in resolved
            if p in scanned
        ]
        package = Package(go_files, {k: str(v) for k, v in paths.items()})
        runs_in: dict[str, str] = {}
        if service in roots:
            packages = {p: scanned[p].header.package for p in resolved if p in scanned}
            mains = _main_folders(resolved, packages)
            runs_in = _worker_packages(roots[service], mains, resolved, scanned, modules)
            workers = sorted(set(runs_in.values()))
            entry = next(
                (
                    p
                    for p in resolved
                    if packages.get(p) == "main" and _label(roots[service], p.parent) in workers
                ),
                None,
            )
            if entry is not None:
                entrypoints[service] = Location(file=_display(entry, relative_to), line=1, column=1)
        else:
            mains = mains_of[service]
            runs_in = worker_runs.get(service, {})
            if service in worker_entry:
                first = next(
                    iter(sorted(worker_entry[service].glob("*.go"))), worker_entry[service]
                )
                entrypoints[service] = Location(file=_display(first, relative_to), line=1, column=1)
        joined = join_service(service, go_files, package, catalog, runs_in=runs_in)
        workloads.extend(joined.workloads)
        notes.extend(joined.notes)
        routes[service] = joined.routes
        if joined.worker_mode is not None:
            worker_mode[service] = joined.worker_mode
        labels = tuple(_display(m, relative_to) for m in mains)
        coverage[service] = (labels, len(go_files))
        for go_file in go_files:
            error = go_file.facts.error
            if error is not None and go_file.path not in partly:
                partly.add(go_file.path)
                at = Location(file=go_file.path, line=error.line, column=error.column)
                text = (
                    f"{at}: this Go file was only partly read (the Go grammar archcheck uses"
                    " stops here); workloads after this point may be missing"
                )
                notes.append(Note(text=text, service=service, location=at))
    return GoDiscovery(
        workloads=tuple(workloads),
        notes=tuple(notes),
        worker_mode=worker_mode,
        worker_entrypoints=entrypoints,
        routes=routes,
        scanned=coverage,
    )


def _settle(
    scanned: dict[Path, scanning.Scanned],
    modules: Iterable[Modules],
    catalog: Catalog,
    index: scanning.Index,
    jobs: int | None,
) -> None:
    """Parse what settles the open questions of the files that register work, and no more.

    In a registering package, the files that may declare what its parsed files look up
    (``_parse_looked_up``); the files defining each constant the facts name, here or in
    another package (``conf.ReportEvery``), and theirs in turn; code importing a package that
    has setters (functional options, ``consumer.QueueName("q")``); and, where a receiver's
    field type is still unknown, every package the package imports (an embedded struct
    declared there). A name is only ever declared in a file whose text holds it: the files
    that do not are not parsed.
    """
    modules = list(modules)
    by_folder: dict[Path, list[Path]] = {}
    package_imports: dict[Path, set[str]] = {}
    for path, item in scanned.items():
        by_folder.setdefault(path.parent, []).append(path)
        package_imports.setdefault(path.parent, set()).update(item.header.imports)

    def folder_of(import_path: str) -> Path | None:
        for m in modules:
            found = m.folder(import_path)
            if found is not None:
                return found
        return None

    def parse(folders: Iterable[Path], files: Iterable[Path] = ()) -> None:
        wanted = [p for f in folders for p in by_folder.get(f, ()) if not scanned[p].parsed]
        wanted.extend(p for p in files if not scanned[p].parsed)
        wanted = list(dict.fromkeys(wanted))
        if wanted:
            for item in scanning.scan(
                wanted, jobs=jobs, catalog=catalog, force=frozenset(wanted), index=index
            ):
                scanned[item.path] = item

    def declaring(names: Mapping[Path, set[str]]) -> Iterator[Path]:
        """The files of each folder whose text holds one of its names."""
        for folder, words in names.items():
            yield from (p for p in by_folder.get(folder, ()) if index.mentions_any(p, words))

    busy = {
        p.parent
        for p, s in scanned.items()
        if s.parsed and _registers(s.facts, package_imports[p.parent], catalog)
    }
    _parse_looked_up(busy, by_folder, scanned, index, catalog, lambda names: parse((), (
        *declaring(names), *(p for f in busy for p in by_folder[f] if index.routes_maybe(p))
    )))  # fmt: skip
    whole: set[Path] = set()
    setters: dict[str, set[str]] = {}
    """Import path -> the setters its package declares (what an option call can set)."""
    for folder in busy:
        facts = [scanned[p].facts for p in by_folder[folder]]
        declared = {v for f in facts for v in f.setters.values()}
        for import_path in (m.import_path(folder) for m in modules):
            if import_path is not None and declared:
                setters.setdefault(import_path, set()).update(declared)
        fields = {k for f in facts for k in f.field_types}
        names = _library_names(catalog, package_imports[folder])
        if any(
            c.origin is None and c.pending is not None and c.pending.startswith("field:")
            and c.pending[6:] not in fields and c.name in names
            for f in facts
            for c in f.calls
        ):  # fmt: skip
            # An embedded struct of another package: its field types settle the receiver.
            whole.update(
                t for i in package_imports[folder] for t in (folder_of(i),) if t is not None
            )
    importers = [
        p
        for p, s in scanned.items()
        if p.parent not in busy and setters.keys() & set(s.header.imports)
    ]
    parse((), importers)
    # Follow each constant the facts name to its definition, parsing in a package only the
    # files that spell it (conf.ReportEvery, and what it is defined from).
    pending = [
        (expr, path.parent)
        for path in (
            *(p for f in busy for p in by_folder[f]),
            *(p for p, s in scanned.items() if s.facts.ticks and p.parent not in busy),
            *importers,
        )
        for expr in _exprs(scanned[path].facts, catalog, setters, consts=False)
    ]
    looked: set[tuple[Path, str]] = set()
    while True:
        waiting: list[tuple[Expr, Path]] = []
        seen: set[tuple[str | None, str, Path]] = set()
        wanted: dict[Path, set[str]] = {}
        while pending:
            expr, directory = pending.pop()
            if isinstance(expr, BinOp):
                pending.extend(((expr.left, directory), (expr.right, directory)))
                continue
            if not isinstance(expr, Ref) or expr.package == "time":
                continue
            target = directory if expr.package is None else folder_of(expr.package)
            if target is None or (expr.package, expr.name, target) in seen:
                continue
            seen.add((expr.package, expr.name, target))
            if (target, expr.name) not in looked:
                wanted.setdefault(target, set()).add(expr.name)
                waiting.append((expr, directory))
                continue
            for path in by_folder.get(target, ()):
                found = scanned[path].facts.consts.get(expr.name)
                if found is not None:
                    pending.append((found, target))
                    break
        if not wanted and not whole:
            return
        parse(whole, declaring(wanted))
        whole = set()
        looked.update((f, n) for f, words in wanted.items() for n in words)
        pending = waiting


def _parse_looked_up(
    busy: set[Path],
    by_folder: Mapping[Path, list[Path]],
    scanned: Mapping[Path, scanning.Scanned],
    index: scanning.Index,
    catalog: Catalog,
    parse: Callable[[Mapping[Path, set[str]]], None],
) -> None:
    """In each registering package, parse what its parsed files look up there, until nothing
    new is asked: a receiver's field, function result or variable type, a ticker's callees
    (and theirs), a field a setter may set, a route's handler (the literals ``/dapr/subscribe``
    returns). ``parse`` gets folder -> the names newly asked there (it also parses the
    files that register routes)."""
    asked: dict[Path, set[str]] = {folder: set() for folder in busy}
    first = True
    while True:
        new: dict[Path, set[str]] = {}
        for folder in busy:
            for path in by_folder[folder]:
                facts = scanned[path].facts
                if not scanned[path].parsed:
                    continue
                names = _looked_up(facts, catalog)
                names.update(
                    n for f in asked[folder] & facts.summaries.keys()
                    for n in facts.summaries[f].callees
                )  # fmt: skip
                names -= asked[folder]
                if names:
                    new.setdefault(folder, set()).update(names)
        if not new and not first:
            return
        parse(new)
        first = False
        for folder, names in new.items():
            asked[folder] |= names


def _looked_up(facts: FileFacts, catalog: Catalog) -> set[str]:
    """Names a file's facts look up in other files of its package."""
    found = {c.pending.partition(":")[2] for c in facts.calls if c.pending is not None}
    found.update(n for t in facts.ticks for n in t.callees)
    found.update(r.handler.rsplit(".", 1)[-1] for r in facts.routes if r.handler)
    stack = list(_exprs(facts, catalog, {}))
    while stack:
        expr = stack.pop()
        if isinstance(expr, FieldRef):
            found.add(expr.name)
        elif isinstance(expr, BinOp):
            stack.extend((expr.left, expr.right))
    return found


def _library_names(catalog: Catalog, imports: set[str]) -> set[str]:
    """The methods and functions of the libraries a package imports."""
    return {
        name
        for key in catalog.imported(tuple(sorted(imports)))
        for library in (catalog.libraries[key],)
        for name in (*library.methods, *library.functions)
    }


def _exprs(
    facts: FileFacts,
    catalog: Catalog,
    setters: Mapping[str, set[str]] | None = None,
    *,
    consts: bool = True,
) -> Iterator[Expr]:
    """Every constant expression a file's facts hold that joining may evaluate (``consts``:
    its definitions too). Left out: the arguments of a call that cannot register work, and
    with ``setters`` (import path -> its setters) the option calls that call none of them."""
    args: list[Arg] = []
    for call in facts.calls:
        if not _may_register(call, catalog):
            continue
        args.extend(call.args)
        args.extend(a for _, a in call.chain if a is not None)
    for arg in args:
        yield from (e for e in (arg.expr, arg.first) if e is not None)
        yield from (e for _, e in arg.fields)
        yield from arg.items
    yield from (t.every for t in facts.ticks if t.every is not None)
    yield from (r.path for r in facts.routes)
    yield from (e for t in facts.topic_literals for _, e in t.fields)
    yield from (
        o.value
        for o in facts.option_calls
        if setters is None or o.function in setters.get(o.package, ())
    )
    if consts:
        yield from facts.consts.values()


def _may_register(call: Call, catalog: Catalog) -> bool:
    """Whether joining may make ``call`` a workload or a note: a library's call on a value of
    a known package, or on a receiver another file may settle. A call on a value of a known
    package no entry covers (``wg.Add``, ``once.Do``) never is."""
    if call.origin is None:
        return call.pending is not None
    found = next(catalog.find(call.origin, call.name, function=call.function), None)
    return found is not None or _unknown_scheduler(call.origin, (), call) is not None


def _worker_mains(
    mains: Sequence[Path], modules: Modules, walked: set[Path], read: set[Path]
) -> list[Path]:
    """Worker binaries (``cmd/worker``, ``cmd/pricing-worker``) of the service's module, other
    than the service's own main packages: folders named like a worker holding ``package main``."""
    gomod = find_module(mains[0]) if mains else None
    if gomod is None:
        return []
    root = gomod.parent.resolve()
    found: list[Path] = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if d not in scanning.SKIPPED_DIRS and d[:1] not in "._"
        )
        current = Path(folder)
        walked.add(current)
        if "worker" not in current.name.lower() or current == root or current in mains:
            continue
        for name in sorted(filenames):
            if name.endswith(".go") and not syntax.filename_excluded(name):
                read.add(current / name)
                with contextlib.suppress(OSError, ArchcheckError):
                    head = read_bytes(current / name, "Go source")[:8192]
                    if syntax.read_header(head).package == "main":
                        found.append(current)
                break
    return found


def _module_label(folder: Path, modules: Modules) -> str:
    for root in modules.roots.values():
        if folder.is_relative_to(root):
            return folder.relative_to(root).as_posix()
    return folder.name


def _registers(facts: FileFacts, package_imports: set[str], catalog: Catalog) -> bool:
    """Whether the file may register work that the rest of its package must settle.

    A call on a value of a known package that no library entry covers (``wg.Add``,
    ``t.Add(d)`` on a ``time.Time``) registers nothing, nor does a call whose receiver nothing
    in the file names: the join would drop both. A call whose receiver another file declares
    counts only when the package imports a library (or a scheduler-looking package) it could
    belong to.
    """
    if facts.topic_literals or facts.routes:
        return True
    for tick in facts.ticks:
        # Only whether its work stays in-process needs the package's other functions; its
        # interval's constants are followed on their own.
        work = tick.in_process and tick.callees and not tick.event_loop
        if work and _housekeeping_word(tick.names, tick.handler) is None:
            return True
    imported = tuple(sorted(package_imports))
    names = _library_names(catalog, package_imports)
    for call in facts.calls:
        if call.origin is not None:
            if next(catalog.find(call.origin, call.name, function=call.function), None):
                return True
            if _unknown_scheduler(call.origin, facts.imports, call) is not None:
                return True
        elif call.pending is not None and (
            call.name in names or _unknown_scheduler(None, imported, call) is not None
        ):
            return True
    return False


def _label(root: Path, folder: Path) -> str:
    top = root.resolve()
    path = folder.resolve()
    return path.relative_to(top).as_posix() if path.is_relative_to(top) else path.name


def _worker_packages(
    root: Path,
    mains: Sequence[Path],
    files: Sequence[Path],
    scanned: Mapping[Path, scanning.Scanned],
    modules: Modules,
) -> dict[str, str]:
    """Package folder -> the worker binary (``cmd/worker``) that alone reaches it.

    A worker binary is a ``main`` package in a folder named like a worker. A package belongs
    to it when the module's imports lead there from the worker binaries and from no other
    ``main`` package (the API's own, a migration...). Without a ``go.mod`` imports cannot be
    followed: then only the worker's main package and ``internal/worker/`` count.
    """
    top = root.resolve()
    workers = [m for m in mains if "worker" in m.name.lower() and m != top]
    if not workers:
        return {}
    folders = {p.parent for p in files}
    if not modules.roots:
        fallback = top / "internal" / "worker"
        owner = ", ".join(_label(root, w) for w in workers)
        return {
            str(f): _label(root, f) if f in workers else owner
            for f in folders
            if f in workers or f.is_relative_to(fallback)
        }
    edges: dict[Path, set[Path]] = {}
    for path in files:
        item = scanned.get(path)
        if item is None:
            continue
        targets = edges.setdefault(path.parent, set())
        for imported in item.header.imports:
            folder = modules.folder(imported)
            if folder is not None:
                targets.add(folder.resolve())

    def reach(start: Path) -> set[Path]:
        found, stack = {start}, [start]
        while stack:
            for target in edges.get(stack.pop(), ()):
                if target in folders and target not in found:
                    found.add(target)
                    stack.append(target)
        return found

    others: set[Path] = set()
    for main in mains:
        if main not in workers:
            others |= reach(main)
    owners: dict[str, list[str]] = {}
    for worker in workers:
        for folder in reach(worker) - others:
            owners.setdefault(str(folder), []).append(_label(root, worker))
    return {folder: ", ".join(names) for folder, names in owners.items()}
