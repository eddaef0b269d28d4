"""Compose hygiene the review implies: each check yields hits; the rule's data makes findings.

A hit names the service, the compose key it is about (for FILE:LINE:COL) and the values the
rule's message template uses.
"""

from __future__ import annotations

from collections.abc import Iterator

from archcheck.engine.capacity import CapacityParams, event_capacity
from archcheck.engine.criteria import Params
from archcheck.engine.facts import Facts
from archcheck.model import Location, Service, Workload, WorkloadKind
from archcheck.structs import dataclass, field

Value = float | int | str | None


@dataclass(frozen=True)
class Hit:
    """One place where a hygiene rule applies."""

    service: str
    location: Location | None
    values: dict[str, Value] = field(default_factory=dict)


def _at(service: Service, *keys: str) -> Location | None:
    """The first of ``keys`` that is written, else the service's own key."""
    for key in keys:
        if key in service.key_locations:
            return service.key_locations[key]
    return service.location


_WORKERS = ("event-worker", "cron-worker", "worker")
_KINDS_OF_ROLE: dict[str, tuple[WorkloadKind, ...]] = {
    "event-worker": ("events",), "cron-worker": ("cron",), "worker": ("events", "cron")
}


class NoParams(Params):
    """A check without thresholds."""

    required: bool = False


def migration_not_run_once(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """A migration that restarts runs again after it has finished, or loops on failure."""
    for s in facts.services.values():
        if s.role == "migration" and s.restart not in (None, "no"):
            yield Hit(s.name, _at(s, "restart"), {"restart": s.restart})


def migration_not_awaited(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """Dependents of a migration must wait for it to finish, not merely to start."""
    for s in facts.services.values():
        for dep, condition in s.depends_on.items():
            target = facts.services.get(dep)
            if target and target.role == "migration" and condition != (
                "service_completed_successfully"
            ):
                yield Hit(
                    s.name, _at(s, f"depends_on.{dep}", "depends_on"),
                    {"migration": dep, "condition": condition},
                )


def container_name_with_replicas(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """Compose rejects container_name with more than one replica: names must be unique."""
    for s in facts.services.values():
        if s.container_name and (s.replicas or 1) > 1:
            yield Hit(
                s.name, _at(s, "container_name"),
                {"container_name": s.container_name, "replicas": s.replicas},
            )


def cron_worker_replicated(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """Every replica of a cron worker runs every job: N replicas, N runs (AC201 on a cluster)."""
    for s in facts.services.values():
        if s.role == "cron-worker" and (s.replicas or 1) > 1 and s.kubernetes is None:
            yield Hit(s.name, _at(s, "deploy.replicas", "scale"), {"replicas": s.replicas})


def _double_runs(facts: Facts) -> Iterator[tuple[Service, Service, WorkloadKind, list[Workload]]]:
    """(API, worker, kind, the API's inline workloads of that kind) where a worker runs a kind
    the API may still run: its mode is ``all``, that kind, or unset."""
    for api in facts.services.values():
        if api.role != "api":
            continue
        mode = (api.worker_mode or "all").lower()
        for worker in facts.by_owner.get(api.name, []):
            for kind in _KINDS_OF_ROLE.get(worker.role, ()):
                inline = [w for w in facts.workloads.get((api.name, kind), []) if not w.runs_in]
                if mode in ("all", kind) and inline:
                    yield api, worker, kind, inline


def _runs_them_because(api: Service, inline: list[Workload]) -> str | None:
    """Why it is certain that the API runs ``inline``; None when nothing shows it."""
    if api.worker_mode is not None:
        return f"WORKER_MODE={api.worker_mode}"
    in_code = next((w for w in inline if w.origin == "go" and w.location is not None), None)
    if in_code is not None and api.worker_mode_read_at is None:
        return (
            f"WORKER_MODE is unset and its image runs them regardless: its Go code starts"
            f" {in_code.name} at {in_code.location} and never reads WORKER_MODE"
        )
    return None


def api_runs_separated_workloads(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """The API runs events or jobs that a separate worker runs: double processing. Only where
    its mode says so or its Go code shows it; otherwise AC111 says it cannot tell."""
    for api, worker, kind, inline in _double_runs(facts):
        because = _runs_them_because(api, inline)
        if because is not None:
            yield Hit(
                api.name, _at(api, "environment.WORKER_MODE", "command", "environment"),
                {"worker": worker.name, "kind": kind, "mode": api.worker_mode or "unset",
                 "because": because},
            )  # fmt: skip


def api_may_run_separated_workloads(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """WORKER_MODE is unset on an API whose worker runs some of its workloads, and nothing shows
    what its image runs without it: it may process them twice."""
    for api, worker, kind, inline in _double_runs(facts):
        if _runs_them_because(api, inline) is not None:
            continue
        if api.worker_mode_read_at is not None:
            why = (
                f"its Go code reads WORKER_MODE at {api.worker_mode_read_at}; what it runs"
                " without it is not known"
            )
        elif api.code is not None:
            why = f"its Go code shows no {kind} workload it starts itself"
        else:
            why = "archcheck read none of its code (image-only, or --no-discover)"
        yield Hit(
            api.name, _at(api, "command", "environment"),
            {"worker": worker.name, "kind": kind, "why": why},
        )


def worker_without_resource_limits(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """A worker without limits can starve the API it was split from (AC208 on a cluster)."""
    for s in facts.services.values():
        if s.role in _WORKERS and not s.has_resource_limits and s.kubernetes is None:
            yield Hit(s.name, _at(s, "deploy", "image", "build"), {"role": s.role})


def worker_without_restart_policy(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """A worker that crashes stays down: nothing processes its events or jobs."""
    for s in facts.services.values():
        if s.role in _WORKERS and not s.has_restart_policy:
            yield Hit(s.name, _at(s, "restart", "image", "build"), {"role": s.role})


def event_worker_under_capacity(p: CapacityParams, facts: Facts) -> Iterator[Hit]:
    """Events arrive faster than replicas x WORKER_CONCURRENCY handlers can finish them."""
    for s in facts.services.values():
        if s.role not in ("event-worker", "worker") or s.owner is None:
            continue
        load = event_capacity(facts, s.owner, p)
        concurrency = s.worker_concurrency or p.default_concurrency
        available = (s.replicas or 1) * concurrency
        if load.needed > available:
            yield Hit(
                s.name,
                _at(s, "environment.WORKER_CONCURRENCY", "deploy.replicas", "environment"),
                {
                    "needed": round(load.needed, 2), "available": available,
                    "replicas": s.replicas or 1, "concurrency": concurrency,
                    "events_per_minute": round(load.events_per_minute, 2),
                    "latency_ms": round(load.latency_ms, 2),
                },
            )


def event_worker_without_sidecar(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """With Dapr, deliveries go to the app-id's sidecar: an event worker without one gets none."""
    sidecar_owners = {s.owner for s in facts.services.values() if s.role == "sidecar"}
    if not sidecar_owners:
        return
    for s in facts.services.values():
        if s.role == "event-worker" and s.name not in sidecar_owners:
            yield Hit(s.name, s.location, {})


def worker_depends_on_api(p: NoParams, facts: Facts) -> Iterator[Hit]:
    """A worker that waits for its API couples their lifecycles, the opposite of the split."""
    for s in facts.services.values():
        if s.role in _WORKERS and s.owner and s.owner in s.depends_on:
            yield Hit(s.name, _at(s, f"depends_on.{s.owner}", "depends_on"), {"api": s.owner})
