"""Event-worker capacity by Little's law: handlers busy at once = arrival rate x time per event.

One model serves AC108 (are a worker's replicas x WORKER_CONCURRENCY enough?) and the scaffold
(which WORKER_CONCURRENCY to generate): the report carries its result per service
(``Report.capacity``), so the generated worker is one AC108 accepts.
"""

from __future__ import annotations

import math

from archcheck.engine.criteria import Params
from archcheck.engine.facts import Facts
from archcheck.model import Capacity
from archcheck.records import spec


class CapacityParams(Params):
    """Little's law: concurrency needed = arrival rate x time in system."""

    required: bool = False
    latency_metric: str = spec(
        default="processing_ms_p95", pattern=r"^processing_ms_p(50|95|99)$",
        description="Which processing-time percentile stands for the time per event.",
    )
    default_concurrency: int = spec(
        default=1, ge=1, description="Concurrency assumed when WORKER_CONCURRENCY is not set."
    )
    headroom: float = spec(
        default=2.0, ge=1, description="The scaffold generates WORKER_CONCURRENCY = need x headroom..."
    )
    min_concurrency: int = spec(default=10, ge=1, description="...and never less than this.")


def event_capacity(facts: Facts, service: str, p: CapacityParams) -> Capacity:
    """What ``service``'s event workloads need: the sum of their rates x the slowest latency.

    Per-workload measurements come first; a service-wide one stands in when none is given.
    """
    rate = latency = 0.0
    for w in facts.workloads.get((service, "events"), []):
        r = facts.get(service, "events_per_minute", w.name)
        t = facts.get(service, p.latency_metric, w.name)
        if r is not None:
            rate += r.value
        if t is not None:
            latency = max(latency, t.value)
    if rate == 0.0:
        whole = facts.get(service, "events_per_minute")
        rate = whole.value if whole else 0.0
    if latency == 0.0:
        whole = facts.get(service, p.latency_metric)
        latency = whole.value if whole else 0.0
    needed = rate / 60.0 * latency / 1000.0
    return Capacity(
        service=service,
        events_per_minute=rate,
        latency_ms=latency,
        needed=needed,
        recommended_concurrency=max(p.min_concurrency, math.ceil(p.headroom * needed)),
    )
