"""Discovery: what the code and the repository say, beyond the compose file.

Runs the three code-side sources for a loaded project: Go source (``go_source``), Dapr
resources (``dapr``) and deploy frequency from git history (``git_history``), and merges what
they find with the workloads compose already declares. The pipeline calls ``discover`` once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from archcheck.compose import ComposeProject
from archcheck.errors import UsageError
from archcheck.model import Location, Measurement, Service, Workload
from archcheck.sources.git_history import DEFAULT_SINCE_DAYS

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
    notes: tuple[str, ...] = ()
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
    """Where a service's Go code lives: its build context, narrowed to the Dockerfile's folder
    when that is a sub-folder with Go code (``context: ..`` + ``dockerfile: pricing/Dockerfile``)."""
    if service.build_context is None or "://" in service.build_context:
        return None  # a git URL context: nothing local to read
    context = Path(service.build_context)
    context = context if context.is_absolute() else working_dir / context
    if service.dockerfile:
        folder = (context / service.dockerfile).parent
        has_go = (folder / "go.mod").is_file() or (folder.is_dir() and any(folder.glob("*.go")))
        if folder != context and has_go:
            return folder
    return context


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
    from archcheck.sources.dapr import discover_dapr, find_sidecars
    from archcheck.sources.go_source import discover_go_workloads

    working_dir = project.working_dir
    unknown = sorted(set(options.sources) - {s.name for s in services})
    if unknown:
        raise UsageError(
            f"--source {unknown[0]}=...: no service {unknown[0]!r} in the project; services are "
            + ", ".join(sorted(s.name for s in services))
        )
    roots: dict[str, Path] = {}
    for service in services:
        if service.name in options.sources:
            roots[service.name] = options.sources[service.name]
        elif service.role in _CODE_ROLES:
            root = source_root(service, working_dir)
            if root is not None:
                roots[service.name] = root
    notes: list[str] = []
    go = discover_go_workloads(roots, relative_to=relative_to, jobs=options.jobs)
    notes.extend(go.notes)
    for name, where in go.worker_entrypoints.items():
        run = [f"{w.kind} {w.name}" for w in go.workloads if w.service == name and w.runs_in]
        runs = f", which runs {', '.join(run)} (not inline in {name})" if run else ""
        notes.append(f"{name}: the code already has a worker entry point ({where}){runs}")
    for name, where in go.worker_mode.items():
        notes.append(f"{name}: the code selects what to run from WORKER_MODE or -mode ({where})")

    sidecars, sidecar_notes = find_sidecars(project.services, services, working_dir)
    notes.extend(sidecar_notes)
    by_folder: dict[Path, list[str]] = {}
    for sidecar in sidecars:
        for folder in sidecar.folders:
            apps = by_folder.setdefault(folder.resolve(), [])
            if sidecar.app is not None and sidecar.app not in apps:
                apps.append(sidecar.app)
    every_app = tuple(dict.fromkeys(s.app for s in sidecars if s.app is not None))
    for folder in options.dapr_resources:
        by_folder.setdefault(folder.resolve(), list(every_app))
    dapr = discover_dapr(
        [(folder, tuple(apps)) for folder, apps in by_folder.items()],
        services,
        app_ids={s.app_id: s.app for s in sidecars if s.app_id and s.app},
        relative_to=relative_to,
    )
    notes.extend(dapr.notes)
    for retry in dapr.retries:
        limit = "unbounded" if retry.max_retries is None else f"{retry.max_retries}"
        notes.append(
            f"{retry.location}: Dapr redelivers events from {retry.component!r} with retry policy"
            f" {retry.policy!r} ({limit} retries)"
        )

    routes = go.routes
    dapr_workloads = [
        w.model_copy(update={"handler": routes.get(w.service, {}).get(w.route or "")})
        if w.handler is None and w.route
        else w
        for w in dapr.workloads
    ]
    workloads = merge_workloads(merge_workloads(declared, go.workloads), dapr_workloads)
    return Discovery(
        workloads=workloads, notes=tuple(notes), roots=roots, worker_mode=dict(go.worker_mode)
    )


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
