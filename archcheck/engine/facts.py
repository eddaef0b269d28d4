"""Indexes over a ``System`` so every check looks values up in O(1) (the engine stays linear)."""

from __future__ import annotations

from collections import defaultdict

from archcheck.metrics import METRICS
from archcheck.model import (
    Declaration,
    Environment,
    Measurement,
    Service,
    System,
    Workload,
    WorkloadKind,
)
from archcheck.structs import dataclass


class Facts:
    """Measurements by (service, workload, metric), services by name, workloads by owner."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.services: dict[str, Service] = {s.name: s for s in system.services}
        self._measurements: dict[tuple[str, str | None, str], Measurement] = {
            (m.service, m.workload, m.metric): m for m in system.measurements
        }
        self.declared: dict[tuple[str, str, str], Declaration] = {
            (d.service, d.workload, d.fact): d for d in system.declarations
        }
        self.workloads: dict[tuple[str, WorkloadKind], list[Workload]] = defaultdict(list)
        for w in system.workloads:
            self.workloads[(w.service, w.kind)].append(w)
        self.dependents_of: dict[str, list[tuple[Service, str]]] = defaultdict(list)
        self.by_owner: dict[str, list[Service]] = defaultdict(list)
        for s in system.services:
            for dep, condition in s.depends_on.items():
                self.dependents_of[dep].append((s, condition))
            if s.owner is not None:
                self.by_owner[s.owner].append(s)

    def get(self, service: str, metric: str, workload: str | None = None) -> Measurement | None:
        """The measurement, or None when no source provided it."""
        return self._measurements.get((service, workload, metric))

    def declaration(self, service: str, workload: str, fact: str) -> Declaration | None:
        """What the team declared about ``workload`` (``retry_needed``...), or None."""
        return self.declared.get((service, workload, fact))

    def environment(self, service: Service) -> Environment | None:
        """The service's declared environment, else the project's."""
        return service.environment or self.system.environment


def how_to_get(metric: str, service: str, workload: str | None = None) -> str:
    """A short instruction for providing a missing measurement."""
    where = f"services.{service}" + (f".workloads.{workload}" if workload else "")
    spec = METRICS[metric]
    live = {
        "prometheus": f"--prometheus URL (query {metric} in rules/sources/prometheus.yaml)",
        "docker": "--docker",
        "git": "a git checkout (commits touching the build context)",
    }
    return (
        f"add {metric} ({spec.unit}) under {where} in the metrics snapshot "
        f"(docs/metrics-snapshot.md), or analyze with "
        + " or ".join(live[source] for source in spec.measured_by)
    )


@dataclass(frozen=True)
class KindContext:
    """One application service and its workloads of one kind: the unit a verdict covers."""

    service: Service
    kind: WorkloadKind
    workloads: tuple[Workload, ...]
    facts: Facts
