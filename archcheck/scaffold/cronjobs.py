"""Where each cron job runs on a cluster: a CronJob of its own, or the singleton cron Deployment.

A CronJob pays for every run with a pod (scheduling, image pull, the Dapr sidecar's start) and
skips a start it misses, so it suits jobs that run seldom and briefly; a resident scheduler
suits frequent jobs and any schedule Kubernetes cannot state. ``--cron-as`` overrides the rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from archcheck.scaffold.request import CronSpec
from archcheck.schedule import ClusterSchedule, kubernetes_schedule, shortest_gap_minutes
from archcheck.structs import dataclass

CronAs = Literal["cronjob", "deployment"]
MIN_GAP_MINUTES = 15
"""Jobs that run more often stay in the Deployment: a CronJob run starts a pod (tens of seconds
with daprd) and Forbid skips a run while the last one still runs."""
RUN_SHARE = 0.5
"""A measured run (``cron_duration_s_max``, else the p95) longer than this share of the
shortest gap keeps the job in the Deployment."""
NAME_MAX = 52
"""A CronJob's name: the Jobs it creates append 11 characters to it, within 63."""


@dataclass(frozen=True)
class CronJobPlan:
    """One job that runs as a CronJob."""

    job: str
    name: str
    """The CronJob's ``metadata.name`` (also the Dapr app-id of its pods)."""
    schedule: str
    time_zone: str
    gap_minutes: int
    starting_deadline_s: int
    """A start missed by this much is skipped: a quarter of the gap, at most an hour."""
    realigned: bool = False
    """From ``@every``: the runs now start on the clock (``kubernetes_schedule``)."""


def place(
    jobs: Sequence[CronSpec],
    cron_as: CronAs | None,
    *,
    app: str,
    timezone: str,
    run_seconds: Mapping[str, float],
    notes: Callable[[str], None],
) -> tuple[list[CronJobPlan], list[CronSpec]]:
    """The jobs that get a CronJob, and those the singleton Deployment keeps."""
    cronjobs: list[CronJobPlan] = []
    kept: list[CronSpec] = []
    for job in jobs:
        plan, why = _plan(job, app, timezone)
        if plan is not None and cron_as is None:
            why = _rule(plan, run_seconds.get(job.name))
        if plan is not None and (cron_as == "cronjob" or (cron_as is None and why is None)):
            cronjobs.append(plan)
            if plan.realigned:
                notes(
                    f"note: cron job {job.name}: {job.schedule!r} becomes {plan.schedule!r} in"
                    " its CronJob, the same rate with runs on the clock"
                )
            if cron_as is None:
                notes(
                    f"note: cron job {job.name} runs as CronJob {plan.name} (at most once every"
                    f" {_minutes(plan.gap_minutes)}): --cron-as deployment keeps it in"
                    " the singleton Deployment"
                )
            continue
        kept.append(job)
        if cron_as != "deployment":
            hint = "" if plan is None else ": --cron-as cronjob gives it a CronJob anyway"
            notes(f"note: cron job {job.name} stays in the singleton cron Deployment: {why}{hint}")
    return cronjobs, kept


def _plan(job: CronSpec, app: str, timezone: str) -> tuple[CronJobPlan | None, str | None]:
    converted = kubernetes_schedule(job.schedule)
    if not isinstance(converted, ClusterSchedule):
        return None, f"its schedule {job.schedule!r} cannot be a CronJob's ({converted})"
    slug = re.sub(r"[^a-z0-9]+", "-", job.name.lower()).strip("-")
    name = slug if slug.startswith(f"{app}-") else f"{app}-{slug}"
    if len(name) > NAME_MAX or not slug:
        return None, f"the CronJob name {name!r} would be longer than {NAME_MAX} characters"
    gap = shortest_gap_minutes(converted.schedule)
    return CronJobPlan(
        job=job.name, name=name, schedule=converted.schedule,
        time_zone=converted.time_zone or timezone, gap_minutes=gap,
        starting_deadline_s=min(3600, gap * 15), realigned=converted.realigned,
    ), None


def _rule(plan: CronJobPlan, run_s: float | None) -> str | None:
    """Why the rule keeps a job that a CronJob could run in the Deployment; None: it does not."""
    if plan.gap_minutes < MIN_GAP_MINUTES:
        return f"it runs every {_minutes(plan.gap_minutes)}, under {MIN_GAP_MINUTES} min"
    if run_s is not None and run_s > plan.gap_minutes * 60 * RUN_SHARE:
        return (
            f"a run takes up to {run_s:g}s, over {RUN_SHARE:.0%} of the"
            f" {_minutes(plan.gap_minutes)} between runs"
        )
    return None


def _minutes(n: int) -> str:
    if n % 1440 == 0:
        return f"{n // 1440} d"
    if n % 60 == 0:
        return f"{n // 60} h"
    return f"{n} min"
