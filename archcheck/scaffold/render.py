"""Render the worker split from the templates: relative path -> file text, nothing written.

Only ``*.jinja`` files are rendered (the suffix is dropped), with ``StrictUndefined`` so a
missing value is an error and ``keep_trailing_newline`` so files end as written. Names from the
outside world only reach the output through the filters in ``names``.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from archcheck.errors import ScaffoldError
from archcheck.files.bundled import templates_dir
from archcheck.files.read import read_text
from archcheck.scaffold import names, wiregen
from archcheck.scaffold.gotarget import GoTarget, versions_for
from archcheck.scaffold.request import ScaffoldRequest

OVERRIDE_NAME = "docker-compose.workers.yml"


@dataclass(frozen=True)
class Rendered:
    """The generated files: under the service directory, and beside the compose file."""

    service_files: dict[str, str]
    compose_files: dict[str, str]
    requires: dict[str, str]
    """Modules the worker imports -> the pinned version to add to go.mod when missing."""


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
    return env


def _items(
    request: ScaffoldRequest, target: GoTarget
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Template data per handler and job, with every generated name checked for collisions."""
    events: list[dict[str, Any]] = []
    for spec in request.events:
        ident = names.go_ident(spec.topic) + "Handler"
        method = target.find(spec.handler, event=True) if spec.handler else None
        if spec.handler and method is None:
            raise ScaffoldError(
                f"--event {spec.topic}={spec.handler}: no biz use-case method {spec.handler}"
                "(ctx context.Context, msg *T) error was found in internal/biz; name an existing"
                " method or leave the handler out to get a port to bind later"
            )
        events.append(
            {
                "topic": spec.topic,
                "name": names.kebab(spec.topic),
                "ident": ident,
                "var": names.go_var(ident),
                "file": f"internal/worker/event/{names.file_stem(spec.topic)}_handler.go",
                "method": method.name if method else None,
                "usecase": method.usecase if method else None,
                "payload": method.payload if method else None,
            }
        )
    jobs: list[dict[str, Any]] = []
    for job in request.cron_jobs:
        ident = names.go_ident(job.name) + "Job"
        method = target.find(job.handler, event=False) if job.handler else None
        if job.handler and method is None:
            raise ScaffoldError(
                f"--cron {job.name}: no biz use-case method {job.handler}(ctx context.Context)"
                " error was found in internal/biz; name an existing method or leave it out"
            )
        jobs.append(
            {
                "name": names.kebab(job.name),
                "spec": job.schedule,
                "ident": ident,
                "var": names.go_var(ident),
                "file": f"internal/worker/cron/{names.file_stem(job.name)}_job.go",
                "method": method.name if method else None,
                "usecase": method.usecase if method else None,
            }
        )
    for label, items, fixed in (
        ("event handler", events, {"Server", "NewServer", "Handler", "Handlers", "NewHandlers"}),
        ("cron job", jobs, {"Scheduler", "NewScheduler", "Job", "Jobs", "NewJobs"}),
    ):
        generated = Counter[str]()
        for it in items:
            i = it["ident"]
            generated.update(
                {i, f"New{i}", f"Log{i}", f"NewLog{i}", f"{i}Port", it["name"], it["file"]}
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


def render(request: ScaffoldRequest, target: GoTarget) -> Rendered:
    """Every generated file's text; raises ScaffoldError for names that cannot be generated."""
    if not request.events and not request.cron_jobs:
        raise ScaffoldError(
            f"nothing to scaffold for {request.app}: no event or cron workloads were found or"
            " given; add --event TOPIC[=HANDLER] or --cron NAME=SPEC"
        )
    events, jobs = _items(request, target)
    use_biz = any(it["method"] for it in [*events, *jobs])
    ctx: dict[str, Any] = {
        "module": target.module,
        "app": request.app,
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
        "dapr/resiliency.yaml",
    ]
    if events:
        fixed += [
            f"internal/worker/event/{n}" for n in ("server.go", "handlers.go", "server_test.go")
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
    for j in jobs:
        out[j["file"]] = env.get_template("go/internal/worker/cron/job.go.jinja").render(ctx, j=j)
    used = sorted({it["usecase"] for it in [*events, *jobs] if it["usecase"]})
    out["cmd/worker/wire.go"], out["cmd/worker/wire_gen.go"] = _wire(target, out, env, ctx, used)
    compose_files: dict[str, str] = {}
    if request.compose is not None:
        c = request.compose
        folder = c.compose_file.parent
        svc_rel = _relative(request.source_dir, folder)
        compose_ctx = {
            **ctx,
            "service": c.service,
            "compose_name": c.compose_file.name,
            "build": c.build,
            "main_pkg_arg": c.main_pkg_arg,
            "binary": c.binary,
            "api_mode": c.api_mode,
            "migration": c.migration,
            "networks": list(c.networks),
            "dapr_dir": posixpath.join(svc_rel, "dapr"),
        }
        compose_files[OVERRIDE_NAME] = env.get_template(
            "compose/docker-compose.workers.yml.jinja"
        ).render(compose_ctx)
    return Rendered(out, compose_files, versions_for(target.go_version))


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
    for rel, text in files.items():
        if rel.endswith(".go") and not rel.endswith("_test.go"):
            sources.setdefault(f"{module}/{posixpath.dirname(rel)}", []).append(text)
    known = {
        path: m[1]
        for path, texts in sources.items()
        if (m := re.search(r"^package\s+(\w+)", "\n".join(texts), re.MULTILINE))
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
    if usecases:
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
        scope=wiregen.package_scope(here_all.source),
        anon_imports=wiregen.anon_imports(here_all.source),
    )
    return wire_go, wire_gen
