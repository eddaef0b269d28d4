"""The metrics snapshot file: measurements committed next to the compose file, so CI needs no
live backend. Versioned YAML or JSON; ``archcheck schema metrics`` prints its JSON Schema.

```yaml
version: 1
window: 7d
source: prometheus http://prometheus:9090
services:
  pricing-service:
    environment: production
    cpu_usage_ratio: 0.82
    workloads:
      warehouse.stock.updated: {events_per_minute: 1500, processing_ms_p95: 120ms}
      order.created: {retry_needed: false}     # a declaration: what the team knows
```
Values are numbers in the canonical unit of ``METRICS`` or strings with a unit (``"0.12s"``).
"""

from __future__ import annotations

import types
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml

from archcheck.errors import SourceError
from archcheck.files.yamlpos import KeyPath, Positions, load_yaml, locate, validation_error
from archcheck.metrics import MAX_VALUE, METRICS, UnitError, to_canonical
from archcheck.model import Declaration, DeclaredFact, Environment, Location, Measurement
from archcheck.records import Constraint, Invalid, Record, spec
from archcheck.structs import dataclass, field

SNAPSHOT_VERSION = 1

Value = Annotated[float, Constraint(strict=True, allow_inf_nan=False, le=MAX_VALUE)] | str
"""A finite number (not a boolean) in the canonical unit, or a string with a unit: ``"120ms"``."""
_DURATION = r"^([0-9]+(ms|s|m|h|d|w|y))+$"


def _metric_fields(*scopes: str) -> dict[str, Any]:
    return {
        name: (
            Value | None,
            spec(default=None, description=f"{metric.description} Canonical unit: {metric.unit}."),
        )
        for name, metric in METRICS.items()
        if metric.scope in scopes
    }


def _record(name: str, doc: str, fields: dict[str, tuple[Any, Any]]) -> type[Record]:
    """A record class with one field per entry of ``fields`` (name -> (type, default))."""
    namespace = {
        "__doc__": doc, "__module__": __name__,
        "__annotations__": {key: kind for key, (kind, _) in fields.items()},
        **{key: default for key, (_, default) in fields.items()},
    }  # fmt: skip
    return types.new_class(name, (Record,), {}, lambda ns: ns.update(namespace))


_WORKLOAD_FIELDS: dict[str, Any] = {
    "kind": (
        Literal["events", "cron"] | None,
        spec(default=None, description="Only needed when the workload is not declared."),
    ),
    "retry_needed": (
        bool | None,
        spec(default=None, description="Declared: failed deliveries need retries (true/false)."),
    ),
    "dead_letter_needed": (
        bool | None,
        spec(default=None, description="Declared: a dead-letter queue is needed (true/false)."),
    ),
    **_metric_fields("workload", "both"),
}
DECLARED: tuple[DeclaredFact, ...] = ("retry_needed", "dead_letter_needed")
"""Workload keys that state a fact instead of measuring it (a measurement of it wins)."""
WorkloadMetrics = _record(
    "WorkloadMetrics", "Measurements of one workload: an event topic or a scheduled job.",
    _WORKLOAD_FIELDS,
)  # fmt: skip

_SERVICE_FIELDS: dict[str, Any] = {
    "environment": (Environment | None, None),
    "workloads": (dict[str, WorkloadMetrics], spec(default_factory=dict)),  # type: ignore[valid-type]
    **_metric_fields("service", "both"),
}
ServiceMetrics = _record(
    "ServiceMetrics", "Measurements of one compose service and of its workloads.", _SERVICE_FIELDS
)


def _iso_8601(value: str | None) -> str | None:
    if value is not None:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("not an ISO 8601 time such as 2026-01-31T12:00:00Z") from None
    return value


class MetricsSnapshot(Record):
    """A metrics snapshot file (version 1)."""

    version: Literal[1] = spec(description="Snapshot format version; always 1 for now.")
    window: str | None = spec(
        default=None,
        pattern=_DURATION,
        description="Time range the values summarise (Prometheus duration, 7d).",
    )
    source: str | None = spec(default=None, description="Where the values came from.")
    taken_at: str | None = spec(
        default=None, description="When the snapshot was taken (ISO 8601).", check=_iso_8601
    )
    services: dict[str, ServiceMetrics] = spec(  # type: ignore[valid-type]
        default_factory=dict, description="Compose service name -> its measurements."
    )


@dataclass(frozen=True)
class LoadedSnapshot:
    """What a snapshot file says, besides plain measurements: environments and workload kinds."""

    measurements: list[Measurement]
    environments: dict[str, Environment] = field(default_factory=dict)
    environment_locations: dict[str, Location] = field(default_factory=dict)
    workload_kinds: dict[tuple[str, str], str] = field(default_factory=dict)
    """(service, workload) -> ``events``/``cron`` when the snapshot names the kind."""
    declarations: list[Declaration] = field(default_factory=list)


def _error(message: str, location: Location | None) -> SourceError:
    return SourceError(message, location)


def read_snapshot(path: Path) -> LoadedSnapshot:
    """Parse and validate a snapshot file; every error names the file and line."""
    data, positions = load_yaml(path, _error, what="metrics snapshot")
    if not isinstance(data, dict):
        raise SourceError(
            "metrics snapshot must be a mapping with 'version: 1' and 'services:'; "
            "see docs/metrics-snapshot.md",
            locate(positions, ()),
        )
    if "version" not in data:
        raise SourceError(
            "metrics snapshot has no 'version'; add 'version: 1' at the top",
            locate(positions, ()),
        )
    try:
        snapshot = MetricsSnapshot.model_validate(data)
    except Invalid as exc:
        raise validation_error(
            exc.error,
            lambda p: locate(positions, p),
            _error,
            what="metrics snapshot",
            hint="see docs/metrics-snapshot.md or `archcheck schema metrics`",
        ) from exc
    return _measurements(snapshot, str(path), positions)


def load_snapshot(path: Path) -> list[Measurement]:
    """The measurements in a snapshot file, in canonical units."""
    return read_snapshot(path).measurements


def _measurements(snapshot: MetricsSnapshot, file: str, positions: Positions) -> LoadedSnapshot:
    result = LoadedSnapshot(measurements=[])
    for service, metrics in snapshot.services.items():
        if metrics.environment is not None:  # type: ignore[attr-defined]
            result.environments[service] = metrics.environment  # type: ignore[attr-defined]
            where = locate(positions, ("services", service, "environment"))
            if where is not None:
                result.environment_locations[service] = where
        base: KeyPath = ("services", service)
        _collect(result, metrics, service, None, snapshot, file, positions, base)
        for workload, wmetrics in metrics.workloads.items():  # type: ignore[attr-defined]
            if wmetrics.kind is not None:
                result.workload_kinds[(service, workload)] = wmetrics.kind
            for fact in DECLARED:
                value = getattr(wmetrics, fact)
                if value is not None:
                    result.declarations.append(
                        Declaration(
                            service=service, workload=workload, fact=fact, value=value,
                            source=file,
                            location=locate(positions, (*base, "workloads", workload, fact)),
                        )
                    )  # fmt: skip
            _collect(
                result,
                wmetrics,
                service,
                workload,
                snapshot,
                file,
                positions,
                (*base, "workloads", workload),
            )
    return result


def _collect(
    result: LoadedSnapshot,
    metrics: Record,
    service: str,
    workload: str | None,
    snapshot: MetricsSnapshot,
    file: str,
    positions: Positions,
    base: KeyPath,
) -> None:
    for name in METRICS:
        raw = getattr(metrics, name, None)
        if raw is None:
            continue
        location = locate(positions, (*base, name))
        try:
            value = to_canonical(name, raw)
        except UnitError as exc:
            raise SourceError(f"metrics snapshot: {exc}", location) from exc
        result.measurements.append(
            Measurement(
                service=service,
                workload=workload,
                metric=name,
                value=value,
                unit=METRICS[name].unit,
                source=file,
                window=snapshot.window,
                location=location,
            )
        )


def dump_snapshot(measurements: list[Measurement], *, source: str, window: str | None) -> str:
    """A snapshot file (YAML text) holding ``measurements``; later duplicates win."""
    services: dict[str, dict[str, Any]] = {}
    for m in measurements:
        entry = services.setdefault(m.service, {})
        if m.workload is not None:
            entry = entry.setdefault("workloads", {}).setdefault(m.workload, {})
        entry[m.metric] = _plain(m.value)
    document: dict[str, Any] = {"version": SNAPSHOT_VERSION}
    if window is not None:
        document["window"] = window
    document["source"] = source
    document["services"] = {name: _ordered(services[name]) for name in sorted(services)}
    header = "# archcheck metrics snapshot; see docs/metrics-snapshot.md\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _ordered(entry: dict[str, Any]) -> dict[str, Any]:
    out = {k: entry[k] for k in METRICS if k in entry}
    if "workloads" in entry:
        out["workloads"] = {w: _ordered(entry["workloads"][w]) for w in sorted(entry["workloads"])}
    return out


def _plain(value: float) -> float | int:
    # NOTE: 9 significant digits, not decimal places: small rates (0.0000333/s) keep their
    # precision while float noise (0.30000000000000004) goes.
    return int(value) if float(value).is_integer() else float(f"{value:.9g}")


def snapshot_json_schema() -> dict[str, Any]:
    """The JSON Schema of the snapshot file, for ``archcheck schema metrics``."""
    return MetricsSnapshot.model_json_schema()
