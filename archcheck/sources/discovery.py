"""Discovery: what the code and the repository say, beyond the compose file.

Runs the three code-side sources for a loaded project: Go source (``go/``), Dapr
resources (``dapr``) and deploy frequency from git history (``git_history``), and merges what
they find with the workloads compose already declares. The pipeline calls ``discover`` once.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archcheck.compose import ComposeProject
from archcheck.errors import UsageError
from archcheck.model import Location, Measurement, Note, Service, Workload
from archcheck.sources.compose_system import EXTENSION
from archcheck.sources.git_history import DEFAULT_SINCE_DAYS
from archcheck.sources.go.build import (
    MainPackage,
    is_main_package,
    language_of,
    main_dirs,
    read_build,
)
from archcheck.structs import dataclass, field

if TYPE_CHECKING:
    from archcheck.sources.go.targets import GoDiscovery, GoTarget

_CODE_ROLES = ("api",)
"""Roles whose build context is scanned by default; a worker's code is its owner's code."""

_CODE_ORIGINS = ("go", "dapr")

_FILLABLE = ("topic", "pubsub", "schedule", "handler", "dead_letter_topic", "route", "location")


@dataclass(frozen=True)
class DiscoveryOptions:
    """The ``analyze`` flags of discovery: ``--source``, ``--dapr-resources``, ``--since``,
    ``--no-discover``."""

    sources: Mapping[str, Path] = field(default_factory=dict)
    """Service -> Go source folder, overriding its build context."""
    dapr_resources: tuple[Path, ...] = ()
    since_days: int = DEFAULT_SINCE_DAYS
    enabled: bool = True
    jobs: int | None = None
    """Worker processes for parsing Go; None picks from the CPU count."""


@dataclass(frozen=True)
class Discovery:
    """Workloads (compose's, completed and extended), notes, and the scanned source roots."""

    workloads: tuple[Workload, ...] = ()
    notes: tuple[Note, ...] = ()
    roots: dict[str, Path] = field(default_factory=dict)
    """Service -> the folder its code was read from (also what deploy frequency counts)."""
    worker_mode: dict[str, Location] = field(default_factory=dict)
    """Service -> where its code reads ``WORKER_MODE`` or a ``-mode`` flag."""


def parse_source_option(values: Sequence[str]) -> dict[str, Path]:
    """``--source SERVICE=DIR`` values -> {service: folder}; raise on a malformed one."""
    result: dict[str, Path] = {}
    for value in values:
        service, sep, folder = value.partition("=")
        if not sep or not service or not folder:
            raise UsageError(
                f"--source {value!r}: expected SERVICE=DIR, e.g. --source pricing-service=./pricing"
            )
        path = Path(folder)
        if not path.is_dir():
            raise UsageError(f"--source {value!r}: {folder} is not a folder; give the Go code's")
        result[service] = path
    return result


def parse_since(value: str) -> int:
    """``--since`` as days: ``90``, ``90d`` or ``12w``."""
    text = value.strip().lower()
    factor = 7 if text.endswith("w") else 1
    number = text.removesuffix("w").removesuffix("d")
    if not number.isdigit() or int(number) == 0:
        raise UsageError(f"--since {value!r}: give a number of days (90, 90d) or weeks (12w)")
    return int(number) * factor


def source_root(service: Service, working_dir: Path) -> Path | None:
    """Where a service's Go code lives when its build cannot be read: its build context,
    narrowed to the Dockerfile's folder when that is a sub-folder with Go code
    (``context: ..`` + ``dockerfile: pricing/Dockerfile``)."""
    context = _context(service, working_dir)
    if context is None:
        return None
    if service.dockerfile:
        folder = (context / service.dockerfile).parent
        has_go = (folder / "go.mod").is_file() or (folder.is_dir() and any(folder.glob("*.go")))
        if folder != context and has_go:
            return folder
    return context


def _context(service: Service, working_dir: Path) -> Path | None:
    if service.build_context is None or "://" in service.build_context:
        return None  # a git URL context: nothing local to read
    context = Path(service.build_context)
    return context if context.is_absolute() else working_dir / context


_INFRASTRUCTURE = (
    "postgres", "mysql", "mariadb", "redis", "valkey", "rabbitmq", "kafka", "zookeeper", "nats",
    "mongo", "elasticsearch", "opensearch", "prometheus", "grafana", "jaeger", "otel/",
    "opentelemetry-collector", "daprio/", "nginx", "envoy", "traefik", "caddy", "minio",
    "memcached", "etcd", "consul", "vault", "localstack", "mailhog", "mailpit", "adminer",
    "pgadmin", "keycloak", "cassandra", "clickhouse", "influxdb", "loki", "tempo", "zipkin",
    "redpanda", "bitnami/", "confluentinc/", "busybox", "alpine", "alertmanager", "cadvisor",
    "node-exporter", "haproxy", "openzipkin", "temporalio/", "dapr/", "localstack",
    "pgbouncer", "exim4", "postfix", "seaweedfs", "varnish", "/squid", "squid:", "kafka-ui",
    "redis-commander", "mongo-express", "phpmyadmin", "/kong", "kong:", "kibana", "logstash",
    "fluentd", "fluent-bit", "fluent/", "timberio/vector", "promtail", "wiremock", "mockserver",
    "toxiproxy", "selenium", "pushgateway", "victoriametrics", "thanos", "nsqio/", "pulsar",
    "memgraph", "neo4j", "couchdb", "couchbase", "scylla", "dragonflydb", "mosquitto", "emqx",
    "activemq", "/smtp", "smtp:",
)  # fmt: skip


def _words(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        try:
            return tuple(shlex.split(value))
        except ValueError:
            return tuple(value.split())
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def _build_args(build: Mapping[str, Any]) -> dict[str, str]:
    raw = build.get("args")
    if isinstance(raw, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return dict(str(item).partition("=")[::2] for item in raw)
    return {}


@dataclass
class _Plan:
    """What to read per service, and the coverage notes that say so."""

    targets: dict[str, GoTarget] = field(default_factory=dict)
    roots: dict[str, Path] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    how: dict[str, str] = field(default_factory=dict)
    """Service -> how its main package was found (for the coverage note)."""
    not_scanned: dict[str, str] = field(default_factory=dict)

    def use(self, name: str, main: Path, how: str) -> None:
        """Read ``name``'s code from the one main package at ``main``."""
        from archcheck.sources.go.targets import GoTarget

        self.targets[name] = GoTarget(mains=(MainPackage(main),))
        self.roots[name] = main
        self.how[name] = how


def plan_go(
    project: ComposeProject,
    services: Sequence[Service],
    sources: Mapping[str, Path],
    display: Path | None = None,
) -> _Plan:
    """Which Go code each service runs: the Dockerfile's ``go build`` target when it can be
    read, else the build context (with a note saying how to be exact)."""
    from archcheck.sources.go.targets import GoTarget  # NOTE: not for --no-discover runs

    plan = _Plan()
    working_dir = project.working_dir
    for service in services:
        name = service.name
        raw: Mapping[str, Any] = project.services.get(name) or {}
        if name in sources:
            plan.targets[name] = GoTarget(root=sources[name])
            plan.roots[name] = sources[name]
            plan.how[name] = f"--source {name}={sources[name]}"
            continue
        extension = raw.get(EXTENSION)
        main = extension.get("main") if isinstance(extension, Mapping) else None
        if isinstance(main, str):
            folder = Path(main) if Path(main).is_absolute() else working_dir / main
            plan.targets[name] = GoTarget(mains=(MainPackage(folder),))
            plan.roots[name] = folder
            plan.how[name] = "x-archcheck main"
            continue
        if service.role not in (*_CODE_ROLES, "infrastructure"):
            continue
        context = _context(service, working_dir)
        mounted = _mounted_main(raw, working_dir) if context is None else None
        if mounted is not None:
            plan.use(name, *mounted)
            continue
        if context is None:
            image = str(raw.get("image") or "")
            if service.build_context is not None:
                plan.not_scanned[name] = (
                    f"its build context {service.build_context} is not a local folder"
                )
            elif image and not any(part in image.lower() for part in _INFRASTRUCTURE):
                plan.not_scanned[name] = (
                    f"image-only ({image}): point archcheck at its source with --source {name}=DIR"
                    f" or x-archcheck: {{main: DIR}} on the service"
                )
            continue
        if service.role not in _CODE_ROLES:
            continue
        raw_build = raw.get("build")
        build: Mapping[str, Any] = raw_build if isinstance(raw_build, Mapping) else {}
        reading = read_build(
            context,
            service.dockerfile,
            target=build.get("target") if isinstance(build.get("target"), str) else None,
            args=_build_args(build),
            command=_words(raw.get("command")),
            entrypoint=_words(raw.get("entrypoint")),
        )
        plan.roots[name] = source_root(service, working_dir) or context
        dockerfile = _relative(reading.dockerfile, display) if reading.dockerfile else "Dockerfile"
        if reading.mains:
            plan.targets[name] = GoTarget(mains=tuple(reading.mains))
            plan.how[name] = f"go build in {dockerfile}"
            continue
        if reading.language is not None:
            plan.not_scanned[name] = f"{reading.language}, not Go (its {dockerfile} builds no Go)"
            continue
        root = plan.roots[name]
        mains = main_dirs(root)
        if not mains and next(root.rglob("*.go"), None) is None:
            mounted = _mounted_main(raw, working_dir)
            if mounted is not None:  # a dev image (air, reflex): the code is bind-mounted
                plan.use(name, *mounted)
                continue
            cwd = _mounted_cwd(raw, working_dir)
            language = language_of(root) or (language_of(cwd) if cwd is not None else None)
            plan.not_scanned[name] = (
                f"{language}, not Go" if language else "no Go code in its build context"
            )
            continue
        if len(mains) == 1:
            plan.targets[name] = GoTarget(mains=(MainPackage(mains[0]),))
            plan.how[name] = "the only main package in the build context"
            continue
        plan.targets[name] = GoTarget(root=root)
        plan.how[name] = "the build context"
        plan.notes.append(Note(
            text=f"{dockerfile}: {name}: could not tell which Go main package the container runs"
            f" ({reading.why}); read every main package under {_relative(root, display)} instead."
            f" To be exact, set x-archcheck: {{main: ./cmd/<binary>}} on the service or pass"
            f" --source {name}=DIR",
            service=name,
        ))  # fmt: skip
    return plan


def _mounted_main(raw: Mapping[str, Any], working_dir: Path) -> tuple[Path, str] | None:
    """(host folder, how it was found) of the main package a container runs from its bind
    mounts, the way Go dev containers work (``image: golang`` or an air/reflex image,
    ``volumes: [.:/app]``, ``working_dir: /app/api``): ``go run PKG`` in its command, else its
    working directory when that folder is a main package (air, reflex and ``go run .``
    scripts run there)."""
    from archcheck.sources.dapr import bind_mounts, host_path

    mounts = bind_mounts(raw, working_dir)
    if not mounts:
        return None
    cwd = str(raw.get("working_dir") or "/")
    words = (*_words(raw.get("entrypoint")), *_words(raw.get("command")))
    if len(words) >= 3 and words[0] in ("sh", "bash", "/bin/sh", "/bin/bash") and words[1] == "-c":
        words = _words(words[2])
    for index in range(len(words) - 1):
        if words[index].rsplit("/", 1)[-1] == "go" and words[index + 1] == "run":
            args = [w for w in words[index + 2 :] if not w.startswith("-")]
            container = posixpath.normpath(posixpath.join(cwd, args[0] if args else "."))
            if container.endswith(".go"):
                container = posixpath.dirname(container)
            host = host_path(container, mounts)
            if host is not None and host.is_dir():
                return host, "go run in its command, through its bind mounts"
            return None
    host = _mounted_cwd(raw, working_dir, mounts)
    if host is not None and is_main_package(host):
        return host, f"the main package at its working_dir {cwd}, through its bind mounts"
    return None


def _mounted_cwd(
    raw: Mapping[str, Any], working_dir: Path, mounts: list[tuple[Path, str]] | None = None
) -> Path | None:
    """The host folder bind-mounted at the service's ``working_dir``, if any."""
    from archcheck.sources.dapr import bind_mounts, host_path

    cwd = raw.get("working_dir")
    if not isinstance(cwd, str) or not cwd:
        return None
    found = bind_mounts(raw, working_dir) if mounts is None else mounts
    host = host_path(posixpath.normpath(cwd), found)
    return host if host is not None and host.is_dir() else None


def _relative(path: Path | None, base: Path | None) -> str:
    """As locations show paths: relative to ``base`` when under it, else absolute."""
    if path is None:
        return ""
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix() or "."
        except ValueError:
            pass
    return str(path.resolve())


def discover(
    project: ComposeProject,
    services: Sequence[Service],
    declared: Sequence[Workload],
    options: DiscoveryOptions,
    *,
    relative_to: Path | None = None,
) -> Discovery:
    """Run the Go, Dapr and git sources and merge their workloads with ``declared``."""
    if not options.enabled:
        return Discovery(workloads=tuple(declared))
    from archcheck.sources.dapr import find_sidecars

    working_dir = project.working_dir
    _check_sources(options, services)
    if relative_to is None and not working_dir.is_absolute():
        relative_to = Path.cwd()  # the compose file was named relatively: so are locations
    plan = plan_go(project, services, options.sources, relative_to)
    sidecars, sidecar_notes = find_sidecars(project.services, services, working_dir)
    by_folder: dict[Path, list[str]] = {}
    for sidecar in sidecars:
        for folder in sidecar.folders:
            apps = by_folder.setdefault(folder.resolve(), [])
            if sidecar.app is not None and sidecar.app not in apps:
                apps.append(sidecar.app)
    every_app = tuple(dict.fromkeys(s.app for s in sidecars if s.app is not None))
    for folder in options.dapr_resources:
        by_folder.setdefault(folder.resolve(), list(every_app))
    return _discover(
        plan, services, declared, options,
        folders=[(folder, tuple(apps)) for folder, apps in by_folder.items()],
        app_ids={s.app_id: s.app for s in sidecars if s.app_id and s.app},
        relative_to=relative_to, sidecar_notes=sidecar_notes,
    )  # fmt: skip


def discover_given(
    services: Sequence[Service],
    declared: Sequence[Workload],
    options: DiscoveryOptions,
    *,
    app_ids: Mapping[str, str],
    relative_to: Path | None = None,
) -> Discovery:
    """What ``--source`` and ``--dapr-resources`` add to Kubernetes manifests, which name images,
    not build contexts: the Go code of each service given a folder, and the Dapr resources of
    each folder for every app with a sidecar (``app_ids``: service -> Dapr app-id)."""
    if not options.enabled or not (options.sources or options.dapr_resources):
        return Discovery(workloads=tuple(declared))
    from archcheck.sources.go.targets import GoTarget

    _check_sources(options, services)
    plan = _Plan(
        targets={name: GoTarget(root=root) for name, root in options.sources.items()},
        roots=dict(options.sources),
        how={name: f"--source {name}={root}" for name, root in options.sources.items()},
    )
    apps = tuple(app_ids)
    return _discover(
        plan, services, declared, options,
        folders=[(folder.resolve(), apps) for folder in options.dapr_resources],
        app_ids={app_id: name for name, app_id in app_ids.items()},
        relative_to=relative_to, sidecar_notes=[],
    )  # fmt: skip


def _check_sources(options: DiscoveryOptions, services: Sequence[Service]) -> None:
    unknown = sorted(set(options.sources) - {s.name for s in services})
    if unknown:
        raise UsageError(
            f"--source {unknown[0]}=...: no service {unknown[0]!r} in the project; services are "
            + ", ".join(sorted(s.name for s in services))
        )


def _discover(
    plan: _Plan,
    services: Sequence[Service],
    declared: Sequence[Workload],
    options: DiscoveryOptions,
    *,
    folders: list[tuple[Path, tuple[str, ...]]],
    app_ids: Mapping[str, str],
    relative_to: Path | None,
    sidecar_notes: Sequence[Note],
) -> Discovery:
    """Scan the planned Go code and the Dapr folders; merge what they find with ``declared``."""
    from archcheck.sources.dapr import discover_dapr
    from archcheck.sources.go.workloads import discover_go_workloads

    notes: list[Note] = list(plan.notes)
    go = discover_go_workloads(plan.targets, relative_to=relative_to, jobs=options.jobs)
    notes.extend(go.notes)
    for name, where in go.worker_entrypoints.items():
        run = [f"{w.kind} {w.name}" for w in go.workloads if w.service == name and w.runs_in]
        runs = f", which runs {', '.join(run)} (not inline in {name})" if run else ""
        notes.append(Note(
            text=f"{name}: the code already has a worker entry point ({where}){runs}",
            service=name, location=where,
        ))  # fmt: skip
    for name, where in go.worker_mode.items():
        notes.append(Note(
            text=f"{name}: the code selects what to run from WORKER_MODE or -mode ({where})",
            service=name, location=where,
        ))  # fmt: skip
    notes.extend(sidecar_notes)
    dapr = discover_dapr(folders, services, app_ids=app_ids, relative_to=relative_to)
    notes.extend(Note(text=n) for n in dapr.notes)
    for retry in dapr.retries:
        limit = "unbounded" if retry.max_retries is None else f"{retry.max_retries}"
        notes.append(Note(
            text=f"{retry.location}: Dapr redelivers events from {retry.component!r} with retry"
            f" policy {retry.policy!r} ({limit} retries)",
            location=retry.location,
        ))  # fmt: skip

    routes = go.routes
    dapr_workloads = [_with_handler(w, routes.get(w.service, {})) for w in dapr.workloads]
    workloads = merge_workloads(merge_workloads(declared, go.workloads), dapr_workloads)
    notes.extend(_coverage(plan, go, workloads, services))
    return Discovery(
        workloads=workloads, notes=tuple(notes), roots=plan.roots,
        worker_mode=dict(go.worker_mode),
    )  # fmt: skip


def _with_handler(workload: Workload, routes: Mapping[str, str]) -> Workload:
    """A Dapr workload with the handler of the route it is delivered to; a cron binding whose
    component name says nothing (``cron``) is named after that handler."""
    from archcheck.sources.go.names import GENERIC, name_from_handler

    if workload.handler is not None or not workload.route:
        return workload
    handler = routes.get(workload.route)
    update: dict[str, object] = {"handler": handler}
    if workload.kind == "cron" and workload.name.lower() in GENERIC:
        update["name"] = name_from_handler(handler) or workload.name
    return workload.model_copy(update=update)


def _coverage(
    plan: _Plan, go: GoDiscovery, workloads: Sequence[Workload], services: Sequence[Service]
) -> list[Note]:
    """One line per service: what was read, or why not (so "nothing found" is never silent)."""
    lines: list[Note] = []
    for service in services:
        name = service.name
        if name in go.scanned:
            mains, count = go.scanned[name]
            what = f"main package {', '.join(mains)}" if mains else "every Go file"
            how = plan.how.get(name, "the build")
            text = f"{name}: Go code scanned: {what} ({count} files, found through {how})"
            lines.append(Note(text=text, service=name))
        elif name in plan.not_scanned:
            text = f"{name}: not scanned: {plan.not_scanned[name]}"
            lines.append(Note(text=text, service=name))
    return lines


def deploy_measurements(
    discovery: Discovery, options: DiscoveryOptions, measured: Collection[str]
) -> tuple[tuple[Measurement, ...], tuple[str, ...]]:
    """``deploys_per_week`` from git for the scanned services ``measured`` does not cover.

    NOTE: a snapshot or Prometheus value always wins: git history is the fallback, and it is
    not even read when every service already has the measurement.
    """
    if not options.enabled:
        return (), ()
    from archcheck.sources.git_history import deploy_frequency

    wanted = {name: root for name, root in discovery.roots.items() if name not in measured}
    history = deploy_frequency(wanted, since_days=options.since_days)
    return history.measurements, history.notes


def merge_workloads(known: Sequence[Workload], found: Sequence[Workload]) -> tuple[Workload, ...]:
    """``known`` first; a found workload that matches a known one completes it, others are added.

    Matching: same service and kind, and the same name, or for events the same topic (compose
    may name a subscription ``stock-updated`` while the code only knows its topic). The known
    workload keeps its name (metrics are keyed by it) and gains the code's location and origin,
    so verdicts point at the Go line; empty fields are filled from the code.

    What the service runs inline is matched first: a declared workload that the service's own
    code runs stays inline even when a worker binary runs it too (``runs_in`` only comes from
    a worker's code when no inline code was matched).
    """
    found = sorted(found, key=lambda w: w.runs_in is not None)
    merged = list(known)
    index: dict[tuple[str, str, str], int] = {}
    for position, workload in enumerate(merged):
        index.setdefault((workload.service, workload.kind, workload.name), position)
        if workload.kind == "events" and workload.topic:
            index.setdefault((workload.service, "topic", workload.topic), position)
    for workload in found:
        keys: list[tuple[str, str, str]] = [(workload.service, workload.kind, workload.name)]
        if workload.kind == "events" and workload.topic:
            keys.append((workload.service, "topic", workload.topic))
        found_at = next((index[k] for k in keys if k in index), None)
        if found_at is None:
            index.update(dict.fromkeys(keys, len(merged)))
            merged.append(workload)
            continue
        existing = merged[found_at]
        update: dict[str, object] = {
            name: getattr(workload, name)
            for name in _FILLABLE
            if getattr(existing, name) is None and getattr(workload, name) is not None
        }
        if existing.origin not in _CODE_ORIGINS and workload.location is not None:
            update.update(
                origin=workload.origin, location=workload.location, runs_in=workload.runs_in
            )
        if update:
            merged[found_at] = existing.model_copy(update=update)
    return tuple(merged)
