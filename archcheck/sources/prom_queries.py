"""The PromQL the Prometheus source runs: templates in ``rules/sources/prometheus.yaml`` (data,
overridable with ``--prometheus-queries``), validated and expanded for one window and labels.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from archcheck.errors import RuleDefinitionError
from archcheck.files.bundled import rules_dir
from archcheck.files.yamlpos import Positions, load_yaml, locate, validation_error
from archcheck.metrics import METRICS, UnitError, to_canonical
from archcheck.model import Location
from archcheck.structs import dataclass

DEFAULT_WINDOW = "7d"
"""The range the queries summarise unless ``--window`` says otherwise."""


def queries_path() -> Path:
    """The shipped PromQL templates."""
    return rules_dir() / "sources" / "prometheus.yaml"


def kubernetes_queries_path() -> Path:
    """The queries for Kubernetes label conventions (``deployment`` derived from ``pod``): the
    default when the analysed system comes from manifests."""
    return rules_dir() / "sources" / "prometheus-kubernetes.yaml"


# --- the PromQL templates (data) ---------------------------------------------------------------

_STRICT = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class QuerySpec(BaseModel):
    """One measurement's PromQL."""

    model_config = _STRICT

    promql: str = Field(min_length=1)
    unit: str = ""
    """The unit the query returns, converted to the measurement's canonical unit."""
    kind: Literal["events", "cron"] | None = None
    """Keep results only for workloads of this kind (when their kind is known)."""
    enabled: bool = True


class QueriesFile(BaseModel):
    """``rules/sources/prometheus.yaml`` and files given with ``--prometheus-queries``."""

    model_config = _STRICT

    version: Literal[1]
    service_label: str | None = None
    workload_label: str | None = None
    queries: dict[str, QuerySpec] = Field(default_factory=dict)


@dataclass(frozen=True)
class Query:
    """A query ready to run: the measurement it yields and where its PromQL was written."""

    metric: str
    promql: str
    unit: str
    kind: str | None
    location: Location | None


@dataclass(frozen=True)
class QuerySet:
    """Every query, in the order of ``METRICS``, with the labels that name services and workloads."""

    queries: tuple[Query, ...]
    service_label: str
    workload_label: str


def _definition_error(message: str, location: Location | None) -> RuleDefinitionError:
    return RuleDefinitionError(message, location)


def _read_queries(path: Path) -> tuple[QueriesFile, Positions]:
    data, positions = load_yaml(path, _definition_error, what="Prometheus queries file")
    try:
        parsed = QueriesFile.model_validate(data)
    except ValidationError as exc:
        raise validation_error(
            exc,
            positions,
            _definition_error,
            what="Prometheus queries file",
            hint="see docs/prometheus.md for the format",
        ) from exc
    for name in parsed.queries:
        if name not in METRICS:
            raise RuleDefinitionError(
                f"unknown measurement {name!r} in Prometheus queries file; use one of "
                f"{', '.join(sorted(METRICS))}",
                locate(positions, ("queries", name)),
            )
    return parsed, positions


def load_queries(
    override: Path | None = None,
    *,
    window: str = DEFAULT_WINDOW,
    service_label: str | None = None,
) -> QuerySet:
    """The shipped queries, with ``override``'s entries replacing them, placeholders filled in."""
    files = [queries_path(), *([override] if override is not None else [])]
    specs: dict[str, tuple[QuerySpec, Location | None]] = {}
    labels = {"service_label": "service", "workload_label": "worker"}
    for path in files:
        parsed, positions = _read_queries(path)
        for key in labels:
            value = getattr(parsed, key)
            if value is not None:
                labels[key] = value
        for name, spec in parsed.queries.items():
            specs[name] = (spec, locate(positions, ("queries", name, "promql")))
    if service_label:
        labels["service_label"] = service_label
    values = {"window": window, **labels}
    queries = []
    for name in METRICS:
        if name not in specs or not specs[name][0].enabled:
            continue
        spec, location = specs[name]
        try:
            promql = string.Template(spec.promql).substitute(values)
        except (KeyError, ValueError) as exc:
            raise RuleDefinitionError(
                f"query for {name} has an unknown or malformed placeholder ({exc}); "
                "use $window, $service_label or $workload_label",
                location,
            ) from exc
        try:
            canonical(name, 1.0, spec.unit)
        except UnitError as exc:
            raise RuleDefinitionError(f"query for {name}: {exc}", location) from exc
        queries.append(Query(name, " ".join(promql.split()), spec.unit, spec.kind, location))
    return QuerySet(tuple(queries), labels["service_label"], labels["workload_label"])


def canonical(metric: str, value: float, unit: str) -> float:
    """``value``, given in a query's ``unit``, in the metric's canonical unit."""
    if unit == METRICS[metric].unit:
        return value
    return to_canonical(metric, value, unit)
