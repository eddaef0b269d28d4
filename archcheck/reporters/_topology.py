"""The system before and after the split, as plain boxes: what the HTML (SVG) and Markdown
(Mermaid) diagrams both draw.

One ``Group`` per application service: its API container with the workloads it runs, its
sidecars, run-once migration and workers, and the topics and schedules that feed them. *Before*
is the system as it is; *after* adds the workers the verdicts recommend (``separate``) and
moves those workloads into them. Workers the system already has are marked ``separated``.

A topic is one node however many services subscribe to it (matched by name): ``Topology.topics``
lists its subscribers, and ``clusters`` puts the groups that share topics into one picture.
"""

from __future__ import annotations

from typing import Literal

from archcheck.model import Priority, Report, Service, Verdict, Workload
from archcheck.reporters import ServiceSummary, service_summaries
from archcheck.structs import dataclass

State = Literal["existing", "recommended", "separated"]
"""A box as the system has it, a worker the report recommends, or a worker already split out."""

ROLE_WORDS = {
    "api": "API", "event-worker": "event worker", "cron-worker": "cron worker",
    "worker": "worker", "migration": "run-once migration", "sidecar": "sidecar",
}  # fmt: skip
"""How both diagrams (SVG and Mermaid) name a box's role."""

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
    decision: str | None
    """As reports show it: ``separated`` when the split is done."""
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
    topics: dict[str, tuple[str, ...]]
    """Each topic -> the application services whose workloads subscribe to it, in order."""

    def shared(self, topic: str) -> tuple[str, ...]:
        """The services subscribed to ``topic`` when more than one is (else empty)."""
        subscribers = self.topics.get(topic, ())
        return subscribers if len(subscribers) > 1 else ()


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
                if v.decision == "separate" and not v.met
            }
            separated: dict[str, str] = {v.kind: v.separated_in[0] for v in own if v.met}
            owned, found = by_owner.get(s.name, []), loads.get(s.name, [])
            groups.append(_group(s, owned, found, separate, separated, summaries.get(s.name)))
        else:
            other.append(s.name)
    topics: dict[str, list[str]] = {}
    for g in groups:
        for feed in _feeds(g):
            if feed.kind == "events" and g.service not in topics.setdefault(feed.label, []):
                topics[feed.label].append(g.service)
    return Topology(
        tuple(groups), tuple(infrastructure), tuple(other),
        {topic: tuple(services) for topic, services in topics.items()},
    )  # fmt: skip


def _feeds(group: Group) -> list[Feed]:
    return [f for box in (*group.before, *group.after) for f in box.feeds]


def clusters(topo: Topology) -> list[tuple[Group, ...]]:
    """The groups in order, those that share a topic together (with the first of them): one
    picture each, so that a shared topic is drawn once for all its subscribers."""
    position = {g.service: i for i, g in enumerate(topo.groups)}
    root = {g.service: g.service for g in topo.groups}

    def find(name: str) -> str:
        while root[name] != name:
            root[name] = root[root[name]]
            name = root[name]
        return name

    for subscribers in topo.topics.values():
        for other in subscribers[1:]:
            a, b = find(subscribers[0]), find(other)
            if a != b:
                first, last = sorted((a, b), key=position.__getitem__)
                root[last] = first
    out: dict[str, list[Group]] = {}
    for g in topo.groups:
        out.setdefault(find(g.service), []).append(g)
    return [tuple(members) for members in out.values()]


def _feed(w: Workload) -> Feed:
    if w.kind == "events":
        return Feed("events", w.topic or w.name, w.name)
    return Feed("cron", w.schedule or "unknown schedule", w.name)


def _group(
    app: Service,
    owned: list[Service],
    loads: list[Workload],
    separate: dict[str, str],
    separated: dict[str, str],
    summary: ServiceSummary | None,
) -> Group:
    """``separate``: workload kind -> the worker the report recommends for it; ``separated``:
    kind -> the worker that already runs it (the verdict is met)."""
    workers = [s for s in owned if s.role not in ("sidecar", "migration")]
    side_boxes = [
        Box(s.name, s.role, "existing", (), s.replicas) for s in owned if s not in workers
    ]
    runs: dict[str, list[Feed]] = {s.name: [] for s in workers}
    inline: list[Workload] = []
    for w in loads:
        worker = _runs_in(w, workers, separated)
        if worker is None:
            inline.append(w)
        else:
            runs[worker].append(_feed(w))
    today = {name: tuple(feeds) for name, feeds in runs.items()}
    for kind in ("events", "cron"):
        if kind not in separate:
            continue
        moving = [w for w in inline if w.kind == kind]
        target = next((s.name for s in workers if s.role in _WORKER_ROLES[kind]), None)
        if moving and target is None:
            target = separate[kind]
            runs[target] = []
        if target is not None:
            runs[target].extend(_feed(w) for w in moving)
    existing = {s.name: s for s in workers}
    before_workers = [Box(s.name, s.role, "separated", today[s.name], s.replicas) for s in workers]
    before = (
        Box(app.name, app.role, "existing", tuple(map(_feed, inline)), app.replicas),
        *before_workers,
        *side_boxes,
    )
    after_workers: list[Box] = []
    for name, feeds in runs.items():
        if name in existing:
            after_workers.append(Box(name, existing[name].role, "separated", tuple(feeds),
                                     existing[name].replicas))  # fmt: skip
            continue
        kind = next(k for k, worker in separate.items() if worker == name)
        after_workers.append(Box(name, _NEW_ROLE[kind], "recommended", tuple(feeds)))
        if kind == "events" and any(b.role == "sidecar" for b in side_boxes):
            # NOTE: each event worker needs its own Dapr sidecar (one app-id per consumer).
            after_workers.append(Box(f"{name}-dapr", "sidecar", "recommended"))
    kept = [w for w in inline if w.kind not in separate]
    after = (
        Box(app.name, app.role, "existing", tuple(map(_feed, kept)), app.replicas),
        *after_workers,
        *side_boxes,
    )
    if summary is None:
        return Group(app.name, None, None, before, after)
    return Group(app.name, summary.decision, summary.priority, before, after)


def _runs_in(w: Workload, workers: list[Service], separated: dict[str, str]) -> str | None:
    """The worker that runs ``w`` today, or None for the application's own process: the one
    the verdict names as already running its kind, else a worker of its kind when the code
    shows only a worker binary reaches it (``runs_in``)."""
    names = {s.name for s in workers}
    if separated.get(w.kind) in names:
        return separated[w.kind]
    if w.runs_in is not None and workers:
        matching = [s.name for s in workers if s.role in _WORKER_ROLES.get(w.kind, ())]
        return (matching or [workers[0].name])[0]
    return None
