"""The migration path: which service to split first, and the steps of each split.

Derived once from the verdicts so every report that shows a migration path (Markdown, HTML)
shows the same one: services with a ``separate`` verdict, most urgent first.
"""

from __future__ import annotations

import re

from archcheck.model import PRIORITY_RANK, MigrationPhase, Priority, Verdict, WorkloadKind

_WORKER = {"events": "event worker", "cron": "cron worker"}
_SERVICE_SUFFIX = re.compile(r"[-_](service|api|svc)$")
_STEPS = (
    (
        "Move the workloads listed above out of the API process; set `WORKER_MODE=api` "
        "on the API service."
    ),
    "Give each worker its own resource limits and restart policy (one replica for cron workers).",
    (
        "Update the compose file, deploy, and watch `worker_jobs_total`, "
        "`worker_job_duration_seconds` and `worker_queue_size`."
    ),
)


def migration_path(verdicts: list[Verdict] | tuple[Verdict, ...]) -> tuple[MigrationPhase, ...]:
    """One phase per service with a ``separate`` verdict not yet met, by priority (high first)
    then name."""
    by_service: dict[str, list[Verdict]] = {}
    for v in verdicts:
        by_service.setdefault(v.service, []).append(v)
    phases: list[MigrationPhase] = []
    for service, own in by_service.items():
        kinds: tuple[WorkloadKind, ...] = tuple(
            v.kind for v in own if v.decision == "separate" and not v.met
        )
        if not kinds:
            continue
        priority: Priority = max((v.priority for v in own), key=lambda p: PRIORITY_RANK[p])
        workers = " and ".join(_WORKER.get(k, k) for k in kinds)
        phases.append(
            MigrationPhase(
                service=service,
                priority=priority,
                kinds=kinds,
                workers=tuple(worker_service(service, k) for k in kinds),
                steps=(f"Scaffold the {workers}: `archcheck scaffold {service}`.", *_STEPS),
            )
        )
    phases.sort(key=lambda p: (-PRIORITY_RANK[p.priority], p.service))
    return tuple(phases)


def app_name(service: str) -> str:
    """``pricing-service`` -> ``pricing``: what the scaffold names the workers after."""
    return _SERVICE_SUFFIX.sub("", service) or service


def worker_service(service: str, kind: WorkloadKind) -> str:
    """The compose service the scaffold adds for ``kind``: ``pricing-event-worker``."""
    return f"{app_name(service)}-{_WORKER.get(kind, kind).replace(' ', '-')}"
