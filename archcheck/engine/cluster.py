"""Cluster hygiene: what a worker split needs on Kubernetes, beyond what compose can show.

Each check reads ``Service.kubernetes`` (set only for services read from manifests) and yields
hits like ``hygiene``; the rules AC201-AC208 make findings of them.
"""

from __future__ import annotations

from collections.abc import Iterator

from archcheck.engine.criteria import Params
from archcheck.engine.facts import Facts
from archcheck.engine.hygiene import Hit, NoParams, _at
from archcheck.model import KubernetesWorkload, Service
from archcheck.records import spec

_WORKERS = ("event-worker", "cron-worker", "worker")
_EVENT_WORKERS = ("event-worker", "worker")


def _on_cluster(facts: Facts, roles: tuple[str, ...]) -> Iterator[tuple[Service, KubernetesWorkload]]:
    for s in facts.services.values():
        if s.kubernetes is not None and s.role in roles:
            yield s, s.kubernetes


def cron_worker_scaled(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """A cron worker Deployment with several replicas, or an autoscaler: every pod runs every job."""
    for s, k in _on_cluster(facts, ("cron-worker",)):
        if k.kind == "CronJob":
            continue
        most = max(s.replicas or 1, k.max_replicas or 1)
        if most > 1:
            by = k.autoscaler or "spec.replicas"
            where = "autoscaler" if k.autoscaler and (s.replicas or 1) <= 1 else "deploy.replicas"
            yield Hit(s.name, _at(s, where), {"replicas": most, "by": by})


def cronjob_allows_overlap(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """A CronJob whose next run may start while the last one still runs."""
    for s, k in _on_cluster(facts, _WORKERS):
        if k.kind == "CronJob" and k.concurrency_policy != "Forbid":
            yield Hit(
                s.name, _at(s, "spec.concurrencyPolicy", "spec.schedule"),
                {"policy": k.concurrency_policy},
            )


def cronjob_without_starting_deadline(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """Without startingDeadlineSeconds a controller that was down counts every missed run."""
    for s, k in _on_cluster(facts, _WORKERS):
        if k.kind == "CronJob" and k.starting_deadline_seconds is None:
            yield Hit(s.name, _at(s, "spec.schedule"), {})


def migration_not_ordered(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """A migration nothing makes the rollout wait for, and that is not declared idempotent."""
    for s, k in _on_cluster(facts, ("migration",)):
        if k.awaited_by is None and not k.idempotent:
            yield Hit(s.name, s.location, {"kind": k.kind})


def event_worker_without_disruption_budget(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """A node drain may evict every replica of an event worker at once."""
    for s, k in _on_cluster(facts, _EVENT_WORKERS):
        if k.disruption_budget is None and k.kind != "CronJob":
            yield Hit(s.name, s.location, {})


class DrainParams(Params):
    """The drain assumed when a worker does not declare it."""

    required: bool = False
    assumed_drain_seconds: int = spec(
        default=25,
        ge=0,
        description="The worker's drain when archcheck.dev/drain-seconds is not written (the"
        " scaffold's worker.stop_timeout).",
    )


def _drain(p: DrainParams, k: KubernetesWorkload) -> tuple[int, str]:
    if k.drain_seconds is not None:
        return k.drain_seconds, "archcheck.dev/drain-seconds"
    return p.assumed_drain_seconds, "assumed: declare archcheck.dev/drain-seconds"


def termination_grace_too_short(p: DrainParams, facts: Facts) -> Iterator[Hit]:
    """The kubelet kills the pod before the worker drained and its sidecar shut down."""
    for s, k in _on_cluster(facts, _EVENT_WORKERS):
        drain, source = _drain(p, k)
        needed = drain + (k.sidecar_grace_seconds or 0)
        if k.termination_grace_seconds < needed:
            yield Hit(
                s.name, _at(s, "terminationGracePeriodSeconds"),
                {
                    "grace": k.termination_grace_seconds, "needed": needed, "drain": drain,
                    "sidecar": k.sidecar_grace_seconds or 0, "drain_source": source,
                },
            )


def sidecar_grace_too_short(p: DrainParams, facts: Facts) -> Iterator[Hit]:
    """daprd stops before the worker finished its in-flight events: acks and publishes fail."""
    for s, k in _on_cluster(facts, _EVENT_WORKERS):
        drain, source = _drain(p, k)
        if k.sidecar_grace_seconds is not None and k.sidecar_grace_seconds < drain:
            yield Hit(
                s.name, _at(s, "dapr.io/graceful-shutdown-seconds", "metadata.annotations"),
                {"sidecar": k.sidecar_grace_seconds, "drain": drain, "drain_source": source},
            )


def worker_without_requests_limits(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """Without requests the scheduler packs workers blindly; without limits they starve others."""
    for s, k in _on_cluster(facts, _WORKERS):
        missing = [
            what for what, ok in (("requests", k.has_requests), ("limits", s.has_resource_limits))
            if not ok
        ]
        if missing:
            yield Hit(
                s.name, _at(s, "deploy.resources", "image"),
                {"role": s.role, "missing": " and ".join(missing)},
            )
