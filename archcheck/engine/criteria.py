"""The decision matrix's criteria: each turns one service's workloads of one kind into Evidence.

Thresholds come from the rule's params (``rules/AC0*.yaml``, overridable in ``.archcheck.yaml``);
a missing measurement gives ``outcome="insufficient-data"`` with instructions, never ``inline``.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from archcheck.engine.facts import Facts, KindContext, how_to_get
from archcheck.metrics import METRICS
from archcheck.model import (
    Environment,
    Evidence,
    Location,
    Measurement,
    Note,
    Priority,
    Workload,
)  # fmt: skip
from archcheck.records import Record, spec
from archcheck.structs import dataclass

P = TypeVar("P", bound="Params")


def _ordered(params: P, low: str, high: str) -> P:
    """Tiers must rise: an ``inline_max`` above ``high_above`` would skip the middle tier."""
    if getattr(params, low) > getattr(params, high):
        raise ValueError(f"{low} ({getattr(params, low):g}) is above {high} "
                         f"({getattr(params, high):g}): give {low} <= {high}")  # fmt: skip
    return params


class Params(Record, allow_inf_nan=False):
    """Base of every check's parameters: strict, so a typo in a rule or config is an error."""

    required: bool = spec(
        default=True, description="Whether a missing value makes the verdict insufficient-data."
    )


@dataclass(frozen=True)
class Aggregate:
    """A criterion's value over the workloads of one kind, and where it came from."""

    value: float | None
    measurement: Measurement | None
    missing: tuple[str, ...] = ()


def aggregate(ctx: KindContext, metric: str, how: Literal["sum", "max"]) -> Aggregate:
    """Per-workload values combined (sum or max), else the service-level value, else missing."""
    service = ctx.service.name
    found = [ctx.facts.get(service, metric, w.name) for w in ctx.workloads]
    present = [m for m in found if m is not None]
    if ctx.workloads and len(present) == len(found):
        top = max(present, key=lambda m: m.value)
        value = sum(m.value for m in present) if how == "sum" else top.value
        return Aggregate(value, top)
    whole = ctx.facts.get(service, metric)
    if whole is not None:
        return Aggregate(whole.value, whole)
    missing = tuple(w.name for w, m in zip(ctx.workloads, found, strict=True) if m is None)
    return Aggregate(None, None, missing or (service,))


def _source(m: Measurement | None) -> str | None:
    return None if m is None else f"{m.metric} from {m.source}"


def _location(m: Measurement | None) -> Location | None:
    return None if m is None else m.location


def missing_evidence(
    criterion: str, ctx: KindContext, metric: str, agg: Aggregate, threshold: str, required: bool
) -> Evidence:
    """Evidence for a measurement no source provided."""
    workload = agg.missing[0] if agg.missing and agg.missing[0] != ctx.service.name else None
    return Evidence(
        criterion=criterion,
        value=None,
        threshold=threshold,
        unit=METRICS[metric].unit,
        outcome="insufficient-data" if required else "neutral",
        source=metric,
        how_to_get=how_to_get(metric, ctx.service.name, workload),
    )


def _tiered(
    criterion: str,
    ctx: KindContext,
    metric: str,
    how: Literal["sum", "max"],
    tiers: list[tuple[float, Priority]],
    inline_max: float,
    required: bool,
) -> Evidence:
    """Separate when the value exceeds a tier's bound (first match wins), else inline."""
    agg = aggregate(ctx, metric, how)
    if agg.value is None:
        return missing_evidence(criterion, ctx, metric, agg, f"<= {inline_max:g}", required)
    outcome: Literal["inline", "separate"] = "inline"
    priority: Priority | None = None
    threshold = f"<= {inline_max:g}"
    for bound, tier_priority in tiers:
        if agg.value > bound:
            outcome, priority, threshold = "separate", tier_priority, f"> {bound:g}"
            break
    return Evidence(
        criterion=criterion, value=round(agg.value, 3), threshold=threshold,
        unit=METRICS[metric].unit, outcome=outcome, priority=priority,
        source=_source(agg.measurement), location=_location(agg.measurement),
    )


class EventVolumeParams(Params):
    """Events per minute summed over the service's subscriptions."""

    inline_max: float = spec(default=100, gt=0, description="Up to this many events/min: inline.")
    high_above: float = spec(default=1000, gt=0, description="Above this: separate, high priority.")

    def check_record(self) -> None:
        _ordered(self, "inline_max", "high_above")


def event_volume(p: EventVolumeParams, ctx: KindContext, criterion: str) -> Evidence:
    """The review: < 100/min inline, > 100/min separate, > 1000/min high priority."""
    return _tiered(
        criterion, ctx, "events_per_minute", "sum",
        [(p.high_above, "high"), (p.inline_max, "medium")], p.inline_max, p.required,
    )


class ProcessingTimeParams(Params):
    """Per-event processing time, slowest subscription."""

    metric: Literal["processing_ms_p50", "processing_ms_p95", "processing_ms_p99"] = (
        "processing_ms_p95"
    )
    inline_max_ms: float = spec(default=50, gt=0, description="Up to this: inline.")
    high_above_ms: float = spec(default=100, gt=0, description="Above this: separate, high priority.")

    def check_record(self) -> None:
        _ordered(self, "inline_max_ms", "high_above_ms")


def processing_time(p: ProcessingTimeParams, ctx: KindContext, criterion: str) -> Evidence:
    """The review: < 50 ms inline, > 50 ms separate, > 100 ms high priority."""
    return _tiered(
        criterion, ctx, p.metric, "max",
        [(p.high_above_ms, "high"), (p.inline_max_ms, "medium")], p.inline_max_ms, p.required,
    )


class RetryParams(Params):
    """Whether deliveries need retries or a dead-letter queue."""

    max_retry_rate: float = spec(
        default=0.01, ge=0, le=1, description="Above this share of retried deliveries, retry is needed."
    )
    several_event_types: int = spec(
        default=2, ge=1, description="With retry needed and this many event types or more: high."
    )


@dataclass(frozen=True)
class Need:
    """Whether one workload needs retries or a dead-letter queue, and the fact that says so."""

    needed: bool
    reason: str
    """The deciding fact as the report says it: ``retry rate 0.04``, ``retry_needed: false``."""
    unit: str
    source: str
    location: Location | None
    measured: bool


def _measured(ctx: KindContext, metric: str, workload: str) -> Measurement | None:
    """The workload's measurement, else the service's (it covers every subscription)."""
    found = ctx.facts.get(ctx.service.name, metric, workload)
    return found if found is not None else ctx.facts.get(ctx.service.name, metric)


def _declared_need(ctx: KindContext, w: Workload, fact: str, what: str) -> Need | None:
    d = ctx.facts.declaration(ctx.service.name, w.name, fact)
    if d is None:
        if fact == "dead_letter_needed" and w.dead_letter_topic:
            # A dead-letter topic found in code or Dapr resources: the subscription has one.
            return Need(True, f"dead-letter topic {w.dead_letter_topic}", "declaration",
                        w.origin, w.location, measured=False)  # fmt: skip
        return None
    where = f"{d.location.file}:{d.location.line}" if d.location else d.source
    reason = (
        f"dead-letter topic {w.dead_letter_topic} declared"
        if d.source.startswith("x-archcheck dead_letter_topic")
        else f"{what} {'needed' if d.value else 'not needed'}, declared"
    )
    return Need(d.value, reason, "declaration", where, d.location, measured=False)


def retry_need(p: RetryParams, ctx: KindContext, w: Workload) -> Need | None:
    """Retries: a measured retry rate above the limit, else the declared ``retry_needed``."""
    rate = _measured(ctx, "retry_rate", w.name)
    if rate is not None:
        return Need(rate.value > p.max_retry_rate, f"retry rate {rate.value:g}", rate.unit,
                    _source(rate) or rate.source, rate.location, measured=True)  # fmt: skip
    return _declared_need(ctx, w, "retry_needed", "retry")


def dead_letter_need(ctx: KindContext, w: Workload) -> Need | None:
    """A dead-letter queue: measured dead letters, else ``dead_letter_needed`` or a DLQ topic."""
    dead = _measured(ctx, "dead_letter_count", w.name)
    if dead is not None:
        return Need(dead.value > 0, f"{dead.value:g} dead letters", dead.unit,
                    _source(dead) or dead.source, dead.location, measured=True)  # fmt: skip
    return _declared_need(ctx, w, "dead_letter_needed", "dead-letter queue")


def retry_dead_letter(p: RetryParams, ctx: KindContext, criterion: str) -> Evidence:
    """Retry/DLQ needed (measured retry rate or dead letters, else declared) -> separate.

    Per subscription: a measurement beats a declaration of the same question. The value
    starts with what decided: the subscriptions that need it and why, then the others.
    """
    threshold = f"retry rate > {p.max_retry_rate:g} or any dead letter, or declared needed"
    needs: list[tuple[Workload, list[Need]]] = []
    for w in ctx.workloads:
        found = [n for n in (retry_need(p, ctx, w), dead_letter_need(ctx, w)) if n is not None]
        # NOTE: what needs it first: a "needed" fact decides, whichever half it answers.
        needs.append((w, sorted(found, key=lambda n: not n.needed)))
    needed = [(w, n) for w, n in needs if n and n[0].needed]
    unknown = [w.name for w, n in needs if not n]
    missing = missing_evidence(
        criterion, ctx, "retry_rate", Aggregate(None, None, tuple(unknown) or (ctx.service.name,)),
        threshold, p.required,
    )
    how = f"{missing.how_to_get}; or declare {_DECLARE}"
    if not needed and len(unknown) == len(needs):
        return missing.model_copy(update={"how_to_get": how})

    def phrase(w: Workload, found: list[Need]) -> str:
        return f"{w.name} ({', '.join(n.reason for n in found)})"

    parts: list[str] = []
    if needed:
        parts.append("needed for " + ", ".join(phrase(w, n) for w, n in needed))
    rest = [(w, n) for w, n in needs if n and not n[0].needed]
    if rest:
        parts.append("not needed for " + ", ".join(phrase(w, n) for w, n in rest))
    if unknown:
        parts.append(f"not measured or declared for {', '.join(unknown)}")
    deciding = needed[0][1][0] if needed else rest[0][1][0]
    outcome: Literal["inline", "separate", "insufficient-data", "neutral"] = "inline"
    priority: Priority | None = None
    if needed:
        outcome = "separate"
        # NOTE: the review's "several event types": the service's, as one crash loses the
        # in-flight retries of all of them.
        priority = "high" if len(ctx.workloads) >= p.several_event_types else "medium"
    elif unknown and p.required:
        outcome = "insufficient-data"
    return Evidence(
        criterion=criterion, value="; ".join(parts), threshold=threshold, unit=deciding.unit,
        outcome=outcome, priority=priority, source=deciding.source, location=deciding.location,
        how_to_get=how if outcome == "insufficient-data" else None,
    )  # fmt: skip


_DECLARE = (
    "retry_needed: true|false and dead_letter_needed: true|false on the topic under"
    " x-archcheck.events or the snapshot's workload (docs/x-archcheck.md)"
)


def declared_disagreements(p: RetryParams, facts: Facts) -> list[Note]:
    """Where a measurement answers a question a declaration answers differently (it wins)."""
    out: list[Note] = []
    for (service_name, kind), workloads in facts.workloads.items():
        service = facts.services.get(service_name)
        if kind != "events" or service is None:
            continue
        ctx = KindContext(service, kind, tuple(workloads), facts)
        for w in workloads:
            for fact, measured in (
                ("retry_needed", retry_need(p, ctx, w)),
                ("dead_letter_needed", dead_letter_need(ctx, w)),
            ):
                d = facts.declaration(service_name, w.name, fact)
                if d is None or measured is None or not measured.measured:
                    continue
                if measured.needed != d.value:
                    at = f" at {d.location.file}:{d.location.line}" if d.location else ""
                    text = (
                        f"{service_name}/{w.name}: {measured.reason} ({measured.source}) says"
                        f" {fact} is {str(measured.needed).lower()}, but {d.source}{at} declares"
                        f" {str(d.value).lower()}; the measurement wins"
                    )
                    out.append(Note(text=text, service=service_name, location=d.location))
    return out


def _fmt(value: float | None) -> str:
    return "missing" if value is None else f"{value:g}"


class CronRunTimeParams(Params):
    """Run time of the slowest scheduled job."""

    metric: Literal["cron_duration_s_p95", "cron_duration_s_max"] = "cron_duration_s_p95"
    inline_max_s: float = spec(default=10, gt=0, description="Up to this: inline.")
    separate_above_s: float = spec(default=60, gt=0, description="Above this: separate, medium priority.")

    def check_record(self) -> None:
        _ordered(self, "inline_max_s", "separate_above_s")


def cron_run_time(p: CronRunTimeParams, ctx: KindContext, criterion: str) -> Evidence:
    """The review: < 10 s inline, > 1 min separate (medium); in between low priority."""
    return _tiered(
        criterion, ctx, p.metric, "max",
        [(p.separate_above_s, "medium"), (p.inline_max_s, "low")], p.inline_max_s, p.required,
    )


class SchedulesParams(Params):
    """How many different schedules the service runs."""

    required: bool = False
    min_distinct: int = spec(default=2, ge=2, description="This many distinct schedules: separate.")


def schedules(p: SchedulesParams, ctx: KindContext, criterion: str) -> Evidence:
    """The review: one simple ticker inline; several jobs with different intervals separate."""
    known = {w.schedule for w in ctx.workloads if w.schedule}
    threshold = f">= {p.min_distinct}"
    location = ctx.workloads[0].location if ctx.workloads else None
    if not known:
        return Evidence(
            criterion=criterion, value=None, threshold=threshold, unit="schedules",
            outcome="insufficient-data" if p.required else "neutral", source="x-archcheck",
            how_to_get="declare each job's schedule under x-archcheck.cron (docs/x-archcheck.md)",
        )
    separate = len(known) >= p.min_distinct
    return Evidence(
        criterion=criterion, value=f"{len(known)} ({', '.join(sorted(known))})",
        threshold=threshold, unit="schedules", outcome="separate" if separate else "inline",
        priority="medium" if separate else None, source="x-archcheck", location=location,
    )


class ResourceParams(Params):
    """CPU or memory use against the service's limits."""

    required: bool = False
    cpu_ratio: float = spec(default=0.7, gt=0, le=1, description="Above this CPU/limit: high usage.")
    memory_ratio: float = spec(default=0.8, gt=0, le=1, description="Above this memory/limit: high.")


def resource_usage(p: ResourceParams, ctx: KindContext, criterion: str) -> Evidence:
    """The review: resource-heavy batches belong in their own container, with their own limits."""
    name = ctx.service.name
    cpu = ctx.facts.get(name, "cpu_usage_ratio")
    mem = ctx.facts.get(name, "memory_usage_ratio")
    threshold = f"cpu > {p.cpu_ratio:g} or memory > {p.memory_ratio:g} of the limit"
    if cpu is None and mem is None:
        agg = Aggregate(None, None, (name,))
        return missing_evidence(criterion, ctx, "cpu_usage_ratio", agg, threshold, p.required)
    high = (cpu is not None and cpu.value > p.cpu_ratio) or (
        mem is not None and mem.value > p.memory_ratio
    )
    deciding = cpu if cpu is not None and (mem is None or cpu.value > p.cpu_ratio) else mem
    return Evidence(
        criterion=criterion,
        value=f"cpu {_fmt(cpu.value if cpu else None)}, memory {_fmt(mem.value if mem else None)}",
        threshold=threshold, unit="ratio", outcome="separate" if high else "inline",
        priority="medium" if high else None, source=_source(deciding),
        location=_location(deciding),
    )


class ScalingParams(Params):
    """Backlog that says the handlers need to scale on their own."""

    required: bool = False
    queue_size_max: float = spec(default=100, ge=0, description="Above this backlog: scale separately.")


def scaling_needs(p: ScalingParams, ctx: KindContext, criterion: str) -> Evidence:
    """A growing queue means the handlers need independent scaling."""
    agg = aggregate(ctx, "queue_size", "sum")
    threshold = f"> {p.queue_size_max:g}"
    if agg.value is None:
        return missing_evidence(criterion, ctx, "queue_size", agg, threshold, p.required)
    separate = agg.value > p.queue_size_max
    return Evidence(
        criterion=criterion, value=agg.value, threshold=threshold, unit="count",
        outcome="separate" if separate else "inline", priority="medium" if separate else None,
        source=_source(agg.measurement), location=_location(agg.measurement),
    )


class DeployFrequencyParams(Params):
    """Deploy frequency is context, not a decider: shown so reviewers can weigh it."""

    required: bool = False


def deploy_frequency(p: DeployFrequencyParams, ctx: KindContext, criterion: str) -> Evidence:
    """Frequent API deploys restart inline workers too; recorded as neutral evidence."""
    m = ctx.facts.get(ctx.service.name, "deploys_per_week")
    if m is None:
        agg = Aggregate(None, None, (ctx.service.name,))
        evidence = missing_evidence(criterion, ctx, "deploys_per_week", agg, "-", False)
        return evidence
    return Evidence(
        criterion=criterion, value=m.value, unit=m.unit, outcome="neutral",
        source=_source(m), location=m.location,
    )


def _default_steps() -> dict[Environment, int]:
    return {"production": 0, "staging": 1, "development": 2}


class EnvironmentParams(Params):
    """How many priority steps a non-production environment removes."""

    required: bool = False
    downgrade_steps: dict[Environment, int] = spec(
        default_factory=_default_steps,
        description="Priority steps removed per environment; below low means keep inline.",
    )


def environment(p: EnvironmentParams, ctx: KindContext, criterion: str) -> Evidence:
    """Production separates; development and staging downgrade (the review keeps them inline).

    Undeclared, production is assumed: the report states that default once (``Report.defaults``)
    and the engine leaves this evidence out of the verdicts.
    """
    env = ctx.facts.environment(ctx.service)
    if env is None:
        return Evidence(
            criterion=criterion, value=None, threshold="production", outcome="neutral",
            source="x-archcheck", how_to_get=ENVIRONMENT_DEFAULT,
        )
    steps = p.downgrade_steps.get(env, 0)
    source, location = _environment_source(ctx)
    return Evidence(
        criterion=criterion, value=env, threshold="production", outcome="neutral",
        unit="declaration", source=source, location=location,
        how_to_get=None if steps == 0 else f"priority lowered by {steps} step(s)",
    )


ENVIRONMENT_DEFAULT = (
    "environment: production (not declared; declare environment: production|staging|development"
    " under the top-level x-archcheck, docs/x-archcheck.md)"
)


def _environment_source(ctx: KindContext) -> tuple[str, Location | None]:
    """Where the service's environment is declared: its own x-archcheck, the snapshot, or the
    top-level x-archcheck (or ``--environment``)."""
    own = ctx.service.environment_location
    if own is not None:
        return f"{own.file}:{own.line}", own
    if ctx.service.environment is not None:
        return "the metrics snapshot", None
    top = ctx.facts.system.environment_location
    if top is not None:
        return f"{top.file}:{top.line}", top
    return "--environment", None
