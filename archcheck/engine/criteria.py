"""The decision matrix's criteria: each turns one service's workloads of one kind into Evidence.

Thresholds come from the rule's params (``rules/AC0*.yaml``, overridable in ``.archcheck.yaml``);
a missing measurement gives ``outcome="insufficient-data"`` with instructions, never ``inline``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from archcheck.engine.facts import KindContext, how_to_get
from archcheck.metrics import METRICS
from archcheck.model import Environment, Evidence, Location, Measurement, Priority

P = TypeVar("P", bound="Params")


def _ordered(params: P, low: str, high: str) -> P:
    """Tiers must rise: an ``inline_max`` above ``high_above`` would skip the middle tier."""
    if getattr(params, low) > getattr(params, high):
        raise ValueError(f"{low} ({getattr(params, low):g}) is above {high} "
                         f"({getattr(params, high):g}): give {low} <= {high}")  # fmt: skip
    return params


class Params(BaseModel):
    """Base of every check's parameters: strict, so a typo in a rule or config is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    required: bool = Field(
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

    inline_max: float = Field(100, gt=0, description="Up to this many events/min: inline.")
    high_above: float = Field(1000, gt=0, description="Above this: separate, high priority.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        return _ordered(self, "inline_max", "high_above")


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
    inline_max_ms: float = Field(50, gt=0, description="Up to this: inline.")
    high_above_ms: float = Field(100, gt=0, description="Above this: separate, high priority.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        return _ordered(self, "inline_max_ms", "high_above_ms")


def processing_time(p: ProcessingTimeParams, ctx: KindContext, criterion: str) -> Evidence:
    """The review: < 50 ms inline, > 50 ms separate, > 100 ms high priority."""
    return _tiered(
        criterion, ctx, p.metric, "max",
        [(p.high_above_ms, "high"), (p.inline_max_ms, "medium")], p.inline_max_ms, p.required,
    )


class RetryParams(Params):
    """Whether deliveries need retries or a dead-letter queue."""

    max_retry_rate: float = Field(
        0.01, ge=0, le=1, description="Above this share of retried deliveries, retry is needed."
    )
    several_event_types: int = Field(
        2, ge=1, description="With retry needed and this many event types or more: high."
    )


def retry_dead_letter(p: RetryParams, ctx: KindContext, criterion: str) -> Evidence:
    """Retry/DLQ needed (retry rate, dead letters, a declared DLQ topic) -> separate."""
    threshold = f"retry rate > {p.max_retry_rate:g} or any dead letter"
    rate = aggregate(ctx, "retry_rate", "max")
    dead = aggregate(ctx, "dead_letter_count", "sum")
    dlq_topics = [w.name for w in ctx.workloads if w.dead_letter_topic]
    if rate.value is None and dead.value is None and not dlq_topics:
        return missing_evidence(criterion, ctx, "retry_rate", rate, threshold, p.required)
    needed = (
        (rate.value is not None and rate.value > p.max_retry_rate)
        or (dead.value is not None and dead.value > 0)
        or bool(dlq_topics)
    )
    value = f"retry rate {_fmt(rate.value)}, {_fmt(dead.value)} dead letters"
    if dlq_topics:
        value += f", dead-letter topic for {', '.join(dlq_topics)}"
    deciding = rate.measurement or dead.measurement
    if not needed:
        return Evidence(
            criterion=criterion, value=value, threshold=threshold, outcome="inline",
            source=_source(deciding), location=_location(deciding),
        )
    several = len(ctx.workloads) >= p.several_event_types
    return Evidence(
        criterion=criterion, value=value, threshold=threshold, outcome="separate",
        priority="high" if several else "medium",
        source=_source(deciding), location=_location(deciding),
    )


def _fmt(value: float | None) -> str:
    return "missing" if value is None else f"{value:g}"


class CronRunTimeParams(Params):
    """Run time of the slowest scheduled job."""

    metric: Literal["cron_duration_s_p95", "cron_duration_s_max"] = "cron_duration_s_p95"
    inline_max_s: float = Field(10, gt=0, description="Up to this: inline.")
    separate_above_s: float = Field(60, gt=0, description="Above this: separate, medium priority.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        return _ordered(self, "inline_max_s", "separate_above_s")


def cron_run_time(p: CronRunTimeParams, ctx: KindContext, criterion: str) -> Evidence:
    """The review: < 10 s inline, > 1 min separate (medium); in between low priority."""
    return _tiered(
        criterion, ctx, p.metric, "max",
        [(p.separate_above_s, "medium"), (p.inline_max_s, "low")], p.inline_max_s, p.required,
    )


class SchedulesParams(Params):
    """How many different schedules the service runs."""

    required: bool = False
    min_distinct: int = Field(2, ge=2, description="This many distinct schedules: separate.")


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
    cpu_ratio: float = Field(0.7, gt=0, le=1, description="Above this CPU/limit: high usage.")
    memory_ratio: float = Field(0.8, gt=0, le=1, description="Above this memory/limit: high.")


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
    queue_size_max: float = Field(100, ge=0, description="Above this backlog: scale separately.")


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
    downgrade_steps: dict[Environment, int] = Field(
        default_factory=_default_steps,
        description="Priority steps removed per environment; below low means keep inline.",
    )


def environment(p: EnvironmentParams, ctx: KindContext, criterion: str) -> Evidence:
    """Production separates; development and staging downgrade (the review keeps them inline)."""
    env = ctx.facts.environment(ctx.service)
    if env is None:
        return Evidence(
            criterion=criterion, value=None, threshold="production", outcome="neutral",
            source="x-archcheck", how_to_get="declare environment: production|staging|"
            "development under the top-level x-archcheck (assumed production)",
        )
    steps = p.downgrade_steps.get(env, 0)
    return Evidence(
        criterion=criterion, value=env, threshold="production", outcome="neutral",
        source="x-archcheck", location=ctx.service.location,
        how_to_get=None if steps == 0 else f"priority lowered by {steps} step(s)",
    )
