"""The decision charts: one point per workload, on the axes of the rules that judged it.

Event handlers: volume against processing time; cron jobs: run time against the interval
between runs. The limits drawn on each axis are the rules' params (after ``.archcheck.yaml``),
so a chart never shows a threshold the verdicts were not judged by. A workload whose value is
missing keeps ``None`` (and how to provide it): reports show it as missing, never at zero.
"""

from __future__ import annotations

import re

from archcheck.engine.criteria import (
    CronRunTimeParams,
    EventVolumeParams,
    ProcessingTimeParams,
)
from archcheck.engine.facts import Facts, how_to_get
from archcheck.engine.ruleset import Ruleset
from archcheck.model import (
    Chart,
    ChartAxis,
    ChartPoint,
    ChartThreshold,
    Verdict,
    Workload,
)

_EVERY = re.compile(r"@every\s+((?:\d+(?:\.\d+)?(?:ms|s|m|h))+)$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_DESCRIPTORS = {
    "@hourly": 3600.0, "@daily": 86400.0, "@midnight": 86400.0, "@weekly": 604800.0,
    "@monthly": 2629800.0, "@yearly": 31557600.0, "@annually": 31557600.0,
}  # fmt: skip
_STEP = re.compile(r"^(?:\*|\d+(?:-\d+)?)/(\d+)$")
_TIMEZONE = re.compile(r"^(CRON_)?TZ=\S+\s+")


def charts(facts: Facts, ruleset: Ruleset, verdicts: list[Verdict]) -> tuple[Chart, ...]:
    """The events and cron charts of every verdict's workloads (a chart only when it has any)."""
    by_key: dict[tuple[str, str], Verdict] = {(v.service, v.kind): v for v in verdicts}
    params = {r.check: r.params for r in ruleset.enabled("criterion")}
    out: list[Chart] = []
    events = [w for w in facts.system.workloads if w.kind == "events"]
    cron = [w for w in facts.system.workloads if w.kind == "cron"]
    volume, latency = params.get("event_volume"), params.get("processing_time")
    if (
        events
        and isinstance(volume, EventVolumeParams)
        and isinstance(latency, ProcessingTimeParams)
    ):
        out.append(_events_chart(facts, events, by_key, volume, latency))
    run_time = params.get("cron_run_time")
    if cron and isinstance(run_time, CronRunTimeParams):
        out.append(_cron_chart(facts, cron, by_key, run_time))
    return tuple(c for c in out if c.points)


def _events_chart(
    facts: Facts,
    workloads: list[Workload],
    by_key: dict[tuple[str, str], Verdict],
    volume: EventVolumeParams,
    latency: ProcessingTimeParams,
) -> Chart:
    points = []
    for w in workloads:
        verdict = by_key.get((w.service, "events"))
        if verdict is None:
            continue
        x, x_source = _value(facts, w, "events_per_minute")
        y, y_source = _value(facts, w, latency.metric)
        points.append(_point(w, verdict, x, y, x_source, y_source))
    return Chart(
        kind="events",
        title="Event handlers: volume against processing time",
        x=ChartAxis(
            label="event volume", unit="events/min",
            thresholds=(
                ChartThreshold(value=volume.inline_max, label=f"inline up to {volume.inline_max:g}/min"),
                ChartThreshold(value=volume.high_above, label=f"high above {volume.high_above:g}/min"),
            ),
        ),
        y=ChartAxis(
            label=f"processing time ({latency.metric.rsplit('_', 1)[-1]})", unit="ms",
            thresholds=(
                ChartThreshold(value=latency.inline_max_ms, label=f"inline up to {latency.inline_max_ms:g} ms"),
                ChartThreshold(value=latency.high_above_ms, label=f"high above {latency.high_above_ms:g} ms"),
            ),
        ),
        points=tuple(points),
    )  # fmt: skip


def _cron_chart(
    facts: Facts,
    workloads: list[Workload],
    by_key: dict[tuple[str, str], Verdict],
    run_time: CronRunTimeParams,
) -> Chart:
    points = []
    for w in workloads:
        verdict = by_key.get((w.service, "cron"))
        if verdict is None:
            continue
        x, x_source = _value(facts, w, run_time.metric)
        interval = interval_seconds(w.schedule) if w.schedule else None
        if interval is not None:
            y_source = f"schedule {w.schedule}" + (f" at {w.location}" if w.location else "")
        elif w.schedule:
            y_source = f"schedule {w.schedule!r}: its interval cannot be read"
        else:
            y_source = "no schedule: declare it under x-archcheck.cron (docs/x-archcheck.md)"
        points.append(_point(w, verdict, x, interval, x_source, y_source))
    return Chart(
        kind="cron",
        title="Cron jobs: run time against the interval between runs",
        x=ChartAxis(
            label=f"run time ({run_time.metric.rsplit('_', 1)[-1]})", unit="s",
            thresholds=(
                ChartThreshold(value=run_time.inline_max_s, label=f"inline up to {run_time.inline_max_s:g} s"),
                ChartThreshold(value=run_time.separate_above_s, label=f"separate above {run_time.separate_above_s:g} s"),
            ),
        ),
        y=ChartAxis(label="interval between runs", unit="s"),
        points=tuple(points),
        diagonal="runs as long as its interval",
    )  # fmt: skip


def _point(
    w: Workload,
    verdict: Verdict,
    x: float | None,
    y: float | None,
    x_source: str,
    y_source: str,
) -> ChartPoint:
    return ChartPoint(
        service=w.service, workload=w.name, x=x, y=y,
        decision=verdict.decision, priority=verdict.priority, separated=verdict.met,
        x_source=x_source, y_source=y_source, location=w.location,
    )  # fmt: skip


def _value(facts: Facts, w: Workload, metric: str) -> tuple[float | None, str]:
    """The workload's own measurement; the service's when it has this one workload of its kind.

    A service-wide value of a service with several workloads is their sum (or slowest), not
    this workload's: it stays missing rather than putting every workload at the total.
    """
    found = facts.get(w.service, metric, w.name)
    if found is None and len(facts.workloads.get((w.service, w.kind), ())) == 1:
        found = facts.get(w.service, metric)
    if found is None:
        return None, f"{metric} missing: {how_to_get(metric, w.service, w.name)}"
    where = f"at {found.location}" if found.location else f"from {found.source}"
    return found.value, f"{metric} {where}"


def interval_seconds(spec: str) -> float | None:
    """The usual time between two runs of a schedule, when its shape makes it plain.

    ``@every 90s`` -> 90, ``*/5 * * * *`` -> 300, ``0 3 * * *`` -> 86400; None for what has no
    single interval (``0 9-17 * * 1-5``).
    """
    body = _TIMEZONE.sub("", spec.strip())
    every = _EVERY.fullmatch(body)
    if every is not None:
        total = sum(float(n) * _SECONDS[u] for n, u in _DURATION_PART.findall(every.group(1)))
        return total or None
    if body in _DESCRIPTORS:
        return _DESCRIPTORS[body]
    fields = body.split()
    if len(fields) == 6:
        second, fields = fields[0], fields[1:]
        if fields[:4] == ["*"] * 4 and fields[4] == "*":
            return _field_interval(second, 1.0, 60)
    if len(fields) != 5:
        return None
    minute, hour, day, month, weekday = fields
    if (day, month) != ("*", "*"):
        return 2629800.0 if weekday == "*" and day.isdigit() and month == "*" else None
    if weekday != "*":
        return 604800.0 if weekday.isdigit() and hour.isdigit() and minute.isdigit() else None
    if hour == "*":
        return _field_interval(minute, 60.0, 60)
    if minute.isdigit() or minute == "0":
        return _field_interval(hour, 3600.0, 24)
    return None


def _field_interval(field: str, unit: float, span: int) -> float | None:
    """The interval of one cron field over its span: ``*`` every unit, ``*/n``, a list, a value."""
    if field == "*":
        return unit
    step = _STEP.fullmatch(field)
    if step is not None and field.startswith("*"):
        return unit * int(step.group(1))
    values = field.split(",")
    if all(v.isdigit() for v in values):
        return unit * span / len(values)
    return None
