"""The migration path: which service to split first, and the steps of each split.

Derived once from the verdicts and from what archcheck knows of each service's code, so every
report that shows a migration path (text, Markdown, HTML) shows the same one: a phase per
service with a ``separate`` verdict not met yet, most urgent first. It recommends
``archcheck scaffold`` only where the scaffold can generate the worker (a Kratos v2 Go module),
and names the ``WORKER_MODE`` the API keeps, by the rule the scaffold applies
(``api_worker_mode``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from archcheck.model import (
    PRIORITY_RANK,
    MigrationPhase,
    Priority,
    Service,
    Verdict,
    WorkloadKind,
)

_WORKER = {"events": "event worker", "cron": "cron worker"}
_WORK = {"events": "event handlers", "cron": "cron jobs"}
_SERVICE_SUFFIX = re.compile(r"[-_](service|api|svc)$")
_WATCH = (
    "Update the compose file, deploy, and watch `worker_jobs_total`, "
    "`worker_job_duration_seconds` and `worker_queue_size`."
)


def app_name(service: str) -> str:
    """``pricing-service`` -> ``pricing``: what the scaffold names the workers after."""
    return _SERVICE_SUFFIX.sub("", service) or service


def worker_service(service: str, kind: WorkloadKind) -> str:
    """The compose service the scaffold adds for ``kind``: ``pricing-event-worker``."""
    return f"{app_name(service)}-{_WORKER.get(kind, kind).replace(' ', '-')}"


def api_worker_mode(staying_inline: Iterable[str]) -> str:
    """``WORKER_MODE`` of the API after a split: ``api`` when nothing stays inline, else the one
    kind that stays (catalog keeps ``events``). AC105 checks exactly this."""
    kinds = sorted(set(staying_inline) & set(_WORKER))
    return kinds[0] if len(kinds) == 1 else "api"


def migration_path(
    verdicts: Sequence[Verdict], services: Sequence[Service] = ()
) -> tuple[MigrationPhase, ...]:
    """One phase per service with a ``separate`` verdict not met yet, high priority first."""
    by_service: dict[str, list[Verdict]] = {}
    for v in verdicts:
        by_service.setdefault(v.service, []).append(v)
    known = {s.name: s for s in services}
    phases: list[MigrationPhase] = []
    for name, own in by_service.items():
        todo = [v for v in own if v.decision == "separate" and not v.met]
        if not todo:
            continue
        kinds: tuple[WorkloadKind, ...] = tuple(v.kind for v in todo)
        staying = [v.kind for v in own if v.kind not in kinds and not v.met]
        priority: Priority = max((v.priority for v in todo), key=lambda p: PRIORITY_RANK[p])
        service = known.get(name)
        phases.append(
            MigrationPhase(
                service=name,
                priority=priority,
                kinds=kinds,
                workers=tuple(worker_service(name, k) for k in kinds),
                steps=_steps(name, service, kinds, api_worker_mode(staying)),
            )
        )
    phases.sort(key=lambda p: (-PRIORITY_RANK[p.priority], p.service))
    return tuple(phases)


def _steps(
    name: str, service: Service | None, kinds: tuple[WorkloadKind, ...], mode: str
) -> tuple[str, ...]:
    workers = " and ".join(f"{_WORKER[k]} (`{worker_service(name, k)}`)" for k in kinds)
    work = " and ".join(_WORK[k] for k in kinds)
    code = service.code if service is not None else None
    scaffold = code == "go-kratos-v2"
    if scaffold:
        first = (
            f"Scaffold the {workers}: `archcheck scaffold {name}` (`--dry-run` shows the files"
            " first)."
        )
    elif code == "go":
        first = (
            f"Write the {workers} by hand: {name}'s Go module does not use Kratos v2, the only"
            f" layout `archcheck scaffold` generates; give it a `cmd/worker` binary that runs"
            f" only the {work} (docs/scaffold.md shows the layout)."
        )
    elif code == "other":
        first = (
            f"Add the {workers} by hand: {name}'s code is not a Go module, so `archcheck"
            f" scaffold` cannot generate it; run its image with a command that starts only the"
            f" {work}."
        )
    else:
        first = (
            f"Add the {workers}: archcheck has not read {name}'s code; if it is a Kratos v2 Go"
            f" module, `archcheck scaffold {name} --source DIR` generates them, otherwise write"
            " them by hand."
        )
    stays = f" (its {_WORK[mode]} stay inline)" if mode in _WORK else ""
    mode_step = (
        f"The scaffold sets `WORKER_MODE={mode}` on {name}{stays}; make sure its binary honours"
        " it, or the moved workloads run twice."
        if scaffold
        else f"Set `WORKER_MODE={mode}` on {name}{stays} and make its binary honour it, so the"
        " moved workloads do not run twice."
    )
    one_replica = " (one replica for the cron worker)" if "cron" in kinds else ""
    limits = f"Give each worker its own resource limits and restart policy{one_replica}."
    return (first, mode_step, limits, _WATCH)
