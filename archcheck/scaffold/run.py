"""``archcheck scaffold``: from the analysis and the flags to a plan, then to files.

The steps run in one direction: load the compose project and its analysis, pick the service and
its workloads, read the Go service, render, plan, and only then write (or diff, or check).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from archcheck.compose import ComposeOptions, ComposeProject, load_project
from archcheck.engine.migration import api_worker_mode, app_name
from archcheck.errors import ExitCode, ScaffoldError
from archcheck.files.read import read_text
from archcheck.model import Report, System, Verdict, Workload
from archcheck.scaffold.dockerfile import GoBuild
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
from archcheck.structs import dataclass, field, replace

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
    reset: tuple[str, ...] = ()
    """User-owned files to regenerate anyway (paths relative to the service folder)."""


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
    if not runs_on_standard_parser(spec):
        raise ScaffoldError(
            f"--cron {text!r}: {spec!r} is not a 5-field cron spec or descriptor; robfig/cron's"
            " standard parser rejects seconds fields. Use e.g. '*/5 * * * *' or '@every 10m'"
        )
    return CronSpec(name=name.strip(), schedule=spec, handler=handler.strip() or None)


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


def _build_of(svc: dict[str, Any]) -> dict[str, Any] | None:
    build = svc.get("build")
    if isinstance(build, str):
        return {"context": build}
    return build if isinstance(build, dict) and build.get("context") else None


def _build_args(build: dict[str, Any]) -> dict[str, str]:
    args = build.get("args") or {}
    if isinstance(args, list):
        args = dict(str(a).partition("=")[::2] for a in args)
    return {str(k): str(v) for k, v in args.items() if v is not None}


def _go_builds(project: ComposeProject, build: dict[str, Any]) -> tuple[Path, list[GoBuild]]:
    """The Dockerfile of ``build`` and the Go builds it runs (folders in the context)."""
    from archcheck.scaffold.dockerfile import go_builds

    context = project.working_dir / str(build["context"])
    dockerfile = context / str(build.get("dockerfile") or "Dockerfile")
    if not dockerfile.is_file():
        return dockerfile, []
    text = dockerfile.read_text(encoding="utf-8", errors="replace")
    return dockerfile, go_builds(text, context, _build_args(build))


def _source_dir(
    options: ScaffoldOptions, project: ComposeProject, svc: dict[str, Any], service: str
) -> Path:
    """The service's Go folder (``cmd/``, ``internal/``): ``--source``, else where its image
    builds Go (the Dockerfile's WORKDIR of ``go build``/``make build``), else the context."""
    if options.source is not None:
        return (options.compose.cwd or Path.cwd()) / options.source
    build = _build_of(svc)
    if build is None:
        raise ScaffoldError(
            f"service {service} has no build context, so its Go source is unknown: pass --source"
            " DIR (the folder holding its cmd/ and internal/)",
            project.locate("services", service),
        )
    context = project.working_dir / str(build["context"])
    dockerfile, builds = _go_builds(project, build)
    for b in builds:
        if b.folder is not None and (b.folder / "internal").is_dir():
            return b.folder
    for candidate in (context, dockerfile.parent):
        if (candidate / "go.mod").is_file() and (candidate / "internal").is_dir():
            return candidate
    app = app_name(service)
    for candidate in (context / "app" / app / "service", context / "app" / app):
        if (candidate / "internal").is_dir():
            return candidate  # kratos multi-app layout, built some way not read here
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
    project: ComposeProject,
    system: System,
    svc: dict[str, Any],
    service: str,
    source: Path,
    notes: Echo,
) -> ComposeTarget:
    from archcheck.scaffold.inherit import inherit

    folder = project.files[0].parent if project.files else project.working_dir
    build = _build_of(svc)
    rel_build: dict[str, Any] = {}
    main_pkg = False
    binary: str | None = DEFAULT_BINARY
    dockerfile: Path | None = None
    if build is not None:
        for key in ("context", "dockerfile", "target", "args"):
            if build.get(key) is None:
                continue
            value = build[key]
            if key == "context" and not re.match(r"^[a-z]+://", str(value)):
                rel = Path(os.path.relpath(project.working_dir / str(value), folder)).as_posix()
                value = rel if rel.startswith(".") else f"./{rel}"
            rel_build[key] = value
        dockerfile, builds = _go_builds(project, build)
        context = (project.working_dir / str(build["context"])).resolve()
        if not source.resolve().is_relative_to(context):
            notes(
                f"note: the Go source {source} is outside {service}'s build context {context}:"
                " the image built there will not contain cmd/worker; build the worker image from"
                " a context that holds it"
            )
        if dockerfile.is_file():
            main_pkg, binary = worker_binary(
                dockerfile.read_text(encoding="utf-8", errors="replace")
            )
            _note_named_builds(dockerfile, builds, source, notes)
    networks = svc.get("networks") or {}
    nets = tuple(
        n for n in (networks if isinstance(networks, (dict, list)) else []) if n != "default"
    )
    roles = {s.name: s for s in system.services}
    waits = [
        d for d in (svc.get("depends_on") or {}) if getattr(roles.get(d), "role", "") == "migration"
    ]
    owned = [s.name for s in system.services if s.role == "migration" and s.owner == service]
    sidecars = [s.name for s in system.services if s.role == "sidecar" and s.owner == service]
    inherited = inherit(project, service, sidecars[0] if sidecars else None, folder)
    for key in inherited.withheld:
        notes(
            f"note: {service}'s environment {key} holds a literal secret, which is not copied"
            " into the workers' file: give the workers the same value through env_file, secrets"
            " or a ${VARIABLE} reference"
        )
    if inherited.image and build is None:
        notes(
            f"next: the workers run {service}'s image {inherited.image}, which must now also"
            f" hold the worker binary at {DEFAULT_BINARY}: build ./cmd/worker into it (`go build"
            f" -o {DEFAULT_BINARY} ./cmd/worker` in the Dockerfile that produces it), then push it"
        )
    if not sidecars:
        notes(
            f"note: {service} has no Dapr sidecar to copy: the event worker's sidecar loads only"
            " dapr/resiliency.yaml; add your pub/sub component to its --resources-path"
        )
    return ComposeTarget(
        dockerfile=dockerfile,
        binary=binary or DEFAULT_BINARY,
        binary_built=binary is not None,
        compose_file=project.files[0] if project.files else folder / "docker-compose.yml",
        service=service,
        build=rel_build,
        migrations=tuple(dict.fromkeys([*waits, *owned])),
        inherited=inherited,
        networks=nets,
        main_pkg_arg=main_pkg,
    )


def _note_named_builds(dockerfile: Path, builds: list[GoBuild], source: Path, notes: Echo) -> None:
    """A Dockerfile that builds one named binary does not build cmd/worker: say what to add."""
    if not builds or any(b.builds_all for b in builds):
        return
    if any("cmd/worker" in p for b in builds for p in b.packages):
        return
    first = builds[0]
    out = first.output or "."
    target = (
        f"{out.rstrip('/')}/worker"
        if out.endswith("/") or first.output is None
        else str(PurePosixPath(out).parent / "worker")
    )
    notes(
        f"note: {dockerfile}:{first.line}: the image builds {' '.join(first.packages)} only; add"
        f" `RUN go build -o {target} ./cmd/worker` after that line (run in {source.name}), and"
        f" copy {target} into the final image next to the API binary"
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
    options: ScaffoldOptions, project: ComposeProject, system: System, report: Report, notes: Echo
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
    events, jobs, inline = workload_specs(report, service, kinds, target, options, notes)
    compose = _compose_target(project, system, svc, service, source, notes)
    # The API keeps what stays inline (catalog keeps its events): AC105 checks exactly this.
    compose = replace(compose, api_mode=api_worker_mode(inline))
    request = ScaffoldRequest(
        app=app, source_dir=source, events=events, cron_jobs=jobs, compose=compose
    )
    return request, target


def workload_specs(
    report: Report,
    service: str,
    kinds: set[str],
    target: GoTarget,
    options: ScaffoldOptions,
    notes: Echo,
) -> tuple[tuple[EventSpec, ...], tuple[CronSpec, ...], set[str]]:
    """The service's event and cron workloads of ``kinds`` (bound to its biz methods when
    found), with ``--event``/``--cron`` applied; and the kinds that stay inline in the API."""
    # Declared workloads first: discovery may find the same job again in the API's Go code.
    workloads = sorted(
        (w for w in report.workloads if w.service == service and not _generated(w, target.root)),
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
            events.setdefault(
                topic,
                EventSpec(
                    topic=topic,
                    handler=handler,
                    name=w.name,
                    dead_letter_topic=w.dead_letter_topic,
                ),
            )
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
    return tuple(events.values()), tuple(jobs.values()), inline


def recommended_concurrency(report: Report, service: str) -> int | None:
    """The event worker's WORKER_CONCURRENCY: the analysis' Little's-law recommendation (the
    one AC108 accepts); None when the service has no event workloads."""
    found = next((c for c in report.capacity if c.service == service), None)
    return found.recommended_concurrency if found is not None else None


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
    reset: tuple[str, ...] = (),
) -> list[Planned]:
    """Verdicts per folder: one manifest per tree (the compose folder may be the service's)."""
    service_root = target.root.resolve()
    unknown = sorted(set(reset) - rendered.user_files)
    if unknown:
        raise ScaffoldError(
            f"--reset {', '.join(unknown)}: not a file of yours that this scaffold generates;"
            f" those are: {', '.join(sorted(rendered.user_files)) or '(none)'}"
        )
    module_root = target.gomod_dir.resolve()
    gomod = read_text(module_root / "go.mod", "go.mod", error=ScaffoldError)
    roots: dict[Path, dict[str, str]] = {service_root: dict(rendered.service_files)}
    roots.setdefault(module_root, {})["go.mod"] = add_requires(gomod, rendered.requires)
    if rendered.compose_files and request.compose is not None:
        folder = request.compose.compose_file.parent.resolve()
        for rel, text in rendered.compose_files.items():
            if folder.is_relative_to(service_root):
                prefix = folder.relative_to(service_root).as_posix()
                roots[service_root][rel if prefix == "." else f"{prefix}/{rel}"] = text
            else:
                roots.setdefault(folder, {})[rel] = text
    user_files = {"go.mod"} if compose_patched is False else {"go.mod", *rendered.compose_files}
    owned = rendered.user_files - set(reset)
    items: list[Planned] = []
    for root, files in roots.items():
        patched = frozenset(rel for rel in files if rel.rpartition("/")[2] in user_files)
        mine = owned if root == service_root else frozenset()
        items += plan_root(root, files, force=force, patched=patched, owned=frozenset(mine))
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
    if sum([options.dry_run, options.check]) > 1:
        raise ScaffoldError("--dry-run and --check do not go together: pick one")
    project = load_project(options.compose)
    from archcheck.files.lock import folder_lock

    # NOTE: from before the first read to after the last rename: two scaffolds of one project
    # merge their services into one override (``_merge_override``) one after the other.
    with folder_lock(project.files[0].parent if project.files else project.working_dir):
        return _scaffold_locked(options, project, err=err, out=out)


def _scaffold_locked(
    options: ScaffoldOptions, project: ComposeProject, *, err: Echo, out: Echo
) -> int:
    from archcheck.pipeline import AnalyzeOptions, run_analysis
    from archcheck.sources.discovery import DiscoveryOptions

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
    system, _, report = run_analysis(analysis, project=project)
    request, target = build_request(options, project, system, report, err)
    concurrency = recommended_concurrency(report, service)
    if concurrency is not None:
        request = replace(request, concurrency=concurrency)
    rendered = render(request, target)
    if options.in_place and request.compose is not None:
        from archcheck.scaffold.inplace import patch_compose

        compose_file = request.compose.compose_file
        patched = patch_compose(
            read_text(compose_file, "compose file", error=ScaffoldError),
            "".join(rendered.compose_files.values()),
            request.compose.service,
            str(compose_file),
        )
        rendered = replace(rendered, compose_files={compose_file.name: patched})
    elif request.compose is not None:
        rendered = _merge_override(
            rendered, request.compose.compose_file.parent, request.compose.service
        )
    items = plan(
        request,
        target,
        rendered,
        force=options.force,
        compose_patched=options.in_place,
        reset=options.reset,
    )
    base = Path.cwd()
    show_plan(items, err)
    dockerfile = request.compose.dockerfile if request.compose else None
    if dockerfile is not None and (note := builder_warning(dockerfile, target, rendered.requires)):
        err(note)
    if dockerfile is not None and request.compose is not None and not request.compose.binary_built:
        err(
            f"note: {dockerfile} builds no cmd/worker binary: add `RUN go build -o"
            f" {DEFAULT_BINARY} ./cmd/worker` (and copy it into the final image) before running"
            " the worker containers"
        )
    code = settle(items, options, err=err, out=out)
    if code is not None:
        return code
    from archcheck.scaffold.write import apply

    apply(items)
    service = request.compose.service if request.compose else request.app
    for line in removal_summary(service, target.root, target.inline_work, report):
        err(line)
    if any(it.rel == "go.mod" and it.verdict == "overwrite" for it in items):
        err(
            f"next: cd {_label(target.gomod_dir, base)} && go mod tidy && go build ./... (go.sum comes from go mod tidy)"
        )
    return ExitCode.OK


def show_plan(items: list[Planned], err: Echo) -> None:
    """One line per file: its verdict, its path, and why for the verdicts that need a reason."""
    width = max(len(v) for v in ("create", "identical", "overwrite", "conflict", "skip", "keep"))
    base = Path.cwd()
    for it in items:
        reason = (
            f"  ({it.reason})" if it.verdict in ("conflict", "skip", "overwrite", "keep") else ""
        )
        err(f"{it.verdict:>{width}}  {_label(it.path, base)}{reason}")


def settle(
    items: list[Planned], options: ScaffoldOptions, *, err: Echo, out: Echo, rerun: str = ""
) -> int | None:
    """``--check``, ``--dry-run`` and conflicts: the exit code when nothing is to be written,
    else None (write the plan). ``rerun`` is the command that regenerates the files."""
    base = Path.cwd()
    rerun = rerun or f"archcheck scaffold {options.service}"
    conflicts = [it for it in items if it.verdict == "conflict"]
    if options.check:
        drift = [it for it in items if it.verdict not in ("identical", "keep")]
        for it in drift:
            if diff := unified_diff(it, _label(it.path, base)):
                out(diff)
        if drift:
            err(
                f"{len(drift)} generated file(s) differ from what the current analysis produces: run `{rerun}`"
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
    return None


def _merge_override(rendered: Rendered, folder: Path, service: str) -> Rendered:
    """One override for the project: keep the other applications' workers already in it."""
    from archcheck.scaffold.inplace import patch_compose
    from archcheck.scaffold.render import OVERRIDE_NAME

    path = folder / OVERRIDE_NAME
    text = rendered.compose_files.get(OVERRIDE_NAME)
    if text is None or not path.is_file():
        return rendered
    original = read_text(path, "compose file", error=ScaffoldError)
    merged = patch_compose(original, text, service, str(path))
    return replace(rendered, compose_files={**rendered.compose_files, OVERRIDE_NAME: merged})


def _label(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)
