"""The canonical measurements archcheck understands: name, unit, scope and how to obtain each.

Every source (snapshot file, Prometheus text or API, Docker) produces ``Measurement``s named
after a key of ``METRICS`` in its canonical unit, so the engine compares like with like. Values
written with another unit (``"0.12s"``, ``"512Mi"``) are converted by ``to_canonical``.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from archcheck.structs import dataclass

Scope = Literal["service", "workload", "both"]
LiveSource = Literal["prometheus", "docker", "git"]
WorkKind = Literal["events", "cron"]
Dimension = Literal[
    "rate", "per_week", "duration_ms", "duration_s", "ratio", "count", "bytes", "cores"
]


@dataclass(frozen=True)
class MetricSpec:
    """One canonical measurement."""

    name: str
    unit: str
    """The canonical unit values are stored in (``1/min``, ``ms``, ``s``, ``ratio``...)."""
    dimension: Dimension
    scope: Scope
    """Whether it is measured per service, per workload (topic or job), or either."""
    description: str
    measured_by: tuple[LiveSource, ...]
    """The live sources that measure it (the PromQL itself is data: rules/sources/prometheus.yaml)."""
    kind: WorkKind | None = None
    """The kind of workload a per-workload value implies (``events`` for a rate, ``cron`` for a
    job's run time); None when the metric says nothing about it."""


def _spec(
    name: str,
    unit: str,
    dimension: Dimension,
    scope: Scope,
    description: str,
    measured_by: tuple[LiveSource, ...],
    kind: WorkKind | None = None,
) -> MetricSpec:
    return MetricSpec(name, unit, dimension, scope, description, measured_by, kind)


_PROMETHEUS: tuple[LiveSource, ...] = ("prometheus",)
_CONTAINER: tuple[LiveSource, ...] = ("prometheus", "docker")

METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        _spec(
            "events_per_minute",
            "1/min",
            "rate",
            "both",
            "Events handled per minute (all statuses).",
            _PROMETHEUS,
            "events",
        ),
        _spec(
            "processing_ms_p50",
            "ms",
            "duration_ms",
            "both",
            "Median processing time per event.",
            _PROMETHEUS,
            "events",
        ),
        _spec(
            "processing_ms_p95",
            "ms",
            "duration_ms",
            "both",
            "95th percentile processing time per event.",
            _PROMETHEUS,
            "events",
        ),
        _spec(
            "processing_ms_p99",
            "ms",
            "duration_ms",
            "both",
            "99th percentile processing time per event.",
            _PROMETHEUS,
            "events",
        ),
        _spec(
            "retry_rate",
            "ratio",
            "ratio",
            "both",
            "Share of deliveries that were retries or failed (0..1).",
            _PROMETHEUS,
            "events",
        ),
        _spec(
            "dead_letter_count",
            "count",
            "count",
            "both",
            "Events sent to a dead-letter topic during the window.",
            _PROMETHEUS,
            "events",
        ),
        _spec(
            "cron_duration_s_p95",
            "s",
            "duration_s",
            "workload",
            "95th percentile run time of a scheduled job.",
            _PROMETHEUS,
            "cron",
        ),
        _spec(
            "cron_duration_s_max",
            "s",
            "duration_s",
            "workload",
            "Longest run of a scheduled job.",
            _PROMETHEUS,
            "cron",
        ),
        _spec(
            "cpu_usage_ratio",
            "ratio",
            "ratio",
            "service",
            "CPU used as a fraction of the service's CPU limit (p95 over the window).",
            _CONTAINER,
        ),
        _spec(
            "memory_usage_ratio",
            "ratio",
            "ratio",
            "service",
            "Memory working set as a fraction of the memory limit (max over the window).",
            _CONTAINER,
        ),
        _spec(
            "cpu_cores",
            "cores",
            "cores",
            "service",
            "CPU cores used (average over the window).",
            _CONTAINER,
        ),
        _spec(
            "memory_bytes",
            "bytes",
            "bytes",
            "service",
            "Memory working set in bytes (max over the window).",
            _CONTAINER,
        ),
        _spec(
            "queue_size",
            "count",
            "count",
            "both",
            "Events or jobs waiting (max over the window).",
            _PROMETHEUS,
        ),
        _spec(
            "deploys_per_week",
            "1/week",
            "per_week",
            "service",
            "How often the service is deployed.",
            ("git",),
        ),
        _spec(
            "restart_count",
            "count",
            "count",
            "service",
            "Container restarts during the window.",
            ("docker",),
        ),
        _spec(
            "oom_kills",
            "count",
            "count",
            "service",
            "Containers killed for running out of memory during the window.",
            _CONTAINER,
        ),
    )
}

_UNITS: dict[Dimension, dict[str, float]] = {
    "rate": {
        "": 1.0,
        "1/min": 1.0,
        "/min": 1.0,
        "per_minute": 1.0,
        "rpm": 1.0,
        "1/s": 60.0,
        "/s": 60.0,
        "per_second": 60.0,
        "rps": 60.0,
        "1/h": 1 / 60,
        "/h": 1 / 60,
        "per_hour": 1 / 60,
    },
    "per_week": {"": 1.0, "1/week": 1.0, "/week": 1.0, "per_week": 1.0, "1/day": 7.0, "/day": 7.0},
    "duration_ms": {"": 1.0, "ms": 1.0, "us": 0.001, "µs": 0.001, "s": 1000.0, "m": 60_000.0},
    "duration_s": {"": 1.0, "s": 1.0, "ms": 0.001, "m": 60.0, "min": 60.0, "h": 3600.0},
    "ratio": {"": 1.0, "ratio": 1.0, "%": 0.01},
    "count": {"": 1.0, "count": 1.0},
    "bytes": {
        "": 1.0,
        "b": 1.0,
        "kb": 1e3,
        "mb": 1e6,
        "gb": 1e9,
        "ki": 1024.0,
        "mi": 1024.0**2,
        "gi": 1024.0**3,
        "kib": 1024.0,
        "mib": 1024.0**2,
        "gib": 1024.0**3,
    },
    "cores": {"": 1.0, "cores": 1.0, "m": 0.001},
}

_QUANTITY = re.compile(r"^\s*(?P<num>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*(?P<unit>\S*)\s*$")


class UnitError(ValueError):
    """A value whose unit is unknown for its measurement, or that is not a number at all."""


def known_units(metric: str) -> list[str]:
    """The units accepted for ``metric`` (for error messages)."""
    return sorted(u for u in _UNITS[METRICS[metric].dimension] if u)


MAX_VALUE = 1e15
"""Above any real measurement (a million events a second is 6e7 a minute): larger values would
overflow sums and products into ``Infinity``, which JSON and SARIF cannot carry."""


def to_canonical(metric: str, value: float | str, unit: str | None = None) -> float:
    """``value`` (a number, or a string such as ``"120ms"``) in ``metric``'s canonical unit.

    Raises ``UnitError`` for unknown units, non-numbers, NaN, infinities and negative values.
    """
    spec = METRICS[metric]
    if isinstance(value, bool):
        raise UnitError(f"expected a number, got {value!r}")
    if isinstance(value, str):
        match = _QUANTITY.match(value)
        if match is None:
            raise UnitError(f"expected a number with an optional unit, got {value!r}")
        number = float(match["num"])
        unit = match["unit"] or unit
    else:
        number = float(value)
    factors = _UNITS[spec.dimension]
    key = (unit or "").strip()
    factor = factors.get(key, factors.get(key.lower()))
    if factor is None:
        raise UnitError(
            f"unknown unit {unit!r} for {metric}; use one of {', '.join(known_units(metric))}"
        )
    if math.isnan(number) or math.isinf(number):
        raise UnitError(f"{metric} must be a finite number, got {number}")
    if number < 0:
        raise UnitError(f"{metric} cannot be negative, got {number}")
    if number * factor > MAX_VALUE:
        raise UnitError(f"{metric} is larger than any real measurement ({number:g}); check it")
    return number * factor


_SUFFIX = {
    "1/min": "/min",
    "1/week": "/week",
    "ms": " ms",
    "s": " s",
    "cores": " cores",
    "bytes": " B",
}


def format_quantity(value: float | str | None, unit: str | None) -> str:
    """``1800/min``, ``120 ms``, ``0.86``: a value with its unit, for messages and reports."""
    if value is None:
        return "missing"
    if isinstance(value, str):
        return value
    return f"{value:g}{_SUFFIX.get(unit or '', '')}"
