"""Join the facts of one service's Go files into workloads, notes and routes.

Settles what single files could not: constants from other files and packages, receivers whose
type another file declares, setters called with constants (functional options), and whether a
ticker's work only touches in-process state (then it is housekeeping: a note, not a workload).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from archcheck.model import Location, Note, Workload
from archcheck.names import kebab
from archcheck.schedule import valid_schedule
from archcheck.sources.go.consts import Expr, FieldRef, Lit, Ref, evaluate, format_duration
from archcheck.sources.go.facts import Arg, Call, FileFacts, Pos
from archcheck.sources.go.libraries import CallSpec, Catalog, Library
from archcheck.sources.go.names import job_name, name_from_handler, name_from_text, registrar_name
from archcheck.structs import dataclass, field, replace


@dataclass(frozen=True)
class GoFile:
    """A file's facts with where it lives."""

    path: str
    """As reports show it (relative to the project)."""
    directory: str
    """Its package's folder (absolute): identifies the package."""
    facts: FileFacts


@dataclass
class Joined:
    workloads: list[Workload] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    routes: dict[str, str] = field(default_factory=dict)
    worker_mode: Location | None = None


Resolve = Callable[[Expr | None, str], str | None]
"""(expression, package folder) -> its constant text, or None."""


class Package:
    """The facts of every file, grouped by package folder, with the lookups joining needs."""

    def __init__(self, files: Sequence[GoFile], paths: Mapping[str, str]) -> None:
        self.by_dir: dict[str, list[FileFacts]] = {}
        for file in files:
            self.by_dir.setdefault(file.directory, []).append(file.facts)
        self.paths = paths
        """Import path -> package folder, for the module(s) the files belong to."""
        self.consts: dict[str, dict[str, Expr]] = {}
        for directory, facts in self.by_dir.items():
            merged: dict[str, Expr] = {}
            for item in facts:
                merged.update(item.consts)
            self.consts[directory] = merged

    def lookup(self, ref: Ref, directory: str) -> tuple[Expr, str] | None:
        if ref.package is None:
            found = self.consts.get(directory, {}).get(ref.name)
            return None if found is None else (found, directory)
        target = self.paths.get(ref.package)
        if target is None:
            return None
        found = self.consts.get(target, {}).get(ref.name)
        return None if found is None else (found, target)

    def value(self, expr: Expr | None, directory: str) -> str | float | None:
        return None if expr is None else evaluate(expr, directory, self.lookup)

    def text(self, expr: Expr | None, directory: str) -> str | None:
        result = self.value(expr, directory)
        return result if isinstance(result, str) else None

    def pending(self, key: str, directory: str) -> str | None:
        kind, _, name = key.partition(":")
        table = {"field": "field_types", "func": "func_results", "var": "var_types"}.get(kind)
        if table is None:
            return None
        for facts in self.by_dir.get(directory, ()):
            found: str | None = getattr(facts, table).get(name)
            if found is not None:
                return found
        if kind == "field":  # embedded or declared in another package of the module
            for other in self.by_dir.values():
                for facts in other:
                    if name in facts.field_types:
                        return facts.field_types[name]
        return None

    def in_process(self, callees: Sequence[str], directory: str, depth: int = 0) -> bool:
        """Whether every same-package function in ``callees`` only does in-process work."""
        if depth > 4:
            return False
        for name in callees:
            summary = next(
                (f.summaries[name] for f in self.by_dir.get(directory, ()) if name in f.summaries),
                None,
            )
            if summary is None or not summary.in_process:
                return False
            if not self.in_process(summary.callees, directory, depth + 1):
                return False
        return True


def join_service(
    service: str,
    files: Sequence[GoFile],
    package: Package,
    catalog: Catalog,
    *,
    runs_in: Mapping[str, str] | None = None,
) -> Joined:
    """Workloads of one service from the facts of the files its binary is built from."""
    runs_in = runs_in or {}
    joined = Joined()
    seen: set[tuple[str, str]] = set()
    events: dict[tuple[str | None, str], int] = {}
    options = [(o, f.directory) for f in files for o in f.facts.option_calls]

    def location(file: GoFile, pos: Pos) -> Location:
        return Location(file=file.path, line=pos.line, column=pos.column)

    def add(workload: Workload) -> None:
        key = (workload.kind, workload.name)
        if key in seen:
            if workload.kind == "events" and workload.topic is not None:
                return
            suffix = 2
            while (workload.kind, f"{workload.name}-{suffix}") in seen:
                suffix += 1
            workload = workload.model_copy(update={"name": f"{workload.name}-{suffix}"})
        seen.add((workload.kind, workload.name))
        joined.workloads.append(workload)

    def note(file: GoFile, pos: Pos, message: str) -> None:
        at = location(file, pos)
        joined.notes.append(Note(text=f"{at}: {service}: {message}", service=service, location=at))

    def resolve(expr: Expr | None, directory: str) -> str | None:
        """A constant, or a field set through a setter the service calls with one constant."""
        found = package.text(expr, directory)
        if found is not None or not isinstance(expr, FieldRef):
            return found
        setter = next(
            (
                f.setters[expr.name]
                for f in package.by_dir.get(directory, ())
                if expr.name in f.setters
            ),
            None,
        )
        if setter is None:
            return None
        values = {
            package.text(option.value, where)
            for option, where in options
            if option.function == setter and package.paths.get(option.package) == directory
        }
        values.discard(None)
        return values.pop() if len(values) == 1 else None

    for file in files:  # routes first: /dapr/subscribe's handler decides which literals count
        for route in file.facts.routes:
            path = package.text(route.path, file.directory)
            if path is not None and route.handler is not None:
                joined.routes.setdefault(
                    path if path.startswith("/") else "/" + path, route.handler
                )
    wrapped_by = _wrappers(files, package, catalog)
    wrapper_calls = {
        (w.directory, w.inner.pos)
        for key, w in wrapped_by.items()
        if any(_wrapper_key(c, f.directory, package) == key for f in files for c in f.facts.calls)
    }
    for file in files:
        directory = file.directory
        facts = file.facts
        worker = runs_in.get(directory)
        if facts.worker_mode is not None and worker is None and joined.worker_mode is None:
            joined.worker_mode = location(file, facts.worker_mode)
        _subscribe_literals(service, file, package, joined, events, add, runs_in)
        for call in facts.calls:
            target = _wrapper_key(call, directory, package)
            wrapped = wrapped_by.get(target) if target is not None else None
            if wrapped is not None:  # a call of a function that registers work for its callers
                call = _through(wrapped, call)
                library, spec = wrapped.library, wrapped.spec
            elif (directory, call.pos) in wrapper_calls:
                continue  # the registration inside such a function: its callers are the work
            else:
                match = _match(call, facts, directory, package, catalog)
                if isinstance(match, str):
                    note(file, call.pos, match)
                    continue
                if match is None:
                    continue
                library, spec = match
            workload = _workload(
                service, call, library, spec, file, directory, resolve, worker, package
            )
            if workload is None:
                continue
            if isinstance(workload, str):
                note(file, call.pos, workload)
                continue
            if workload.kind == "events" and workload.topic is not None:
                key = (workload.pubsub, workload.topic)
                if key in events:
                    continue
                events[key] = len(joined.workloads)
            add(workload)
        for tick in facts.ticks:
            every = package.value(tick.every, directory)
            schedule = f"@every {format_duration(every)}" if isinstance(every, float) else None
            what = f"{tick.via} loop" + (f" ({schedule})" if schedule else "")
            if tick.event_loop:
                note(file, tick.pos, f"{what} is one case of a select that handles events: a"
                     " timer serving that loop, not scheduled work of its own; not a workload")  # fmt: skip
                continue
            housekeeping = _housekeeping_word(tick.names, tick.handler)
            if housekeeping is not None:
                note(file, tick.pos, f"{what} does in-process housekeeping ({housekeeping}):"
                     " not a workload")  # fmt: skip
                continue
            if tick.in_process and package.in_process(tick.callees, directory):
                note(file, tick.pos, f"{what} only touches in-process state (in-process "
                     "housekeeping such as cache eviction or gauges): not a workload")  # fmt: skip
                continue
            name = next((n for n in map(job_name, tick.names[:2]) if n), None)
            name = name or name_from_handler(tick.handler)
            name = name or next((n for n in map(job_name, tick.names[2:]) if n), None)
            if name is None:
                note(
                    file,
                    tick.pos,
                    _skipped(f"{what} with nothing in the code to name it by", "cron"),
                )
                continue
            add(Workload(service=service, kind="cron", name=name, schedule=schedule,
                         handler=tick.handler, runs_in=worker, origin="go",
                         location=location(file, tick.pos)))  # fmt: skip
    return joined


_HOUSEKEEPING = ("evict", "reap", "heartbeat", "keepalive", "keep-alive", "metric", "gauge",
                 "stats", "emit", "gc", "ping", "health", "membership", "rotate")  # fmt: skip
"""Words in a ticker's variable, function or work that say it tends the process itself."""


def _housekeeping_word(names: Sequence[str], handler: str | None) -> str | None:
    for candidate in (*names, handler or ""):
        words = kebab(candidate.rsplit(".", 1)[-1]).split("-")
        for word in _HOUSEKEEPING:
            if word in words or (len(word) > 4 and any(w.startswith(word) for w in words)):
                return f"{word}: {candidate}"
    return None


_SCHEDULER_METHODS = frozenset({"AddFunc", "AddJob", "Schedule", "NewJob", "Register", "Every"})


def _unknown_scheduler(origin: str | None, imports: Sequence[str], call: Call) -> str | None:
    """The import path of a scheduler-looking package no library entry covers, when ``call``
    registers work on it (an unknown robfig fork, a home-grown cron package)."""
    if call.name not in _SCHEDULER_METHODS or call.function:
        return None
    candidates = [origin] if origin is not None else ([] if call.pending is None else imports)
    for path in candidates:
        last = path.rsplit("/", 2)
        if (
            any("cron" in part or "sched" in part for part in last[-2:])
            and "." in path.split("/")[0]
        ):
            return path
    return None


def _skipped(what: str, kind: str) -> str:
    return (
        f"{what}; not counted as a workload (declare it under x-archcheck {kind}: of the service"
        " to have it judged)"
    )


def _arg(call: Call, position: int | None) -> Arg | None:
    if position is None or position >= len(call.args):
        return None
    return call.args[position]


def _field(arg: Arg | None, name: str | None) -> Expr | None:
    if arg is None or name is None:
        return None
    return next((v for k, v in arg.fields if k == name.lower()), None)


def _match(
    call: Call, facts: FileFacts, directory: str, package: Package, catalog: Catalog
) -> tuple[Library, CallSpec] | str | None:
    """The library call ``call`` is (its library and call spec), a note when it calls an
    unknown scheduler, or None."""
    origin = call.origin
    if origin is None and call.pending is not None:
        origin = package.pending(call.pending, directory)
    matches = list(catalog.find(origin, call.name, function=call.function)) if origin else []
    if not matches and origin is None and call.pending is not None:
        matches = [
            m
            for key in catalog.imported(facts.imports)
            for m in catalog.find_in(key, call.name)
            if m[2].distinctive
        ]
    if not matches:
        unknown = _unknown_scheduler(origin, facts.imports, call)
        if unknown is None:
            return None
        return _skipped(f"{call.name} on a value of {unknown}, a scheduler library archcheck does"
                        " not know (add it to rules/sources/go-libraries.yaml)", "cron")  # fmt: skip
    _, library, spec = matches[0]
    return library, spec


@dataclass(frozen=True)
class _Wrapper:
    """A package-level function that passes its parameters on to a library registration
    (vikunja's ``cron.Schedule(spec, f)`` around robfig's ``c.AddFunc(spec, f)``): each call of
    it registers work, with the caller's arguments."""

    directory: str
    inner: Call
    params: tuple[str, ...]
    library: Library
    spec: CallSpec


def _wrappers(
    files: Sequence[GoFile], package: Package, catalog: Catalog
) -> dict[tuple[str, str], _Wrapper]:
    """(package folder, function name) -> the registration it wraps."""
    found: dict[tuple[str, str], _Wrapper] = {}
    for file in files:
        for call in file.facts.calls:
            name = call.function_name
            summary = file.facts.summaries.get(name) if name else None
            if name is None or call.receiver_type is not None or summary is None:
                continue
            passed = {
                arg.expr.name
                for arg in call.args
                if isinstance(arg.expr, Ref) and arg.expr.package is None
            } & set(summary.params)
            if not passed:
                continue
            match = _match(call, file.facts, file.directory, package, catalog)
            if isinstance(match, tuple):
                found.setdefault(
                    (file.directory, name),
                    _Wrapper(file.directory, call, summary.params, *match),
                )
    return found


def _wrapper_key(call: Call, directory: str, package: Package) -> tuple[str, str] | None:
    """The (package folder, function) a plain function call calls."""
    if not call.function:
        return None
    if call.origin is None:
        return directory, call.name
    target = package.paths.get(call.origin)
    return None if target is None else (target, call.name)


def _through(wrapper: _Wrapper, outer: Call) -> Call:
    """The wrapped registration as this call of the wrapper makes it: each argument that is
    one of the wrapper's parameters replaced by what the caller passes, at the caller's line."""
    args = []
    for arg in wrapper.inner.args:
        expr = arg.expr
        if isinstance(expr, Ref) and expr.package is None and expr.name in wrapper.params:
            index = wrapper.params.index(expr.name)
            arg = outer.args[index] if index < len(outer.args) else Arg()
        args.append(arg)
    return replace(
        wrapper.inner,
        pos=outer.pos,
        args=tuple(args),
        bound=outer.bound,
        in_loop=outer.in_loop,
        function_name=outer.function_name,
        receiver_type=outer.receiver_type,
    )


def _workload(
    service: str,
    call: Call,
    library: Library,
    spec: CallSpec,
    file: GoFile,
    directory: str,
    resolve: Resolve,
    worker: str | None,
    package: Package,
) -> Workload | str | None:
    """The workload a recognised call registers, a note saying why it is not one, or None
    when it is plainly not recurring work (a Dapr job with a due time and no schedule)."""
    config = _arg(call, spec.config)
    where = Location(file=file.path, line=call.pos.line, column=call.pos.column)
    handler_arg = _arg(call, spec.handler)
    handler = None
    if handler_arg is not None:
        handler = (
            handler_arg.first_handler
            if handler_arg.call in library.arguments
            and library.arguments[handler_arg.call] == "handler"
            else handler_arg.handler
        )
    if library.kind == "cron":
        wanted = spec.fields.get("schedule")
        if config is not None and wanted and config.fields and _field(config, wanted) is None:
            return None
        schedule, job = _schedule(call, library, spec, config, directory, resolve, package)
        if schedule is not None and not valid_schedule(schedule):
            return _skipped(f"{library.title} whose schedule {schedule!r} is not a cron spec or"
                            " interval", "cron")  # fmt: skip
        if (
            handler_arg is not None
            and handler_arg.call in library.arguments
            and library.arguments[handler_arg.call] == "name"
        ):
            job = job or name_from_text(resolve(handler_arg.first, directory))
        around = registrar_name(call.function_name) if handler_arg and handler_arg.closure else None
        name = job or around or name_from_handler(handler, call.bound)
        if schedule is None and call.in_loop:
            return _skipped(f"{library.title} whose schedule is known only at run time,"
                            " registered in a loop", "cron")  # fmt: skip
        if name is None:
            what = library.title + (f" ({schedule})" if schedule else "")
            return _skipped(f"{what} with nothing in the code to name it by", "cron")
        return Workload(service=service, kind="cron", name=name, schedule=schedule, handler=handler,
                        runs_in=worker, origin="go", location=where)  # fmt: skip
    transport = _arg(call, spec.subscriber)
    if transport is not None and library.in_process:
        through = (
            package.pending(f"var:{transport.expr.name}", directory)
            if isinstance(transport.expr, Ref) and transport.expr.package is None
            else None
        )
        if through in library.in_process:
            return (f"{library.title} subscribed through an in-process transport ({through}): its"
                    " events never leave the process, so it cannot move to a worker; not a"
                    " workload")  # fmt: skip
    topic_arg = _arg(call, spec.topic)
    topic = None
    if topic_arg is not None:
        topic = resolve(topic_arg.expr, directory)
        if topic is None and topic_arg.items:
            topics = [t for t in (resolve(i, directory) for i in topic_arg.items) if t]
            topic = ", ".join(topics) if topics else None
    topic = topic or resolve(_field(config, spec.fields.get("topic")), directory)
    pubsub = resolve(_field(config, spec.fields.get("pubsub")), directory)
    route = resolve(_field(config, spec.fields.get("route")), directory)
    dead_letter = resolve(_field(config, spec.fields.get("dead_letter_topic")), directory)
    named = resolve(_field(config, spec.fields.get("name")), directory)
    name = name_from_text(topic) or name_from_text(named) or name_from_handler(handler, call.bound)
    if topic is None and (call.in_loop or name is None):
        why = "registered in a loop" if call.in_loop else "with no handler name in the code"
        return _skipped(f"{library.title} whose topic or queue is known only at run time, {why}",
                        "events")  # fmt: skip
    assert name is not None
    return Workload(service=service, kind="events", name=name, topic=topic, pubsub=pubsub,
                    route=route, handler=handler, dead_letter_topic=dead_letter, runs_in=worker,
                    origin="go", location=where)  # fmt: skip


def _schedule(
    call: Call,
    library: Library,
    spec: CallSpec,
    config: Arg | None,
    directory: str,
    resolve: Resolve,
    package: Package,
) -> tuple[str | None, str | None]:
    """(the schedule a cron registration spells, a job name it gives)."""
    job = name_from_text(resolve(_field(config, spec.fields.get("name")), directory))
    if config is not None and spec.fields.get("schedule"):
        return resolve(_field(config, spec.fields.get("schedule")), directory), job
    if library.chain:
        return _chain_schedule(call, directory, resolve), job
    arg = _arg(call, spec.schedule)
    if arg is None:
        return None, job
    meaning = library.arguments.get(arg.call or "")
    if meaning == "every":
        every = package.value(arg.first, directory)
        return (f"@every {format_duration(every)}" if isinstance(every, float) else None), job
    if meaning == "spec":
        return resolve(arg.first, directory), job
    value = resolve(arg.expr, directory)
    return value, job


_UNITS = {"Second": 1e9, "Seconds": 1e9, "Minute": 60e9, "Minutes": 60e9, "Hour": 3600e9,
          "Hours": 3600e9, "Day": 86400e9, "Days": 86400e9, "Week": 604800e9, "Weeks": 604800e9}  # fmt: skip


def _chain_schedule(call: Call, directory: str, resolve: Resolve) -> str | None:
    """gocron v1: ``Every(5).Minutes()``, ``Every("5m")``, ``Cron("*/5 * * * *")``."""
    names = dict(call.chain)
    for key in ("Cron", "CronWithSeconds"):
        arg = names.get(key)
        if arg is not None:
            return resolve(arg.expr, directory)
    every = names.get("Every")
    if every is None:
        return None
    unit = next((u for u in _UNITS if u in names), None)
    at = names.get("At")
    at_time = resolve(at.expr, directory) if at is not None else None
    if at_time and unit in ("Day", "Days") and every.expr == Lit(1.0):
        hour, _, minute = at_time.partition(":")
        if hour.isdigit() and minute[:2].isdigit():
            return f"{int(minute[:2])} {int(hour)} * * *"
    if isinstance(every.expr, Lit) and isinstance(every.expr.value, float):
        return f"@every {format_duration(every.expr.value * _UNITS[unit])}" if unit else None
    text = resolve(every.expr, directory)
    return f"@every {text}" if text else None


def _subscribe_literals(
    service: str,
    file: GoFile,
    package: Package,
    joined: Joined,
    events: dict[tuple[str | None, str], int],
    add: Callable[[Workload], None],
    runs_in: Mapping[str, str],
) -> None:
    """Topics ``GET /dapr/subscribe`` returns: literals with a topic in its handler."""
    handler = joined.routes.get("/dapr/subscribe")
    if handler is None:
        return
    function = handler.rsplit(".", 1)[-1]
    for literal in file.facts.topic_literals:
        if literal.function != function:
            continue
        fields = dict(literal.fields)
        topic = package.text(fields.get("topic"), file.directory)
        if topic is None:
            at = Location(file=file.path, line=literal.pos.line, column=literal.pos.column)
            why = _skipped("/dapr/subscribe returns a topic known only at run time", "events")
            joined.notes.append(Note(text=f"{at}: {service}: {why}", service=service, location=at))
            continue
        pubsub = package.text(fields.get("pubsubname"), file.directory)
        if (pubsub, topic) in events:
            continue
        route = package.text(fields.get("route"), file.directory)
        if route is not None and not route.startswith("/"):
            route = "/" + route
        events[(pubsub, topic)] = len(joined.workloads)
        add(Workload(service=service, kind="events", name=topic, topic=topic, pubsub=pubsub,
                     route=route, handler=joined.routes.get(route or ""),
                     dead_letter_topic=package.text(fields.get("deadlettertopic"), file.directory),
                     runs_in=runs_in.get(file.directory), origin="go",
                     location=Location(file=file.path, line=literal.pos.line, column=literal.pos.column)))  # fmt: skip
