"""The system before and after the split, as plain boxes: what the HTML (SVG) and Markdown
(Mermaid) diagrams both draw.

One ``Group`` per application service: its API container with the workloads it runs, its
sidecars, run-once migration and workers, and the topics and schedules that feed them. *Before*
is the system as it is; *after* adds the workers the verdicts recommend (``separate``) and
moves those workloads into them. Workers the system already has are marked ``separated``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from archcheck.model import Decision, Priority, Report, Service, Verdict, Workload
from archcheck.reporters import ServiceSummary, service_summaries

State = Literal["existing", "recommended", "separated"]
"""A box as the system has it, a worker the report recommends, or a worker already split out."""

_WORKER_ROLES = {"events": ("event-worker", "worker"), "cron": ("cron-worker", "worker")}
_NEW_ROLE = {"events": "event-worker", "cron": "cron-worker"}


@dataclass(frozen=True)
class Feed:
    """What triggers a workload: a topic (events) or a schedule (cron)."""

    kind: Literal["events", "cron"]
    label: str
    """The topic, or the schedule (``unknown schedule`` when none is declared)."""
    workload: str


@dataclass(frozen=True)
class Box:
    """One container in the diagram."""

    name: str
    role: str
    state: State
    feeds: tuple[Feed, ...] = ()
    """The workloads it runs, each with its topic or schedule."""
    replicas: int | None = None


@dataclass(frozen=True)
class Group:
    """One application service and everything that belongs to it, before and after."""

    service: str
    decision: Decision | None
    priority: Priority | None
    before: tuple[Box, ...]
    after: tuple[Box, ...]


@dataclass(frozen=True)
class Topology:
    """The groups with background work, and the services drawn only by name."""

    groups: tuple[Group, ...]
    infrastructure: tuple[str, ...]
    other: tuple[str, ...]
    """Application services with no event handlers, cron jobs or workers."""


def topology(report: Report) -> Topology:
    """The before/after boxes of every service in ``report``."""
    by_owner: dict[str, list[Service]] = {}
    for s in report.services:
        if s.owner is not None:
            by_owner.setdefault(s.owner, []).append(s)
    loads: dict[str, list[Workload]] = {}
    for w in report.workloads:
        if w.kind in ("events", "cron"):
            loads.setdefault(w.service, []).append(w)
    verdicts: dict[str, list[Verdict]] = {}
    for v in report.verdicts:
        verdicts.setdefault(v.service, []).append(v)
    summaries = {s.service: s for s in service_summaries(report)}
    new_workers = {
        (phase.service, kind): name
        for phase in report.migration
        for kind, name in zip(phase.kinds, phase.workers, strict=True)
    }
    groups: list[Group] = []
    infrastructure: list[str] = []
    other: list[str] = []
    for s in report.services:
        if s.owner is not None:
            continue
        if s.role == "infrastructure":
            infrastructure.append(s.name)
        elif s.name in loads or s.name in by_owner:
            own = verdicts.get(s.name, [])
            separate: dict[str, str] = {
                v.kind: new_workers.get((s.name, v.kind), f"{s.name}-{v.kind}-worker")
                for v in own
                if v.decision == "separate"
            }
            owned, found = by_owner.get(s.name, []), loads.get(s.name, [])
            groups.append(_group(s, owned, found, separate, summaries.get(s.name)))
        else:
            other.append(s.name)
    return Topology(tuple(groups), tuple(infrastructure), tuple(other))


def _feed(w: Workload) -> Feed:
    if w.kind == "events":
        return Feed("events", w.topic or w.name, w.name)
    return Feed("cron", w.schedule or "unknown schedule", w.name)


def _group(
    app: Service,
    owned: list[Service],
    loads: list[Workload],
    separate: dict[str, str],
    summary: ServiceSummary | None,
) -> Group:
    """``separate``: workload kind -> the worker the report recommends for it."""
    # NOTE: a workload whose code only a worker binary reaches (runs_in) already runs there.
    inline = [w for w in loads if w.runs_in is None]
    workers = [s for s in owned if s.role not in ("sidecar", "migration")]
    sidecars = [s for s in owned if s.role in ("sidecar", "migration")]
    worker_boxes = [Box(s.name, s.role, "separated", (), s.replicas) for s in workers]
    side_boxes = [Box(s.name, s.role, "existing", (), s.replicas) for s in sidecars]
    moved_by_worker: dict[str, list[Feed]] = {}
    for w in loads:
        if w.runs_in is not None and workers:
            moved_by_worker.setdefault(workers[0].name, []).append(_feed(w))
    before_workers = [
        Box(b.name, b.role, b.state, tuple(moved_by_worker.get(b.name, ())), b.replicas)
        for b in worker_boxes
    ]
    before = (
        Box(app.name, app.role, "existing", tuple(map(_feed, inline)), app.replicas),
        *before_workers,
        *side_boxes,
    )
    kept = [w for w in inline if w.kind not in separate]
    after_workers = list(before_workers)
    for kind in ("events", "cron"):
        if kind not in separate:
            continue
        moving = tuple(_feed(w) for w in inline if w.kind == kind)
        existing = next(
            (i for i, b in enumerate(after_workers) if b.role in _WORKER_ROLES[kind]), None
        )
        if existing is not None:
            b = after_workers[existing]
            after_workers[existing] = Box(b.name, b.role, b.state, (*b.feeds, *moving), b.replicas)
        elif moving:
            after_workers.append(Box(separate[kind], _NEW_ROLE[kind], "recommended", moving))
            if kind == "events" and any(b.role == "sidecar" for b in side_boxes):
                # NOTE: each event worker needs its own Dapr sidecar (one app-id per consumer).
                after_workers.append(Box(f"{separate[kind]}-dapr", "sidecar", "recommended"))
    after = (
        Box(app.name, app.role, "existing", tuple(map(_feed, kept)), app.replicas),
        *after_workers,
        *side_boxes,
    )
    if summary is None:
        return Group(app.name, None, None, before, after)
    return Group(app.name, summary.decision, summary.priority, before, after)
