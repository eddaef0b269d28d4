"""``archcheck analyze`` end to end: sources -> System -> engine -> Report.

Each source is called from ``build_system`` in a fixed order; measurements from later inputs
replace earlier ones (and the report says so). Teams adding a source add a field to
``AnalyzeOptions`` and one call in ``build_system``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from archcheck.compose import ComposeOptions, ComposeProject, load_project
from archcheck.errors import UsageError
from archcheck.files.read import is_stdin
from archcheck.metrics import METRICS
from archcheck.model import (
    Declaration,
    Environment,
    Location,
    Measurement,
    Note,
    Report,
    Service,
    System,
    Workload,
    general,
)
from archcheck.sources.discovery import Discovery, DiscoveryOptions
from archcheck.structs import dataclass, field, replace

if TYPE_CHECKING:
    from archcheck.engine.ruleset import Ruleset
    from archcheck.sources.live import LiveOptions

SNAPSHOT_NAMES = ("metrics.yaml", "metrics.yml", "metrics.json")
"""Snapshot files found by convention next to the first compose file."""
EXPOSITION_SUFFIXES = (".prom", ".txt", ".metrics", ".om")
"""Files read as Prometheus exposition text (a saved ``/metrics`` scrape), not snapshots."""


@dataclass(frozen=True)
class AnalyzeOptions:
    """Every input of one analysis."""

    compose: ComposeOptions = field(default_factory=ComposeOptions)
    metrics: tuple[Path, ...] = ()
    """Snapshot or exposition files in order; later wins. Empty: x-archcheck, then convention."""
    config: Path | None = None
    """``.archcheck.yaml``; None: next to the compose file, then in the working directory."""
    environment: Environment | None = None
    """Overrides the project-wide environment declared in x-archcheck."""
    live: LiveOptions | None = None
    """Prometheus/Docker (``--prometheus``, ``--docker``); they replace the conventional
    snapshot, and win over ``--metrics`` files."""
    discovery: DiscoveryOptions = field(default_factory=DiscoveryOptions)
    """Go source, Dapr resources and git history (``--source``, ``--dapr-resources``...)."""
    manifests: tuple[Path, ...] = ()
    """Kubernetes manifests (files, folders, ``-``) to read instead of the compose project."""


def build_system(options: AnalyzeOptions, project: ComposeProject | None = None) -> System:
    """Load the compose project (unless given, loaded from ``options.compose``) and every
    metrics input into one ``System``."""
    if options.manifests:
        return _manifests_system(options)
    from archcheck.sources.compose_system import describe
    from archcheck.sources.discovery import discover

    if project is None:
        project = load_project(options.compose)
    facts = describe(project)
    notes: list[Note] = [*map(general, project.warnings), *facts.notes]
    services = {s.name: s for s in facts.services}
    workloads = list(facts.workloads)
    discovered = discover(project, facts.services, workloads, options.discovery)
    workloads = list(discovered.workloads)
    notes.extend(discovered.notes)
    paths = metrics_paths(options, project, facts.metrics)
    measurements, declarations = _measure(
        options, project.name, paths, services, workloads, notes, facts.declarations
    )
    measurements.extend(_deploy_history(options.discovery, discovered, measurements, notes))
    for name, service in services.items():
        update = _code_facts(service, discovered, project.working_dir)
        if update:
            services[name] = service.model_copy(update=update)
    return System(
        project=project.name,
        compose_files=tuple(str(f) for f in project.files),
        services=tuple(services.values()),
        workloads=tuple(workloads),
        measurements=tuple(measurements),
        declarations=declarations,
        environment=options.environment or facts.environment,
        environment_location=None if options.environment else facts.environment_location,
        notes=tuple(notes),
    )


def _code_facts(service: Service, discovered: Discovery, working_dir: Path) -> dict[str, object]:
    """What the service's code is (for the migration path: go.mod only, so also without
    discovery) and where its code reads WORKER_MODE (for AC105/AC111)."""
    from archcheck.sources.discovery import source_root
    from archcheck.sources.gomodule import code_kind

    update: dict[str, object] = {}
    root = discovered.roots.get(service.name)
    if root is None and service.role == "api":
        root = source_root(service, working_dir)
    if root is not None and root.is_dir():
        update["code"] = code_kind(root)
    mode = discovered.worker_mode.get(service.name)
    if mode is not None:
        update["worker_mode_read_at"] = mode
    return update


def _declarations(
    declared: tuple[Declaration, ...],
    batches: list[Batch],
    services: dict[str, Service],
    workloads: list[Workload],
    notes: list[Note],
) -> tuple[Declaration, ...]:
    """Compose's declarations, then each snapshot's; a later one replaces an earlier one (noted).

    A snapshot may declare a workload compose does not: it becomes an event workload, as an
    undeclared workload with metrics does.
    """
    merged: dict[tuple[str, str, str], Declaration] = {}
    known = {(w.service, w.name) for w in workloads}
    for d in [*declared, *(d for batch in batches for d in batch[4])]:
        if d.service not in services:
            continue  # NOTE: the metrics merge already notes unknown services
        key = (d.service, d.workload, d.fact)
        if key in merged and merged[key].value != d.value:
            notes.append(Note(
                text=f"later input wins: {d.service}/{d.workload} {d.fact}: {str(d.value).lower()}"
                f" from {d.source} replaces {str(merged[key].value).lower()} from"
                f" {merged[key].source}",
                service=d.service, location=d.location,
            ))  # fmt: skip
        merged[key] = d
        if (d.service, d.workload) not in known:
            known.add((d.service, d.workload))
            workloads.append(
                Workload(service=d.service, kind="events", name=d.workload, origin="metrics",
                         location=d.location)
            )  # fmt: skip
            notes.append(Note(
                text=f"{d.source}: workload {d.workload!r} of {d.service} is not declared in"
                f" x-archcheck; treated as events from its {d.fact} declaration",
                service=d.service, location=d.location,
            ))  # fmt: skip
    return tuple(merged.values())


def _manifests_system(options: AnalyzeOptions) -> System:
    """The ``System`` of Kubernetes manifests: the same services and workloads, from objects.

    Manifests name images, not build contexts: Go code (and its git history) is read only for
    the services ``--source`` names, Dapr resources files only from ``--dapr-resources``
    folders. Metrics: ``--metrics``, else a snapshot in the manifests folder or beside it
    (``k8s/`` next to ``metrics.yaml``).
    """
    from archcheck.kubernetes import load_manifests
    from archcheck.sources.discovery import discover_given
    from archcheck.sources.kubernetes_system import describe

    live = options.live
    if live is not None and live.prometheus is not None and live.prometheus.queries_file is None:
        from archcheck.sources.prom_queries import kubernetes_queries_path

        queries = replace(live.prometheus, queries_file=kubernetes_queries_path())
        options = replace(options, live=replace(live, prometheus=queries))
    inputs = load_manifests(options.manifests, cwd=options.compose.cwd)
    facts = describe(inputs)
    notes = list(facts.notes)
    services = {s.name: s for s in facts.services}
    base = options.compose.cwd or Path.cwd()
    discovered = discover_given(
        facts.services, facts.workloads, options.discovery, app_ids=facts.app_ids or {},
        relative_to=base,
    )
    workloads = list(discovered.workloads)
    notes.extend(discovered.notes)
    if options.metrics:
        paths = [p if p.is_absolute() else base / p for p in options.metrics]
    elif options.live is not None and options.live.enabled:
        paths = []
    else:
        beside = [inputs.folder / n for n in SNAPSHOT_NAMES]
        beside += [inputs.folder.parent / n for n in SNAPSHOT_NAMES]
        paths = [p for p in beside if p.is_file()][:1]
    for p in paths:
        if not p.exists():
            raise UsageError(
                "metrics file not found: check the --metrics path", Location(str(p), 1, 1)
            )
    measurements, declarations = _measure(
        options, facts.project, paths, services, workloads, notes
    )
    measurements.extend(_deploy_history(options.discovery, discovered, measurements, notes))
    for name, service in services.items():
        update = _code_facts(service, discovered, base) if name in discovered.roots else {}
        if update:
            services[name] = service.model_copy(update=update)
    return System(
        project=facts.project,
        compose_files=inputs.files,
        services=tuple(services.values()),
        workloads=tuple(workloads),
        measurements=tuple(measurements),
        declarations=declarations,
        environment=options.environment or facts.environment,
        notes=tuple(notes),
    )


def _measure(
    options: AnalyzeOptions,
    project: str,
    paths: list[Path],
    services: dict[str, Service],
    workloads: list[Workload],
    notes: list[Note],
    declared: tuple[Declaration, ...] = (),
) -> tuple[list[Measurement], tuple[Declaration, ...]]:
    """Snapshot, exposition and live measurements, later inputs winning; environments that a
    snapshot declares are set on the services (``services`` is updated in place); the
    declarations of ``declared`` and of the snapshots."""
    kinds: dict[tuple[str, str], str] = {(w.service, w.name): w.kind for w in workloads}
    batches = _read_metrics(paths, kinds, notes)
    if options.live is not None and options.live.enabled:
        from archcheck.sources.live import collect_live

        live = collect_live(
            options.live, project=project, services=list(services), workload_kinds=kinds
        )
        batches.append((options.live.describe(), live, {}, {}, []))
    measurements, env_by_service = _merge(batches, services, workloads, notes)
    declarations = _declarations(declared, batches, services, workloads, notes)
    for name, (env, where) in env_by_service.items():
        if services[name].environment is None:
            services[name] = services[name].model_copy(
                update={"environment": env, "environment_location": where}
            )
    return measurements, declarations


def _deploy_history(
    options: DiscoveryOptions,
    discovered: Discovery,
    measurements: list[Measurement],
    notes: list[Note],
) -> tuple[Measurement, ...]:
    """``deploys_per_week`` from git, only where no metrics input provided it."""
    from archcheck.sources.discovery import deploy_measurements

    measured = {m.service for m in measurements if m.metric == "deploys_per_week"}
    found, history_notes = deploy_measurements(discovered, options, measured)
    notes.extend(map(general, history_notes))
    return found


class Analysis(NamedTuple):
    """One analysis: what the sources knew, the rules that judged it, and the verdicts."""

    system: System
    ruleset: Ruleset
    report: Report


def run_analysis(options: AnalyzeOptions, project: ComposeProject | None = None) -> Analysis:
    """Build the System, load the rules (with the project's config) and evaluate them.

    ``project``: the compose project of ``options.compose``, when the caller loaded it already.
    """
    from archcheck.engine import load_ruleset

    system = build_system(options, project)
    ruleset = load_ruleset(config_path(options, system))
    return Analysis(system, ruleset, judge(system, ruleset))


def judge(system: System, ruleset: Ruleset) -> Report:
    """Evaluate the rules, name each finding's compose key and source line, and mark
    suppressed items (``.archcheck.yaml``'s ``suppress:`` entries first, then ignore comments).

    This is the report every command shows; ``archcheck.gate`` narrows it for CI.
    """
    from archcheck.engine import evaluate
    from archcheck.engine.ignore_comments import ignore_comments
    from archcheck.engine.suppress import apply_suppressions
    from archcheck.files.excerpts import with_excerpts

    report = with_excerpts(with_keys(system, evaluate(system, ruleset)))
    comments = ignore_comments(system, {rule.id for rule in ruleset.rules})
    return apply_suppressions(report, (*ruleset.suppressions, *comments))


def with_keys(system: System, report: Report) -> Report:
    """``report`` with each finding's compose ``key`` filled from where it points.

    The engine locates findings at a compose key (``Service.key_locations``); the key, unlike
    the line, survives unrelated edits, so it goes into the fingerprint.
    """
    if not any(f.key is None and f.service is not None for f in report.findings):
        return report  # NOTE: nothing to name; skips indexing every key of every service
    keys: dict[tuple[str, Location], str] = {}
    for service in system.services:
        for key, location in service.key_locations.items():
            # NOTE: the longest key wins: `deploy.replicas` says more than `deploy`.
            known = keys.get((service.name, location))
            if known is None or len(key) > len(known):
                keys[(service.name, location)] = key
    findings = tuple(
        f.model_copy(update={"key": keys.get((f.service, f.location))})
        if f.key is None and f.service is not None and f.location is not None
        else f
        for f in report.findings
    )
    return report.model_copy(update={"findings": findings})


def compose_dir(system_or_files: System | Iterable[str]) -> Path:
    """The folder of the first compose file (where conventions look for companions)."""
    files = (
        system_or_files.compose_files if isinstance(system_or_files, System) else system_or_files
    )
    first = next(iter(files), None)
    return Path(first).parent if first else Path.cwd()


def config_path(options: AnalyzeOptions, system: System) -> Path | None:
    """``--config``, else ``.archcheck.yaml`` next to the compose file or in the cwd."""
    from archcheck.engine.config import find_config

    folder = compose_dir(system)
    return find_config(options.config, folder, options.compose.cwd or Path.cwd())


def _inside(folder: Path, declared: str, at: Location | None) -> Path:
    """A metrics file named in ``x-archcheck``: relative, inside the compose file's folder.

    The compose file may come from a pull request; it must not make archcheck read (and print
    parse errors about) any file of the CI machine, such as ``../secrets/db_password.txt``.
    """
    path = Path(declared)
    top = folder.resolve()
    if path.is_absolute() or not (top / path).resolve().is_relative_to(top):
        raise UsageError(
            f"x-archcheck metrics {declared!r} is outside the compose file's folder: name a file "
            "inside it, or pass --metrics",
            at,
        )
    return folder / path


def metrics_paths(
    options: AnalyzeOptions, project: ComposeProject, declared: tuple[str, ...]
) -> list[Path]:
    """``--metrics`` files; else those named in x-archcheck; else ``metrics.yaml`` by convention."""
    base = options.compose.cwd or Path.cwd()
    if options.metrics:
        paths = [p if p.is_absolute() else base / p for p in options.metrics]
    elif options.live is not None and options.live.enabled:
        paths = []  # NOTE: a live source replaces the committed snapshot; --metrics adds to it.
    else:
        folder = (
            project.files[0].parent
            if project.files and not is_stdin(project.files[0])
            else project.working_dir
        )
        at = project.locate("x-archcheck", "metrics") if declared else None
        paths = [_inside(folder, p, at) for p in declared] or [
            p for p in (folder / n for n in SNAPSHOT_NAMES) if p.is_file()
        ][:1]
        if declared:
            for p in paths:
                if not p.exists():
                    raise UsageError(
                        f"metrics file {p} named in x-archcheck does not exist: fix the path or"
                        " pass --metrics",
                        at,
                    )
    for p in paths:
        if not p.exists():
            raise UsageError(
                "metrics file not found: check the --metrics path", Location(str(p), 1, 1)
            )
    return paths


Batch = tuple[
    str,
    list[Measurement],
    dict[str, tuple[Environment, Location | None]],
    dict[tuple[str, str], str],
    list[Declaration],
]
"""One metrics input: its name, measurements, environments, workload kinds, declarations."""


def _read_metrics(
    paths: list[Path], kinds: dict[tuple[str, str], str], notes: list[Note]
) -> list[Batch]:
    """One batch per snapshot; consecutive exposition files form one batch (for rates)."""
    from archcheck.sources.snapshot import read_snapshot

    batches: list[Batch] = []
    scrapes: list[Path] = []

    def flush() -> None:
        if scrapes:
            from archcheck.sources.prom_text import load_scrapes

            exposition = load_scrapes(list(scrapes), kinds)
            notes.extend(map(general, exposition.notes))
            batches.append((" + ".join(map(str, scrapes)), exposition.measurements, {}, {}, []))
            scrapes.clear()

    for path in paths:
        if path.suffix in EXPOSITION_SUFFIXES:
            scrapes.append(path)
            continue
        flush()
        loaded = read_snapshot(path)
        batches.append(
            (
                str(path), loaded.measurements,
                {name: (env, loaded.environment_locations.get(name))
                 for name, env in loaded.environments.items()},
                loaded.workload_kinds, loaded.declarations,
            )
        )  # fmt: skip
    flush()
    return batches


def _merge(
    batches: list[Batch],
    services: dict[str, Service],
    workloads: list[Workload],
    notes: list[Note],
) -> tuple[list[Measurement], dict[str, tuple[Environment, Location | None]]]:
    """Later batches win per (service, workload, metric); unknown services are warnings."""
    merged: dict[tuple[str, str | None, str], Measurement] = {}
    envs: dict[str, tuple[Environment, Location | None]] = {}
    unknown: dict[str, str] = {}
    overridden: list[tuple[str, str]] = []
    known_workloads = {(w.service, w.name) for w in workloads}
    for source, measurements, environments, kinds, _ in batches:
        for m in measurements:
            if m.service not in services:
                unknown.setdefault(m.service, source)
                continue
            key = (m.service, m.workload, m.metric)
            if key in merged and merged[key].value != m.value:
                line = (
                    f"{m.service}{'/' + m.workload if m.workload else ''} {m.metric}: "
                    f"{m.value:g} from {source} replaces {merged[key].value:g} from "
                    f"{merged[key].source}"
                )
                overridden.append((m.service, line))
            merged[key] = m
            if m.workload is not None and (m.service, m.workload) not in known_workloads:
                kind = kinds.get((m.service, m.workload)) or METRICS[m.metric].kind
                if kind is not None:
                    known_workloads.add((m.service, m.workload))
                    workloads.append(
                        Workload(
                            service=m.service, kind="cron" if kind == "cron" else "events",
                            name=m.workload, origin="metrics", location=m.location,
                        )
                    )
                    notes.append(Note(
                        text=f"{source}: workload {m.workload!r} of {m.service} is not declared"
                        f" in x-archcheck; treated as {kind} from its metrics",
                        service=m.service, location=m.location,
                    ))  # fmt: skip
        envs.update({name: env for name, env in environments.items() if name in services})
    for name, source in sorted(unknown.items()):
        notes.append(Note(
            text=f"{source}: metrics for service {name!r}, which is not in the compose project;"
            " ignored (check the service name)",
            service=name,
        ))  # fmt: skip
    if len(overridden) > 20:
        notes.append(general(
            f"{len(overridden)} measurements were replaced by later --metrics inputs, e.g. "
            + overridden[0][1]
        ))  # fmt: skip
    else:
        notes += [Note(text=f"later input wins: {line}", service=s) for s, line in overridden]
    return list(merged.values()), envs
