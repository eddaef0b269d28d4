"""Boundary tests for every decision-matrix criterion: just below, just above, and missing.

Each case starts from a service whose measurements are all comfortably inline, changes one
measurement, and checks both the criterion's evidence and the resulting verdict. The shipped
rules (rules/AC0*.yaml) are used as they are, so these tests pin the review's thresholds.
"""

from __future__ import annotations

import pytest

from archcheck.engine import evaluate, load_ruleset
from archcheck.engine.ruleset import Ruleset
from archcheck.metrics import METRICS
from archcheck.model import Environment, Measurement, Service, System, Verdict, Workload

REMOVE = object()

INLINE_EVENTS = {
    "events_per_minute": 10.0,
    "processing_ms_p95": 10.0,
    "retry_rate": 0.0,
    "dead_letter_count": 0.0,
    "queue_size": 0.0,
}
INLINE_CRON = {"cron_duration_s_p95": 2.0}
INLINE_SERVICE = {"cpu_usage_ratio": 0.1, "memory_usage_ratio": 0.1, "deploys_per_week": 3.0}


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset()


def system(
    kind: str,
    workload_values: dict[str, object] | None = None,
    service_values: dict[str, object] | None = None,
    *,
    workloads: int = 1,
    schedules: tuple[str | None, ...] = ("*/5 * * * *",),
    environment: Environment | None = "production",
    dead_letter_topic: str | None = None,
) -> System:
    base = dict(INLINE_EVENTS if kind == "events" else INLINE_CRON)
    base.update(workload_values or {})
    svc_values = {**INLINE_SERVICE, **(service_values or {})}
    names = [f"{kind}-{i}" for i in range(workloads)]
    wl = [
        Workload(
            service="svc", kind=kind, name=name,  # type: ignore[arg-type]
            schedule=schedules[i % len(schedules)] if kind == "cron" else None,
            topic=name if kind == "events" else None,
            dead_letter_topic=dead_letter_topic,
        )
        for i, name in enumerate(names)
    ]
    measurements = [
        Measurement(service="svc", workload=name, metric=metric, value=float(value),  # type: ignore[arg-type]
                    unit=METRICS[metric].unit, source="test")
        for name in names
        for metric, value in base.items()
        if value is not REMOVE
    ] + [
        Measurement(service="svc", metric=metric, value=float(value), unit=METRICS[metric].unit,  # type: ignore[arg-type]
                    source="test")
        for metric, value in svc_values.items()
        if value is not REMOVE
    ]
    return System(
        project="t", services=(Service(name="svc", role="api"),), workloads=tuple(wl),
        measurements=tuple(measurements), environment=environment,
    )


def verdict(ruleset: Ruleset, sys_: System) -> Verdict:
    report = evaluate(sys_, ruleset)
    assert len(report.verdicts) == 1, report.verdicts
    return report.verdicts[0]


def outcome(v: Verdict, criterion: str) -> tuple[str, str | None]:
    [e] = [e for e in v.evidence if e.criterion == criterion]
    return e.outcome, e.priority


def test_all_inline_baseline_is_inline(ruleset: Ruleset) -> None:
    for kind in ("events", "cron"):
        v = verdict(ruleset, system(kind))
        assert (v.decision, v.priority) == ("inline", "low"), v.summary


# (criterion, kind, metric, value, expected criterion outcome, expected priority)
TIERED = [
    ("event volume", "events", "events_per_minute", 100.0, "inline", None),
    ("event volume", "events", "events_per_minute", 100.01, "separate", "medium"),
    ("event volume", "events", "events_per_minute", 1000.0, "separate", "medium"),
    ("event volume", "events", "events_per_minute", 1000.01, "separate", "high"),
    ("processing time", "events", "processing_ms_p95", 50.0, "inline", None),
    ("processing time", "events", "processing_ms_p95", 50.01, "separate", "medium"),
    ("processing time", "events", "processing_ms_p95", 100.0, "separate", "medium"),
    ("processing time", "events", "processing_ms_p95", 100.01, "separate", "high"),
    ("retry / dead-letter queue", "events", "retry_rate", 0.01, "inline", None),
    ("retry / dead-letter queue", "events", "retry_rate", 0.0101, "separate", "medium"),
    ("retry / dead-letter queue", "events", "dead_letter_count", 1.0, "separate", "medium"),
    ("scaling needs", "events", "queue_size", 100.0, "inline", None),
    ("scaling needs", "events", "queue_size", 100.01, "separate", "medium"),
    ("cron job run time", "cron", "cron_duration_s_p95", 10.0, "inline", None),
    ("cron job run time", "cron", "cron_duration_s_p95", 10.01, "separate", "low"),
    ("cron job run time", "cron", "cron_duration_s_p95", 60.0, "separate", "low"),
    ("cron job run time", "cron", "cron_duration_s_p95", 60.01, "separate", "medium"),
]


@pytest.mark.parametrize(
    ("criterion", "kind", "metric", "value", "expected", "priority"),
    TIERED,
    ids=[f"{c[2]}={c[3]}" for c in TIERED],
)
def test_threshold_boundaries(
    ruleset: Ruleset, criterion: str, kind: str, metric: str, value: float, expected: str,
    priority: str | None,
) -> None:
    v = verdict(ruleset, system(kind, {metric: value}))
    assert outcome(v, criterion) == (expected, priority)
    if expected == "inline":
        assert (v.decision, v.priority) == ("inline", "low")
    else:
        assert (v.decision, v.priority) == ("separate", priority)


@pytest.mark.parametrize(
    ("metric", "value", "expected", "priority"),
    [
        ("cpu_usage_ratio", 0.7, "inline", None),
        ("cpu_usage_ratio", 0.7001, "separate", "medium"),
        ("memory_usage_ratio", 0.8, "inline", None),
        ("memory_usage_ratio", 0.8001, "separate", "medium"),
    ],
)
@pytest.mark.parametrize("kind", ["events", "cron"])
def test_resource_usage_boundaries(
    ruleset: Ruleset, kind: str, metric: str, value: float, expected: str, priority: str | None
) -> None:
    v = verdict(ruleset, system(kind, service_values={metric: value}))
    assert outcome(v, "resource usage") == (expected, priority)
    assert v.decision == expected


@pytest.mark.parametrize(
    ("kind", "metric", "criterion"),
    [
        ("events", "events_per_minute", "event volume"),
        ("events", "processing_ms_p95", "processing time"),
        ("cron", "cron_duration_s_p95", "cron job run time"),
    ],
)
def test_missing_required_measurement_is_insufficient_data(
    ruleset: Ruleset, kind: str, metric: str, criterion: str
) -> None:
    v = verdict(ruleset, system(kind, {metric: REMOVE}))
    assert v.decision == "insufficient-data"
    [e] = [e for e in v.evidence if e.criterion == criterion]
    assert e.outcome == "insufficient-data" and e.value is None
    assert e.how_to_get and metric in e.how_to_get and "metrics snapshot" in e.how_to_get
    assert metric in v.summary


def test_missing_retry_signals_is_insufficient_data(ruleset: Ruleset) -> None:
    v = verdict(ruleset, system("events", {"retry_rate": REMOVE, "dead_letter_count": REMOVE}))
    assert outcome(v, "retry / dead-letter queue") == ("insufficient-data", None)
    assert v.decision == "insufficient-data"


def test_declared_dead_letter_topic_means_retry_is_needed(ruleset: Ruleset) -> None:
    v = verdict(
        ruleset,
        system("events", {"retry_rate": REMOVE, "dead_letter_count": REMOVE},
               dead_letter_topic="t.dlq"),
    )
    assert outcome(v, "retry / dead-letter queue") == ("separate", "medium")


def test_retry_with_several_event_types_is_high(ruleset: Ruleset) -> None:
    one = verdict(ruleset, system("events", {"retry_rate": 0.05}, workloads=1))
    two = verdict(ruleset, system("events", {"retry_rate": 0.05}, workloads=2))
    assert outcome(one, "retry / dead-letter queue") == ("separate", "medium")
    assert outcome(two, "retry / dead-letter queue") == ("separate", "high")


def test_event_volume_sums_subscriptions(ruleset: Ruleset) -> None:
    # 2 x 60/min = 120/min: each is inline alone, together above 100/min.
    v = verdict(ruleset, system("events", {"events_per_minute": 60.0}, workloads=2))
    assert outcome(v, "event volume") == ("separate", "medium")


def test_one_workload_missing_a_value_is_not_inline(ruleset: Ruleset) -> None:
    s = system("events", workloads=2)
    kept = tuple(
        m for m in s.measurements
        if not (m.workload == "events-1" and m.metric == "processing_ms_p95")
    )
    v = verdict(ruleset, s.model_copy(update={"measurements": kept}))
    assert outcome(v, "processing time") == ("insufficient-data", None)
    assert v.decision == "insufficient-data"


def test_service_level_value_stands_in_for_workloads(ruleset: Ruleset) -> None:
    v = verdict(
        ruleset,
        system("events", {"events_per_minute": REMOVE}, {"events_per_minute": 150.0}),
    )
    assert outcome(v, "event volume") == ("separate", "medium")


@pytest.mark.parametrize(
    ("schedules", "expected"),
    [(("*/5 * * * *",), "inline"), (("*/5 * * * *", "*/5 * * * *"), "inline"),
     (("*/5 * * * *", "0 2 * * *"), "separate")],
)
def test_distinct_schedules(ruleset: Ruleset, schedules: tuple[str, ...], expected: str) -> None:
    v = verdict(ruleset, system("cron", workloads=len(schedules), schedules=schedules))
    assert outcome(v, "schedules")[0] == expected
    assert v.decision == expected


def test_unknown_schedule_is_neutral_not_blocking(ruleset: Ruleset) -> None:
    v = verdict(ruleset, system("cron", schedules=(None,)))
    assert outcome(v, "schedules") == ("neutral", None)
    assert v.decision == "inline"


@pytest.mark.parametrize("metric", ["cpu_usage_ratio", "queue_size", "deploys_per_week"])
def test_optional_measurements_missing_do_not_block(ruleset: Ruleset, metric: str) -> None:
    if metric == "queue_size":
        s = system("events", {"queue_size": REMOVE})
    else:
        s = system("events", service_values={metric: REMOVE, "memory_usage_ratio": REMOVE})
    v = verdict(ruleset, s)
    assert v.decision == "inline"
    missing = [e for e in v.evidence if e.value is None]
    assert missing and all(e.outcome == "neutral" and e.how_to_get for e in missing)


@pytest.mark.parametrize(
    ("environment", "volume", "decision", "priority"),
    [
        ("production", 1500.0, "separate", "high"),
        (None, 1500.0, "separate", "high"),
        ("staging", 1500.0, "separate", "medium"),
        ("staging", 150.0, "separate", "low"),
        ("development", 1500.0, "separate", "low"),
        ("development", 150.0, "inline", "low"),
    ],
)
def test_environment_downgrades(
    ruleset: Ruleset, environment: Environment | None, volume: float, decision: str, priority: str
) -> None:
    v = verdict(ruleset, system("events", {"events_per_minute": volume}, environment=environment))
    assert (v.decision, v.priority) == (decision, priority)
    if environment == "development" and decision == "inline":
        assert "in production this would be" in v.summary


def test_service_environment_wins_over_project(ruleset: Ruleset) -> None:
    s = system("events", {"events_per_minute": 150.0}, environment="production")
    dev = s.model_copy(
        update={"services": (Service(name="svc", role="api", environment="development"),)}
    )
    assert verdict(ruleset, dev).decision == "inline"


def test_deploy_frequency_never_decides(ruleset: Ruleset) -> None:
    v = verdict(ruleset, system("events", service_values={"deploys_per_week": 500.0}))
    assert outcome(v, "deploy frequency") == ("neutral", None)
    assert v.decision == "inline"
