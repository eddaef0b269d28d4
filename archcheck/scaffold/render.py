"""Render the worker split from the templates: relative path -> file text, nothing written.

Only ``*.jinja`` files are rendered (the suffix is dropped), with ``StrictUndefined`` so a
missing value is an error and ``keep_trailing_newline`` so files end as written. Names from the
outside world only reach the output through the filters in ``names``.
"""

from __future__ import annotations

import os
import posixpath
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any

from archcheck.errors import ScaffoldError
from archcheck.files.bundled import templates_dir
from archcheck.files.read import read_text
from archcheck.names import kebab
from archcheck.scaffold import names, wiregen
from archcheck.scaffold.gotarget import GoTarget, versions_for
from archcheck.scaffold.request import ScaffoldRequest
from archcheck.structs import dataclass

OVERRIDE_NAME = "docker-compose.workers.yml"


@dataclass(frozen=True)
class Rendered:
    """The generated files: under the service directory, and beside the compose file."""

    service_files: dict[str, str]
    compose_files: dict[str, str]
    requires: dict[str, str]
    """Modules the worker imports -> the pinned version to add to go.mod when missing."""
    user_files: frozenset[str] = frozenset()
    """Service files that are the user's once created (config, bindings): never rewritten."""


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["go_string"] = names.go_string
    env.filters["go_comment"] = names.go_string
    env.filters["yaml_string"] = names.yaml_string
    env.filters["yaml_value"] = names.yaml_value
    return env


def _items(
    request: ScaffoldRequest, target: GoTarget
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Template data per handler and job, with every generated name checked for collisions."""
    events: list[dict[str, Any]] = []
    for spec in request.events:
        method = target.find(spec.handler, event=True) if spec.handler else None
        if spec.handler and method is None:
            raise ScaffoldError(
                f"--event {spec.topic}={spec.handler}: no biz use-case method {spec.handler}"
                "(ctx context.Context, msg *T) error was found in internal/biz; name an existing"
                " method or leave the handler out to get a port to bind later"
            )
        stem = names.file_stem(spec.name or spec.topic)
        events.append(
            {
                "topic": spec.topic,
                "name": spec.name or spec.topic,
                "base": names.go_ident(spec.name or spec.topic),
                "ident": names.go_ident(spec.name or spec.topic) + "Handler",
                "var": names.go_var(names.go_ident(spec.name or spec.topic) + "Handler"),
                "file": f"internal/worker/event/{stem}_handler.go",
                "binding_file": f"internal/worker/event/{stem}_binding.go",
                "dead_letter_topic": spec.dead_letter_topic,
                "method": method.name if method else None,
                "usecase": method.usecase if method else None,
                "payload": method.payload if method else None,
            }
        )
    jobs: list[dict[str, Any]] = []
    for job in request.cron_jobs:
        ident = names.go_ident(job.name) + "Job"
        stem = names.file_stem(job.name)
        method = target.find(job.handler, event=False) if job.handler else None
        if job.handler and method is None:
            raise ScaffoldError(
                f"--cron {job.name}: no biz use-case method {job.handler}(ctx context.Context)"
                " error was found in internal/biz; name an existing method or leave it out"
            )
        jobs.append(
            {
                "name": job.name,
                "spec": job.schedule,
                "base": names.go_ident(job.name),
                "ident": ident,
                "var": names.go_var(ident),
                "file": f"internal/worker/cron/{stem}_job.go",
                "binding_file": f"internal/worker/cron/{stem}_binding.go",
                "method": method.name if method else None,
                "usecase": method.usecase if method else None,
            }
        )
    for label, items, fixed in (
        (
            "event handler",
            events,
            {
                "Server",
                "NewServer",
                "Handler",
                "Handlers",
                "NewHandlers",
                "Bindings",
                "HoldSink",
                "NewHoldSink",
                "Deduper",
                "MemoryDeduper",
                "NewMemoryDeduper",
                "Claim",
                "Done",
                "Busy",
                "Claimed",
            },
        ),
        ("cron job", jobs, {"Scheduler", "NewScheduler", "Job", "Jobs", "NewJobs"}),
    ):
        generated = Counter[str]()
        for it in items:
            i = it["ident"]
            b = it["base"]
            generated.update(
                {i, f"New{i}", f"{b}Port", f"Unbound{b}", f"{b}Binding", it["name"], it["file"]}
            )
        clashes = sorted(n for n, c in generated.items() if c > 1 or n in fixed)
        if clashes:
            sources = ", ".join(repr(it.get("topic", it["name"])) for it in items)
            raise ScaffoldError(
                f"two {label}s map to the same Go name ({', '.join(clashes)}) among {sources}:"
                " rename one of them (topics and job names must differ in more than punctuation)"
            )
    return events, jobs


def _relative(path: Path, start: Path) -> str:
    """``path`` relative to ``start`` as compose writes it (``.``, ``./svc``, ``../svc``)."""
    rel = PurePosixPath(Path(os.path.relpath(path, start)).as_posix()).as_posix()
    return rel if rel.startswith(".") else f"./{rel}"


HANDLER_TIMEOUT_S = 20
"""worker.handler_timeout: below Dapr's eventTimeout, so Dapr never redelivers a running event."""
EVENT_TIMEOUT_S = HANDLER_TIMEOUT_S + 10
STOP_TIMEOUT_S = 25
"""worker.stop_timeout: the drain; the abandon grace (5s) and clean-up follow it."""
STOP_GRACE_S = STOP_TIMEOUT_S + 15
DAPR_GRACE_S = STOP_TIMEOUT_S + 10
"""--dapr-graceful-shutdown-seconds: the sidecar outlives the worker's drain."""
DAPR_STOP_GRACE_S = DAPR_GRACE_S + 10
MAX_RETRIES = 12
MAX_INTERVAL_S = 60
USER_FILES = ("configs/worker.yaml", "internal/worker/event/bindings.go")
"""Generated once, then the user's (plus every ``*_binding.go``)."""


def retry_span(retries: int, cap_s: float) -> int:
    """Seconds Dapr's exponential policy keeps redelivering (500ms x 1.5^n, capped, no jitter)."""
    return round(sum(min(0.5 * 1.5**i, cap_s) for i in range(retries)))


def is_user_file(rel: str) -> bool:
    """Whether a generated service file becomes the user's once it exists."""
    return rel in USER_FILES or rel.endswith("_binding.go")


def render(request: ScaffoldRequest, target: GoTarget) -> Rendered:
    """Every generated file's text; raises ScaffoldError for names that cannot be generated."""
    if not request.events and not request.cron_jobs:
        raise ScaffoldError(
            f"nothing to scaffold for {request.app}: no event or cron workloads were found or"
            " given; add --event TOPIC[=HANDLER] or --cron NAME=SPEC"
        )
    events, jobs = _items(request, target)
    use_biz = any(it["method"] for it in [*events, *jobs])
    slug = kebab(request.app)
    ctx: dict[str, Any] = {
        "module": target.module,
        "app": request.app,
        "slug": slug,
        "app_id": f"{slug}-event-worker",
        "events": events,
        "cron_jobs": jobs,
        "has_events": bool(events),
        "has_cron": bool(jobs),
        "conf_data": target.conf_data,
        "use_biz": use_biz,
        "pubsub": request.pubsub,
        "concurrency": request.concurrency,
        "timezone": request.timezone,
        "app_port": request.app_port,
        "ops_port": request.ops_port,
        "dapr_image": request.dapr_image,
        "handler_timeout_s": HANDLER_TIMEOUT_S,
        "event_timeout_s": EVENT_TIMEOUT_S,
        "stop_timeout_s": STOP_TIMEOUT_S,
        "stop_grace_s": STOP_GRACE_S,
        "dapr_stop_grace_s": DAPR_STOP_GRACE_S,
        "max_retries": MAX_RETRIES,
        "max_interval_s": MAX_INTERVAL_S,
        "retry_span_s": retry_span(MAX_RETRIES, MAX_INTERVAL_S),
    }
    ctx["has_conf"] = target.has_conf
    env = _environment()
    out: dict[str, str] = {}
    fixed = [
        "cmd/worker/main.go",
        "cmd/worker/modes.go",
        "internal/worker/worker.go",
        "internal/worker/worker_test.go",
        "configs/worker.yaml",
    ]
    if events:
        fixed += ["dapr/resiliency.yaml"]
        fixed += [
            f"internal/worker/event/{n}"
            for n in ("server.go", "handlers.go", "bindings.go", "server_test.go")
        ]
    if jobs:
        fixed += [
            f"internal/worker/cron/{n}" for n in ("scheduler.go", "jobs.go", "scheduler_test.go")
        ]
    for rel in fixed:
        out[rel] = env.get_template(f"go/{rel}.jinja").render(ctx)
    for h in events:
        out[h["file"]] = env.get_template("go/internal/worker/event/handler.go.jinja").render(
            ctx, h=h
        )
        if not h["method"]:
            out[h["binding_file"]] = env.get_template(
                "go/internal/worker/event/binding.go.jinja"
            ).render(ctx, h=h)
    for j in jobs:
        out[j["file"]] = env.get_template("go/internal/worker/cron/job.go.jinja").render(ctx, j=j)
        if not j["method"]:
            out[j["binding_file"]] = env.get_template(
                "go/internal/worker/cron/binding.go.jinja"
            ).render(ctx, j=j)
    used = sorted({it["usecase"] for it in [*events, *jobs] if it["usecase"]})
    out["cmd/worker/wire.go"], out["cmd/worker/wire_gen.go"] = _wire(target, out, env, ctx, used)
    compose_files: dict[str, str] = {}
    if request.compose is not None:
        compose_files[OVERRIDE_NAME] = _compose(request, request.compose, env, ctx)
    user_files = frozenset(rel for rel in out if is_user_file(rel))
    return Rendered(
        out,
        compose_files,
        versions_for(target.go_version, events=bool(events), cron=bool(jobs)),
        user_files,
    )


def _compose(request: ScaffoldRequest, c: Any, env: Any, ctx: dict[str, Any]) -> str:
    """docker-compose.workers.yml: the workers and the event worker's sidecar."""
    folder = c.compose_file.parent
    dapr_dir = posixpath.join(_relative(request.source_dir, folder), "dapr")
    inherited = c.inherited
    sidecar = inherited.sidecar if inherited is not None else None
    command = [
        "./daprd",
        "--app-id",
        ctx["app_id"],
        "--app-port",
        str(request.app_port),
        "--app-protocol",
        "http",
    ]
    volumes: list[str] = []
    if sidecar is not None:
        for flag, value in sidecar.flags:
            command += [f"--{flag}", value]
        volumes += list(sidecar.volumes)
    command += ["--resources-path", "/worker-dapr"]
    volumes.append(f"{dapr_dir}:/worker-dapr:ro")
    command += [
        "--enable-app-health-check",
        "--app-health-check-path",
        "/healthz",
        "--app-health-probe-interval",
        "1",
        "--app-health-threshold",
        "1",
        "--dapr-graceful-shutdown-seconds",
        str(DAPR_GRACE_S),
    ]
    compose_ctx = {
        **ctx,
        "service": c.service,
        "compose_name": c.compose_file.name,
        "image": inherited.image if inherited else None,
        "build": c.build,
        "main_pkg_arg": c.main_pkg_arg,
        "binary": c.binary,
        "api_mode": c.api_mode,
        "migrations": list(c.migrations),
        "networks": list(c.networks),
        "env": inherited.env if inherited else {},
        "env_file": inherited.env_file if inherited else [],
        "secrets": inherited.secrets if inherited else [],
        "configs": inherited.configs if inherited else [],
        "volumes": inherited.volumes if inherited else [],
        "conf_dir": inherited.conf_dir if inherited else "/app/configs",
        "dapr_image": sidecar.image if sidecar else request.dapr_image,
        "dapr_command": command,
        "dapr_volumes": volumes,
    }
    return str(env.get_template("compose/docker-compose.workers.yml.jinja").render(compose_ctx))


def _on_disk(root: Path, files: dict[str, str]) -> dict[str, str]:
    """The user's files in the worker packages as they are now: their bindings (which the
    scaffold never rewrites) and any adapter they added; wire_gen.go must match them."""
    out: dict[str, str] = {}
    for folder in ("internal/worker/event", "internal/worker/cron"):
        for path in sorted((root / folder).glob("*.go")) if (root / folder).is_dir() else []:
            rel = f"{folder}/{path.name}"
            if path.name.endswith("_test.go") or (rel in files and not is_user_file(rel)):
                continue
            if not any(f.startswith(folder + "/") for f in files):
                continue  # a package this run does not generate
            out[rel] = read_text(path, str(path), error=ScaffoldError)
    return out


def _wire(
    target: GoTarget, files: dict[str, str], env: Any, ctx: dict[str, Any], usecases: list[str]
) -> tuple[str, str]:
    """wire.go and wire_gen.go: resolve the injector over the service's data/biz packages and
    the rendered worker packages, keeping in ``wire.Build`` only what the worker uses."""
    module = target.module
    sources: dict[str, list[str]] = {}
    for folder in ("internal/conf", "internal/data", "internal/biz"):
        d = target.root / folder
        if d.is_dir():
            texts = [
                read_text(p, "Go source", error=ScaffoldError)
                for p in sorted(d.glob("*.go"))
                if not p.name.endswith("_test.go")
            ]
            if texts:
                sources[f"{module}/{folder}"] = texts
    files = {**files, **_on_disk(target.root, files)}
    for rel, text in files.items():
        if rel.endswith(".go") and not rel.endswith("_test.go"):
            sources.setdefault(f"{module}/{posixpath.dirname(rel)}", []).append(text)
    from archcheck.sources.go.syntax import read_header

    known = {
        path: name
        for path, texts in sources.items()
        if (name := next((h for t in texts if (h := read_header(t.encode()).package)), ""))
    }
    packages = {p: wiregen.package_from_source(p, t, known) for p, t in sources.items()}
    resolver = wiregen.Resolver(packages)
    here_path = f"{module}/cmd/worker"
    here = packages[here_path]
    param_text = ["*conf.Data"] if target.conf_data else []
    param_text += ["*worker.Config", "Mode", "log.Logger"]
    params = [resolver.parse_type(t, here) for t in param_text]
    out_type = resolver.parse_type("*kratos.App", here)

    sets: list[str] = []
    funcs: list[tuple[str, str]] = []
    if usecases or target.provider_sets:
        # Always offered: a user's binding may call a use case; wire.Build keeps only what is used.
        if "biz" in target.provider_sets:
            sets += [
                f"{module}/internal/{layer}"
                for layer in ("data", "biz")
                if layer in target.provider_sets
            ]
        else:  # no biz ProviderSet: hand wire the use-case constructors themselves
            funcs += [(f"{module}/internal/biz", f"New{uc}") for uc in usecases]
    sets.append(f"{module}/internal/worker")
    if ctx["has_events"]:
        sets.append(f"{module}/internal/worker/event")
    if ctx["has_cron"]:
        sets.append(f"{module}/internal/worker/cron")
    funcs.append((here_path, "newApp"))
    calls, used = resolver.solve(params=params, out=out_type, sets=sets, funcs=funcs)

    build_args: list[str] = []
    imports = {
        "github.com/go-kratos/kratos/v2",
        "github.com/go-kratos/kratos/v2/log",
        "github.com/google/wire",
    }
    imports.add(f"{module}/internal/worker")
    if target.conf_data:
        imports.add(f"{module}/internal/conf")
    for label in used:
        if label in sets:
            build_args.append(f"{known[label]}.ProviderSet")
            imports.add(label)
        else:
            pkg, _, fn = label.rpartition(".")
            build_args.append(fn if pkg == here_path else f"{known[pkg]}.{fn}")
            if pkg != here_path:
                imports.add(pkg)
    wire_go = env.get_template("go/cmd/worker/wire.go.jinja").render(
        ctx,
        wire_imports=sorted(imports),
        injector_params=", ".join(param_text),
        build_args=", ".join(build_args),
    )
    here_all = wiregen.package_from_source(here_path, [*sources[here_path], wire_go], known)
    wire_gen = resolver.generate(
        here=here_all,
        injector="wireWorker",
        doc="wireWorker builds the worker application from the service's own data and biz layers.",
        params=params,
        out=out_type,
        calls=calls,
        scope=wiregen.package_scope(here_all),
        anon_imports=wiregen.anon_imports(here_all),
    )
    return wire_go, wire_gen
