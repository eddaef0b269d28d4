"""``archcheck scaffold``: from the analysis and the flags to a plan, then to files.

The steps run in one direction: load the compose project and its analysis, pick the service and
its workloads, read the Go service, render, plan, and only then write (or diff, or check).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from archcheck.compose import ComposeOptions, ComposeProject, load_project
from archcheck.engine.capacity import CapacityParams, event_capacity
from archcheck.engine.facts import Facts
from archcheck.engine.migration import api_worker_mode, app_name
from archcheck.errors import ExitCode, ScaffoldError
from archcheck.model import Report, System, Verdict, Workload
from archcheck.scaffold.gotarget import (
    GoTarget,
    InlineWork,
    add_requires,
    builder_warning,
    read_target,
)
from archcheck.scaffold.plan import Planned, plan_root, unified_diff
from archcheck.scaffold.render import Rendered, render
from archcheck.scaffold.request import ComposeTarget, CronSpec, EventSpec, Mode, ScaffoldRequest
from archcheck.schedule import runs_on_standard_parser

Echo = Callable[[str], None]
_HANDLER = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)?")


@dataclass(frozen=True)
class ScaffoldOptions:
    """The flags of ``archcheck scaffold``."""

    service: str
    compose: ComposeOptions = field(default_factory=ComposeOptions)
    metrics: tuple[Path, ...] = ()
    source: Path | None = None
    events: tuple[str, ...] = ()
    """``TOPIC[=HANDLER]`` as typed."""
    cron: tuple[str, ...] = ()
    """``NAME=SPEC`` or ``NAME=SPEC=HANDLER`` as typed."""
    mode: Mode | None = None
    dry_run: bool = False
    force: bool = False
    check: bool = False
    in_place: bool = False
    """Patch the first compose file itself instead of writing docker-compose.workers.yml."""


def parse_event(text: str) -> EventSpec:
    """``--event TOPIC[=HANDLER]``."""
    topic, _, handler = text.partition("=")
    if not topic.strip():
        raise ScaffoldError(
            f"--event {text!r}: give a topic, as in --event warehouse.stock.updated=ApplyStockUpdate"
        )
    return EventSpec(topic=topic.strip(), handler=handler.strip() or None)


def parse_cron(text: str) -> CronSpec:
    """``--cron NAME=SPEC[=HANDLER]`` with a 5-field spec or a descriptor (``@every 10m``)."""
    name, _, rest = text.partition("=")
    spec, _, handler = rest.rpartition("=")
    if not spec or spec.strip() in ("CRON_TZ", "TZ") or not _HANDLER.fullmatch(handler.strip()):
        spec, handler = rest, ""  # no handler: the "=" belongs to a CRON_TZ= prefix
    spec = spec.strip()
    if not name.strip() or not spec:
        raise ScaffoldError(
            f"--cron {text!r}: use NAME=SPEC, as in --cron sync-prices='*/5 * * * *'"
        )
    if not valid_schedule(spec):
        raise ScaffoldError(
            f"--cron {text!r}: {spec!r} is not a 5-field cron spec or descriptor; robfig/cron's"
            " standard parser rejects seconds fields. Use e.g. '*/5 * * * *' or '@every 10m'"
        )
    return CronSpec(name=name.strip(), schedule=spec, handler=handler.strip() or None)


def valid_schedule(spec: str) -> bool:
    """Whether the scaffolded worker (robfig/cron's standard parser) can run ``spec``."""
    return runs_on_standard_parser(spec)


def resolve_service(project: ComposeProject, name: str) -> str:
    """Accept the compose service name or the application's short name (``pricing``)."""
    services = project.services
    for candidate in (name, f"{name}-service", f"{name}_service", f"{name}-api"):
        if candidate in services:
            return candidate
    raise ScaffoldError(
        f"no service {name!r} in {', '.join(str(f) for f in project.files)}; services:"
        f" {', '.join(sorted(services)) or '(none)'}"
    )


def _source_dir(
    options: ScaffoldOptions, project: ComposeProject, svc: dict[str, Any], service: str
) -> Path:
    if options.source is not None:
        return (options.compose.cwd or Path.cwd()) / options.source
    build = svc.get("build")
    if isinstance(build, str):
        build = {"context": build}
    if not isinstance(build, dict) or not build.get("context"):
        raise ScaffoldError(
            f"service {service} has no build context, so its Go source is unknown: pass --source DIR",
            project.locate("services", service),
        )
    context = project.working_dir / str(build["context"])
    dockerfile = context / str(build.get("dockerfile") or "Dockerfile")
    for candidate in (context, dockerfile.parent):
        if (candidate / "go.mod").is_file():
            return candidate
    return context


DEFAULT_BINARY = "/app/worker"
"""Where kratos-layout images put ``cmd/worker`` (``go build -o ./bin/ ./...``, bin/ -> /app)."""


def worker_binary(dockerfile: str) -> tuple[bool, str | None]:
    """(``ARG MAIN_PKG`` present, where the image will hold the worker binary or None if it
    builds no ``cmd/worker``): layout images build every ``cmd/*``, seed-style images build
    ``$MAIN_PKG`` into their ``-o`` path."""
    main_pkg = bool(re.search(r"^\s*ARG\s+MAIN_PKG\b", dockerfile, re.MULTILINE))
    if main_pkg:
        out = re.search(r"go build[^\n]*?-o\s+(\S+)[^\n]*MAIN_PKG", dockerfile)
        if out and not out[1].endswith("/"):
            return True, out[1]
        return True, DEFAULT_BINARY
    builds_all = re.search(r"go build[^\n]*\./\.\.\.|make\s+build|cmd/worker", dockerfile)
    return False, DEFAULT_BINARY if builds_all else None


def _compose_target(
    project: ComposeProject, svc: dict[str, Any], service: str, app: str, source: Path
) -> ComposeTarget:
    import os

    folder = project.files[0].parent if project.files else project.working_dir
    build = svc.get("build")
    if isinstance(build, str):
        build = {"context": build}
    rel_build: dict[str, Any] = {}
    main_pkg = False
    binary: str | None = DEFAULT_BINARY
    dockerfile: Path | None = None
    if isinstance(build, dict):
        for key in ("context", "dockerfile", "target", "args"):
            if build.get(key) is None:
                continue
            value = build[key]
            if key == "context" and not re.match(r"^[a-z]+://", str(value)):
                rel = Path(os.path.relpath(project.working_dir / str(value), folder)).as_posix()
                value = rel if rel.startswith(".") else f"./{rel}"
            rel_build[key] = value
        ctx_dir = project.working_dir / str(build.get("context", "."))
        dockerfile = ctx_dir / str(build.get("dockerfile") or "Dockerfile")
        if dockerfile.is_file():
            main_pkg, binary = worker_binary(
                dockerfile.read_text(encoding="utf-8", errors="replace")
            )
    networks = svc.get("networks") or {}
    nets = tuple(
        n for n in (networks if isinstance(networks, (dict, list)) else []) if n != "default"
    )
    migration = None
    for name in (f"{app}-migration", f"{app}-migrate", f"{app}-migrations", f"{app}_migration"):
        if name in project.services:
            migration = name
            break
    return ComposeTarget(
        dockerfile=dockerfile,
        binary=binary or DEFAULT_BINARY,
        binary_built=binary is not None,
        compose_file=project.files[0] if project.files else folder / "docker-compose.yml",
        service=service,
        build=rel_build,
        migration=migration,
        networks=nets,
        main_pkg_arg=main_pkg,
    )


def _kinds(verdicts: list[Verdict], options: ScaffoldOptions, service: str) -> set[str]:
    """Which workload kinds to split out: ``--mode``, else what the analysis says is separate."""
    if options.mode is not None:
        return {"events", "cron"} if options.mode == "all" else {options.mode}
    separate = {str(v.kind) for v in verdicts if v.decision == "separate"} & {"events", "cron"}
    if separate:
        return separate
    inline = [v for v in verdicts if v.kind in ("events", "cron") and v.decision == "inline"]
    if inline and not options.force:
        why = "; ".join(f"{v.kind}: {v.summary}" for v in inline)
        raise ScaffoldError(
            f"the analysis keeps {service}'s workloads inline ({why}); splitting it adds"
            " containers without a reason. Use --force to scaffold anyway"
        )
    return {"events", "cron"}


def build_request(
    options: ScaffoldOptions, project: ComposeProject, report: Report, notes: Echo
) -> tuple[ScaffoldRequest, GoTarget]:
    """The request for one service: workloads from the analysis, overridden by the flags."""
    service = resolve_service(project, options.service)
    svc = project.services[service]
    app = app_name(service)
    verdicts = [v for v in report.verdicts if v.service == service]
    kinds = _kinds(verdicts, options, service)
    for v in verdicts:
        if v.decision == "insufficient-data" and v.kind in kinds:
            notes(f"note: {service} {v.kind}: {v.summary}")
    source = _source_dir(options, project, svc, service)
    target = read_target(source)
    # Declared workloads first: discovery may find the same job again in the API's Go code.
    workloads = sorted(
        (w for w in report.workloads if w.service == service and not _generated(w, source)),
        key=lambda w: w.origin == "go",
    )
    events: dict[str, EventSpec] = {}
    jobs: dict[str, CronSpec] = {}
    methods: dict[tuple[str, str], str] = {}
    for w in workloads:
        if w.kind not in kinds or w.kind not in ("events", "cron"):
            continue
        method = target.find(w.handler, event=w.kind == "events") if w.handler else None
        handler = f"{method.usecase}.{method.name}" if method else None
        if method is not None and w.kind == "cron":  # one job per schedule (review defect 31)
            first = methods.setdefault((method.usecase, method.name), w.name)
            if first != w.name:
                notes(
                    f"note: {w.kind} workload {w.name} calls {handler} like {first}: one job per schedule, skipped"
                )
                continue
        if w.kind == "events":
            topic = w.topic or w.name
            events.setdefault(topic, EventSpec(topic=topic, handler=handler))
        elif w.schedule:
            jobs.setdefault(w.name, CronSpec(name=w.name, schedule=w.schedule, handler=handler))
        else:
            notes(
                f"note: cron job {w.name} of {service} has no known schedule: add --cron {w.name}=SPEC"
            )
    for text in options.events:
        e = parse_event(text)
        events[e.topic] = e
    for text in options.cron:
        c = parse_cron(text)
        jobs[c.name] = c
    split = {"events"} if events else set()
    split |= {"cron"} if jobs else set()
    inline = {str(w.kind) for w in workloads if w.kind in ("events", "cron")} - split
    compose = _compose_target(project, svc, service, app, source)
    # The API keeps what stays inline (catalog keeps its events): AC105 checks exactly this.
    compose = replace(compose, api_mode=api_worker_mode(inline))
    request = ScaffoldRequest(
        app=app,
        source_dir=source,
        events=tuple(events.values()),
        cron_jobs=tuple(jobs.values()),
        compose=compose,
    )
    return request, target


def recommended_concurrency(report: Report, service: str) -> int | None:
    """The event worker's WORKER_CONCURRENCY: the analysis' Little's-law recommendation (the
    one AC108 accepts); None when the service has no event workloads."""
    found = next((c for c in report.capacity if c.service == service), None)
    return found.recommended_concurrency if found is not None else None


def concurrency_for(system: System, service: str, events: tuple[EventSpec, ...]) -> int:
    """The same recommendation for a System not judged yet, with AC108's default parameters.

    The event worker runs every event workload of the service, and AC108 judges it on all of
    them, so ``events`` does not narrow the sum.
    """
    del events
    return event_capacity(Facts(system), service, CapacityParams()).recommended_concurrency


GENERATED_DIRS = ("cmd/worker", "internal/worker")
"""Where the scaffold writes Go code: what discovery finds there is the split, not the API."""


def _generated(w: Workload, source: Path) -> bool:
    """Whether discovery found ``w`` in the scaffold's own output (never scaffold it again)."""
    if w.origin != "go" or w.location is None:
        return False
    path = Path(w.location.file)
    return any(path.is_relative_to(source / d) for d in GENERATED_DIRS)


def plan(
    request: ScaffoldRequest,
    target: GoTarget,
    rendered: Rendered,
    *,
    force: bool,
    compose_patched: bool = False,
) -> list[Planned]:
    """Verdicts per folder: one manifest per tree (the compose folder may be the service's)."""
    service_root = target.root.resolve()
    gomod = (target.root / "go.mod").read_text(encoding="utf-8")
    roots: dict[Path, dict[str, str]] = {service_root: dict(rendered.service_files)}
    roots[service_root]["go.mod"] = add_requires(gomod, rendered.requires)
    if rendered.compose_files and request.compose is not None:
        folder = request.compose.compose_file.parent.resolve()
        for rel, text in rendered.compose_files.items():
            if folder.is_relative_to(service_root):
                prefix = folder.relative_to(service_root).as_posix()
                roots[service_root][rel if prefix == "." else f"{prefix}/{rel}"] = text
            else:
                roots.setdefault(folder, {})[rel] = text
    user_files = {"go.mod"} if compose_patched is False else {"go.mod", *rendered.compose_files}
    items: list[Planned] = []
    for root, files in roots.items():
        patched = frozenset(rel for rel in files if rel.rpartition("/")[2] in user_files)
        items += plan_root(root, files, force=force, patched=patched)
    return items


def removal_summary(
    service: str, root: Path, inline: tuple[InlineWork, ...], report: Report
) -> list[str]:
    """What the API service still runs that the workers now run: remove it, or work runs twice."""
    lines = [
        f"{w.location}: {w.what}: remove it from {service} once the workers run (two consumers"
        " under different app-ids process every event twice; N API replicas run jobs N times)"
        for w in inline
    ]
    seen = {(w.location.file, w.location.line) for w in inline}
    for w in report.workloads:
        if w.service != service or w.origin != "go" or w.location is None:
            continue
        if w.kind not in ("events", "cron") or _generated(w, root):
            continue
        key = (w.location.file, w.location.line)
        if key not in seen:
            seen.add(key)
            lines.append(f"{w.location}: {w.kind} workload {w.name}: remove it from {service}")
    return lines


def run_scaffold(options: ScaffoldOptions, *, err: Echo, out: Echo) -> int:
    """The whole command; returns the exit code (ArchcheckErrors propagate to the CLI)."""
    from archcheck.pipeline import AnalyzeOptions, run_analysis

    if sum([options.dry_run, options.check]) > 1:
        raise ScaffoldError("--dry-run and --check do not go together: pick one")
    from archcheck.sources.discovery import DiscoveryOptions

    project = load_project(options.compose)
    service = resolve_service(project, options.service)
    sources = (
        {service: _source_dir(options, project, project.services[service], service)}
        if options.source
        else {}
    )
    analysis = AnalyzeOptions(
        compose=options.compose,
        metrics=options.metrics,
        discovery=DiscoveryOptions(sources=sources),
    )
    _, _, report = run_analysis(analysis, project=project)
    request, target = build_request(options, project, report, err)
    concurrency = recommended_concurrency(report, service)
    if concurrency is not None:
        request = replace(request, concurrency=concurrency)
    rendered = render(request, target)
    if options.in_place and request.compose is not None:
        from archcheck.scaffold.inplace import patch_compose

        compose_file = request.compose.compose_file
        patched = patch_compose(
            compose_file.read_text(encoding="utf-8"),
            "".join(rendered.compose_files.values()),
            request.compose.service,
            str(compose_file),
        )
        rendered = replace(rendered, compose_files={compose_file.name: patched})
    elif request.compose is not None:
        rendered = _merge_override(
            rendered, request.compose.compose_file.parent, request.compose.service
        )
    items = plan(request, target, rendered, force=options.force, compose_patched=options.in_place)
    width = max(len(v) for v in ("create", "identical", "overwrite", "conflict", "skip"))
    base = Path.cwd()
    for it in items:
        label = _label(it.path, base)
        err(
            f"{it.verdict:>{width}}  {label}"
            + (f"  ({it.reason})" if it.verdict in ("conflict", "skip", "overwrite") else "")
        )
    dockerfile = request.compose.dockerfile if request.compose else None
    if dockerfile is not None and (note := builder_warning(dockerfile, target, rendered.requires)):
        err(note)
    if dockerfile is not None and request.compose is not None and not request.compose.binary_built:
        err(
            f"note: {dockerfile} builds no cmd/worker binary: add `RUN go build -o"
            f" {DEFAULT_BINARY} ./cmd/worker` (and copy it into the final image) before running"
            " the worker containers"
        )
    conflicts = [it for it in items if it.verdict == "conflict"]
    if options.check:
        drift = [it for it in items if it.verdict != "identical"]
        for it in drift:
            if diff := unified_diff(it, _label(it.path, base)):
                out(diff)
        if drift:
            err(
                f"{len(drift)} generated file(s) differ from what the current analysis produces: run `archcheck scaffold {options.service}`"
            )
            return ExitCode.FINDINGS
        err("generated files are up to date")
        return ExitCode.OK
    if options.dry_run:
        for it in items:
            if diff := unified_diff(it, _label(it.path, base)):
                out(diff)
        err("dry run: nothing written")
        return ExitCode.FINDINGS if conflicts else ExitCode.OK
    if conflicts:
        err(
            f"{len(conflicts)} conflict(s): nothing written. Keep your edits elsewhere and rerun, or use --force to overwrite them"
        )
        return ExitCode.FINDINGS
    from archcheck.scaffold.write import apply

    apply(items)
    service = request.compose.service if request.compose else request.app
    for line in removal_summary(service, target.root, target.inline_work, report):
        err(line)
    if any(it.rel == "go.mod" and it.verdict == "overwrite" for it in items):
        err(
            f"next: cd {_label(target.root, base)} && go mod tidy && go build ./... (go.sum comes from go mod tidy)"
        )
    return ExitCode.OK


def _merge_override(rendered: Rendered, folder: Path, service: str) -> Rendered:
    """One override for the project: keep the other applications' workers already in it."""
    from archcheck.scaffold.inplace import patch_compose
    from archcheck.scaffold.render import OVERRIDE_NAME

    path = folder / OVERRIDE_NAME
    text = rendered.compose_files.get(OVERRIDE_NAME)
    if text is None or not path.is_file():
        return rendered
    merged = patch_compose(path.read_text(encoding="utf-8"), text, service, str(path))
    return replace(rendered, compose_files={**rendered.compose_files, OVERRIDE_NAME: merged})


def _label(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)
