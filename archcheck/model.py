"""The plain data every stage passes on: System in, Report out.

Sources build a ``System``; the engine turns it into a ``Report``; reporters and the scaffold
only read a ``Report``. Nothing here imports anything else of archcheck's, so every stage can
depend on it. Fields may be added; renaming or removing one is a breaking change for the JSON
report (see ``Report.schema_version``).
"""

from __future__ import annotations

import re
from typing import Literal

from archcheck.location import Location as Location  # noqa: PLC0414 (re-exported)
from archcheck.records import Record, spec

WorkloadKind = Literal["api", "events", "cron", "migration"]
"""One unit of work inside a service: request serving, a topic subscription, a schedule, a
run-once job."""

ServiceRole = Literal[
    "api", "event-worker", "cron-worker", "worker", "migration", "sidecar", "infrastructure"
]
"""What a compose service is for; ``infrastructure`` is a database, broker or proxy we do not judge."""

Decision = Literal["inline", "separate", "insufficient-data"]
Priority = Literal["high", "medium", "low"]
Severity = Literal["high", "medium", "low"]
Environment = Literal["production", "staging", "development"]
Origin = Literal[
    "compose", "x-archcheck", "go", "dapr", "metrics", "cli", "git", "kubernetes"
]
DeclaredFact = Literal["retry_needed", "dead_letter_needed"]
"""What a team can state about an event workload instead of measuring it."""
OwnerMatch = Literal[
    "x-archcheck", "image", "build", "name", "app-id", "network_mode", "annotation", "part-of"
]
"""How a worker, migration or sidecar was matched to the application service it works for."""
CodeKind = Literal["go-kratos-v2", "go", "other"]
"""What archcheck read of a service's code: a Kratos v2 Go module (``archcheck scaffold`` can
generate its workers), another Go module, or no Go module at all."""

FailOn = Literal["high", "medium", "low", "never"]
"""``analyze --fail-on``: the lowest severity or priority that fails the run."""

PRIORITY_RANK: dict[str, int] = {"low": 1, "medium": 2, "high": 3}
"""Order of priorities and severities, for ``--fail-on`` and sorting."""

VERDICT_PREFIX = "verdict."
"""Verdicts are suppressed (and reported in SARIF) as ``verdict.<kind>``, ``verdict.*`` for all."""


class _Frozen(Record):
    """Frozen and keyword-only; built by archcheck's own code, validated only from input."""


class Workload(_Frozen):
    """One unit of background (or request) work inside a service."""

    service: str
    kind: WorkloadKind
    name: str
    """Stable name within the service and kind: the topic for events, the job name for cron."""
    topic: str | None = None
    pubsub: str | None = None
    schedule: str | None = None
    """A cron spec (``*/5 * * * *``) or ``@every 1m``; None when unknown."""
    handler: str | None = None
    """The Go handler or method, when known."""
    dead_letter_topic: str | None = None
    route: str | None = None
    """For events: the HTTP path Dapr delivers them to (``/events/stock-updated``), when known."""
    runs_in: str | None = None
    """The worker binary (its main package, ``cmd/worker``) that runs it, when the code shows
    that only a worker reaches it; None = the service's own process (inline)."""
    origin: Origin = "compose"
    location: Location | None = None


class KubernetesWorkload(_Frozen):
    """What a Kubernetes object says about a service that a compose service cannot.

    Set only for services read from manifests; the cluster hygiene rules (AC2xx) read it.
    Seconds are the effective values: Kubernetes' and Dapr's defaults when not written.
    """

    kind: str
    """``Deployment``, ``StatefulSet``, ``CronJob``, ``Job``..."""
    namespace: str | None = None
    document: int = 0
    """0-based index of the object's document in its file (multi-document YAML)."""
    concurrency_policy: str | None = None
    """CronJob ``spec.concurrencyPolicy`` (``Allow`` when not written)."""
    starting_deadline_seconds: int | None = None
    termination_grace_seconds: int = 30
    sidecar_grace_seconds: int | None = None
    """``dapr.io/graceful-shutdown-seconds`` (Dapr's default 5); None without a Dapr sidecar."""
    drain_seconds: int | None = None
    """How long the worker drains on SIGTERM: ``archcheck.dev/drain-seconds``; None unknown."""
    has_requests: bool = False
    """Every container requests CPU and memory."""
    disruption_budget: str | None = None
    """The PodDisruptionBudget whose selector matches the pods."""
    autoscaler: str | None = None
    """``HorizontalPodAutoscaler/NAME`` or ``ScaledObject/NAME`` that scales it."""
    max_replicas: int | None = None
    """The autoscaler's upper bound."""
    awaited_by: str | None = None
    """For a migration: what makes the rollout wait for it (``helm hook pre-upgrade``,
    ``argo sync wave -1``, ``init container of pricing-service``); None: nothing does."""
    idempotent: bool = False
    """``archcheck.dev/idempotent: "true"``: running it twice, or beside the old version, is safe."""


class Service(_Frozen):
    """One compose service after merge, extends, interpolation and profiles.

    Environment values are deliberately not kept (they may hold secrets): only the keys, plus the
    few values the engine reads.
    """

    name: str
    role: ServiceRole = "api"
    image: str | None = None
    build_context: str | None = None
    dockerfile: str | None = None
    command: tuple[str, ...] = ()
    environment_keys: tuple[str, ...] = ()
    worker_mode: str | None = None
    """``WORKER_MODE`` from the environment or ``-mode``/``--mode`` from the command."""
    worker_concurrency: int | None = None
    replicas: int | None = None
    container_name: str | None = None
    restart: str | None = None
    has_resource_limits: bool = False
    has_restart_policy: bool = False
    depends_on: dict[str, str] = spec(default_factory=dict)
    """Service name -> condition (``service_started``, ``service_completed_successfully``...)."""
    network_mode: str | None = None
    owner: str | None = None
    """For workers, migrations and sidecars: the application service they belong to."""
    owner_match: OwnerMatch | None = None
    """How ``owner`` was found (docs/x-archcheck.md, "Owners")."""
    code: CodeKind | None = None
    """The kind of code discovery read for the service; None when it read none."""
    worker_mode_read_at: Location | None = None
    """Where the service's Go code reads ``WORKER_MODE`` or a ``-mode`` flag (discovery)."""
    environment: Environment | None = None
    """Deployment environment declared in ``x-archcheck`` or the snapshot; None when not declared."""
    environment_location: Location | None = None
    """Where ``environment`` is declared."""
    location: Location | None = None
    """Where the service's key is written."""
    key_locations: dict[str, Location] = spec(default_factory=dict)
    """Dotted compose key (``deploy.replicas``) -> where its effective value was written."""
    kubernetes: KubernetesWorkload | None = None
    """Set when the service was read from Kubernetes manifests instead of compose."""


class Measurement(_Frozen):
    """One metric value for a service or one of its workloads."""

    service: str
    metric: str
    """A name from ``archcheck.metrics.METRICS`` (``events_per_minute``, ``processing_ms_p95``...)."""
    value: float
    unit: str
    workload: str | None = None
    """The workload's name (topic or job), or None for the whole service."""
    source: str
    """Where it came from: a snapshot file, ``prometheus:<url>``, ``docker``, a ``.prom`` file."""
    window: str | None = None
    """The time range it summarises, as a Prometheus duration (``7d``)."""
    location: Location | None = None


class Declaration(_Frozen):
    """A fact a team states about one event workload instead of measuring it
    (``retry_needed: false`` under ``x-archcheck`` or in the metrics snapshot).

    A measurement of the same question wins over it; the report notes when they disagree.
    """

    service: str
    workload: str
    fact: DeclaredFact
    value: bool
    source: str
    """``x-archcheck`` or the snapshot file."""
    location: Location | None = None
    """Where the declaration is written."""


class Note(_Frozen):
    """One warning of the sources or the engine, with the service it is about: reports show a
    service's notes with that service (``reporters.notes_by_service``)."""

    text: str
    """The whole sentence as every report shows it (``pricing-service: not scanned: ...``)."""
    service: str | None = None
    """The service it is about; None for the whole system (a file, a tool, an input)."""
    location: Location | None = None
    """Where what it is about is written, when known."""

    def __str__(self) -> str:
        return self.text


def general(text: str) -> Note:
    """A note about no service in particular (a file, a tool, an input)."""
    return Note(text=text)


def as_notes(value: object) -> object:
    """Plain strings as system-wide notes: what a source says about no service in particular."""
    if isinstance(value, (list, tuple)):
        return tuple(Note(text=v) if isinstance(v, str) else v for v in value)
    return value


def _notes_as_records(model: System | Report) -> None:
    if not isinstance(model.notes, tuple) or any(isinstance(n, str) for n in model.notes):
        object.__setattr__(model, "notes", as_notes(model.notes))


class System(_Frozen):
    """Everything the sources know: the input of the engine."""

    project: str
    compose_files: tuple[str, ...] = ()
    services: tuple[Service, ...] = ()
    workloads: tuple[Workload, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    declarations: tuple[Declaration, ...] = ()
    environment: Environment | None = None
    """Project-wide deployment environment from the top-level ``x-archcheck``."""
    environment_location: Location | None = None
    """Where the project-wide environment is declared."""
    notes: tuple[Note, ...] = ()
    """Warnings from the sources (metrics for unknown services, overridden measurements...)."""

    def __post_init__(self) -> None:
        _notes_as_records(self)


class Suppression(_Frozen):
    """Why a finding or verdict is accepted: a ``suppress:`` entry of ``.archcheck.yaml``, or a
    ``# archcheck: ignore RULE -- reason`` comment in a compose file.

    Suppressed items stay in every report (marked as suppressed) but never fail the gate.
    """

    reason: str
    rule: str | None = None
    """The rule id (or verdict id) the entry names; None when it covers every rule."""
    service: str | None = None
    """The service the entry names; None when it covers every service."""
    location: Location | None = None
    """Where the entry (or the comment) is written."""
    at: Location | None = None
    """For an ignore comment: the compose line it covers; only items located on that line."""


Change = Literal["new", "worse"]
"""Compared with a baseline or ``--diff-base``: not there before, or a higher severity/priority."""


class Evidence(_Frozen):
    """One criterion of the decision matrix, as it applied to one verdict."""

    criterion: str
    value: float | str | None
    """None when the measurement is missing; for several facts, the deciding one first."""
    threshold: float | str | None = None
    unit: str | None = None
    outcome: Decision | Literal["neutral"] = "neutral"
    priority: Priority | None = None
    source: str | None = None
    """A metric source or a compose key."""
    location: Location | None = None
    excerpt: str | None = None
    """The line ``location`` points at, secrets masked (``archcheck.files.excerpts``)."""
    how_to_get: str | None = None
    """For missing values: how to provide the measurement."""
    rule_id: str | None = None
    """The criterion's rule (``AC003``)."""


class Verdict(_Frozen):
    """Per service and workload kind: stay inline, split out, or not enough data to say."""

    service: str
    kind: WorkloadKind
    decision: Decision
    priority: Priority
    workloads: tuple[str, ...] = ()
    """Names of the workloads this verdict covers."""
    summary: str
    evidence: tuple[Evidence, ...] = ()
    location: Location | None = None
    separated_in: tuple[str, ...] = ()
    """For ``separate``: the worker services that already run these workloads. Not empty means
    the split is done and the recommendation met: the verdict passes the gate."""
    suppression: Suppression | None = None
    change: Change | None = None
    """Set only when compared with a baseline or ``--diff-base``."""

    @property
    def met(self) -> bool:
        """Whether the verdict asks for a split that is already there."""
        return self.decision == "separate" and bool(self.separated_in)


class Finding(_Frozen):
    """One rule hit."""

    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    service: str | None = None
    location: Location | None = None
    evidence: dict[str, float | int | str | None] = spec(default_factory=dict)
    key: str | None = None
    """The dotted compose key inside the service (``deploy.replicas``) the finding is about;
    part of the baseline fingerprint, which must not depend on line numbers."""
    excerpt: str | None = None
    """The line ``location`` points at, secrets masked (``archcheck.files.excerpts``)."""
    suppression: Suppression | None = None
    change: Change | None = None
    """Set only when compared with a baseline or ``--diff-base``."""


class RuleDoc(_Frozen):
    """One rule's documentation, as reports show it (SARIF ``tool.driver.rules``...)."""

    id: str
    name: str
    level: int
    """1-3 = low, medium, high (criteria weigh as medium: they decide verdicts)."""
    what: str
    why: str = ""
    example: str = ""
    fix: str = ""
    platforms: tuple[str, ...] = ()
    """What the rule reads (``docker-compose``, ``kubernetes``): SARIF's rule tags."""


class ChartThreshold(_Frozen):
    """A rule limit drawn on a chart axis (``inline up to 100``, ``high above 1000``)."""

    value: float
    label: str


class ChartAxis(_Frozen):
    """One axis of a decision chart: what it measures and the rule limits drawn on it."""

    label: str
    unit: str
    thresholds: tuple[ChartThreshold, ...] = ()


class ChartPoint(_Frozen):
    """One workload on a decision chart; ``x``/``y`` are None when not measured."""

    service: str
    workload: str
    x: float | None
    y: float | None
    decision: Decision
    priority: Priority
    separated: bool = False
    """The verdict asks for a split that is already done (``Verdict.met``)."""
    x_source: str | None = None
    """Where ``x`` came from (a metric source, ``file:line:col``), or how to provide it."""
    y_source: str | None = None
    location: Location | None = None
    """Where the workload is declared."""


class Capacity(_Frozen):
    """Little's law for one service's event workloads (``archcheck.engine.capacity``)."""

    service: str
    events_per_minute: float
    latency_ms: float
    needed: float
    """Handlers busy at once: events per second x seconds per event."""
    recommended_concurrency: int
    """WORKER_CONCURRENCY for one event-worker replica: the need with headroom, with a floor."""


class Chart(_Frozen):
    """The decision chart of one workload kind: one point per workload."""

    kind: WorkloadKind
    title: str
    x: ChartAxis
    y: ChartAxis
    points: tuple[ChartPoint, ...] = ()
    diagonal: str | None = None
    """A label for the ``x == y`` line when it means something (a job running as long as its
    interval overlaps its next run); None to draw none."""


class MigrationPhase(_Frozen):
    """One step of the migration path: split one service, most urgent first."""

    service: str
    priority: Priority
    kinds: tuple[WorkloadKind, ...]
    workers: tuple[str, ...]
    """The compose services ``archcheck scaffold`` adds for ``kinds`` (``pricing-event-worker``)."""
    steps: tuple[str, ...]
    """Instructions in order; commands and names in backticks."""


class Fixed(_Frozen):
    """A finding or verdict of the ``--diff-base`` revision that is gone or better now."""

    service: str | None
    what: str
    """The rule id or ``verdict.<kind>``."""
    summary: str


class Ownership(_Frozen):
    """How one worker, migration or sidecar was matched to its application service."""

    service: str
    """The worker (``pricing-cron-worker``)."""
    role: ServiceRole
    owner: str | None
    """The application service; None when no rule matched (the report has a note)."""
    match: OwnerMatch | None = None
    detail: str = ""
    """What matched: the shared image, the build context, the name rule."""
    location: Location | None = None


class Report(_Frozen):
    """What the engine decided; the only input of reporters and the scaffold."""

    schema_version: Literal[1] = 1
    tool_version: str
    project: str
    compose_files: tuple[str, ...] = ()
    verdicts: tuple[Verdict, ...] = ()
    findings: tuple[Finding, ...] = ()
    workloads: tuple[Workload, ...] = ()
    notes: tuple[Note, ...] = ()
    """What the sources and the engine noted, each with its service (None: system-wide)."""
    defaults: tuple[str, ...] = ()
    """What the verdicts assume because the input does not say (``environment: production``):
    stated once for the report, not on every verdict."""
    ownership: tuple[Ownership, ...] = ()
    """How each worker, migration and sidecar was matched to its application service."""
    fail_on: FailOn = "high"
    """The ``--fail-on`` level the report was gated at: what is at or above it fails the run,
    and CI formats (SARIF levels, annotations, JUnit failures, CodeClimate severities) say so."""
    rules: tuple[RuleDoc, ...] = spec(default=(), exclude=True)
    """The docs of every rule that judged the system. Not in ``--format json``: the docs are
    data of archcheck, not of the system (``archcheck rules explain ID``)."""
    capacity: tuple[Capacity, ...] = spec(default=(), exclude=True)
    """Per service with event workloads: what its event worker needs (what AC108 checks and
    the scaffold generates)."""
    charts: tuple[Chart, ...] = spec(default=(), exclude=True)
    """The decision charts (events, cron): one point per workload, thresholds from the rules."""
    services: tuple[Service, ...] = spec(default=(), exclude=True)
    """Every service of the system (roles, owners, sidecars): the before/after diagram."""
    migration: tuple[MigrationPhase, ...] = spec(default=(), exclude=True)
    """The migration path, shared by every report that shows one (``engine/migration.py``)."""
    fixed: tuple[Fixed, ...] = spec(default=(), exclude=True)
    """With ``--diff-base``: what the base revision had that is gone or better now."""

    def __post_init__(self) -> None:
        _notes_as_records(self)


def gate_level(item: Finding | Verdict) -> int:
    """How much an item weighs for ``--fail-on``: 0 never fails, 1-3 = low, medium, high.

    A finding weighs its severity; a verdict weighs its priority only when it says
    ``separate`` and the split is not done yet (an ``inline`` or ``insufficient-data`` verdict,
    or a met one, asks for no change).
    """
    if isinstance(item, Finding):
        return PRIORITY_RANK[item.severity]
    return PRIORITY_RANK[item.priority] if item.decision == "separate" and not item.met else 0


def is_gating(item: Finding | Verdict, fail_on: str) -> bool:
    """Whether ``item`` makes ``analyze --fail-on fail_on`` exit 1 (suppressed items never do).

    Reporters ask it too: what fails the run is what every CI format marks as failing.
    """
    if fail_on == "never" or item.suppression is not None:
        return False
    return gate_level(item) >= PRIORITY_RANK[fail_on] > 0


POSITION = re.compile(r"\S+:\d+(?::\d+)?")
"""A ``file:line[:col]`` inside a message."""
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SPACE = re.compile(r"\s+")


def normalise_message(message: str) -> str:
    """The message without what changes on unrelated edits: positions, numbers, case, spacing."""
    text = POSITION.sub("<pos>", message)
    text = _NUMBER.sub("#", text)
    return _SPACE.sub(" ", text).strip().lower()


def fingerprint(item: Finding | Verdict) -> str:
    """A stable id for a finding or verdict that survives line shifts and metric jitter.

    Baselines store it and SARIF reports it (``partialFingerprints``), so both agree.
    """
    parts: tuple[str, ...]
    if isinstance(item, Finding):
        parts = (
            "finding",
            item.rule_id,
            item.service or "",
            item.key or "",
            normalise_message(item.message),
        )
    else:
        parts = ("verdict", item.service, item.kind)
    from archcheck.digest import sha256

    return sha256("\x1f".join(parts).encode()).hexdigest()[:32]
