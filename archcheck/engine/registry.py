"""The explicit registry of checks a rule file can name (``check: event_volume``).

Nothing is discovered implicitly: adding a check means adding a line here, and
``tests/engine/test_engine_rules.py`` checks that every check is used by a shipped rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from archcheck.engine import cluster, criteria, hygiene
from archcheck.engine.capacity import CapacityParams
from archcheck.engine.criteria import Params
from archcheck.structs import dataclass

CheckKind = Literal["criterion", "hygiene"]

CRITERION_FIELDS = frozenset(
    {"service", "kind", "criterion", "value", "threshold", "unit", "priority", "outcome"}
)


@dataclass(frozen=True)
class Check:
    """A Python evaluator and the parameter model its rules are validated against."""

    kind: CheckKind
    params: type[Params]
    fn: Callable[..., Any]
    fields: frozenset[str]
    """Names a rule's message template may use (besides its params)."""


def _criterion(params: type[Params], fn: Callable[..., Any]) -> Check:
    return Check("criterion", params, fn, CRITERION_FIELDS)


def _hygiene(params: type[Params], fn: Callable[..., Any], *fields: str) -> Check:
    return Check("hygiene", params, fn, frozenset({"service", *fields}))


CHECKS: dict[str, Check] = {
    "event_volume": _criterion(criteria.EventVolumeParams, criteria.event_volume),
    "processing_time": _criterion(criteria.ProcessingTimeParams, criteria.processing_time),
    "retry_dead_letter": _criterion(criteria.RetryParams, criteria.retry_dead_letter),
    "cron_run_time": _criterion(criteria.CronRunTimeParams, criteria.cron_run_time),
    "schedules": _criterion(criteria.SchedulesParams, criteria.schedules),
    "resource_usage": _criterion(criteria.ResourceParams, criteria.resource_usage),
    "scaling_needs": _criterion(criteria.ScalingParams, criteria.scaling_needs),
    "deploy_frequency": _criterion(criteria.DeployFrequencyParams, criteria.deploy_frequency),
    "environment": _criterion(criteria.EnvironmentParams, criteria.environment),
    "migration_not_run_once": _hygiene(
        hygiene.NoParams, hygiene.migration_not_run_once, "restart"
    ),
    "migration_not_awaited": _hygiene(
        hygiene.NoParams, hygiene.migration_not_awaited, "migration", "condition"
    ),
    "container_name_with_replicas": _hygiene(
        hygiene.NoParams, hygiene.container_name_with_replicas, "container_name", "replicas"
    ),
    "cron_worker_replicated": _hygiene(
        hygiene.NoParams, hygiene.cron_worker_replicated, "replicas"
    ),
    "api_runs_separated_workloads": _hygiene(
        hygiene.NoParams, hygiene.api_runs_separated_workloads, "worker", "kind", "mode",
        "because",
    ),
    "api_may_run_separated_workloads": _hygiene(
        hygiene.NoParams, hygiene.api_may_run_separated_workloads, "worker", "kind", "why"
    ),
    "worker_without_resource_limits": _hygiene(
        hygiene.NoParams, hygiene.worker_without_resource_limits, "role"
    ),
    "worker_without_restart_policy": _hygiene(
        hygiene.NoParams, hygiene.worker_without_restart_policy, "role"
    ),
    "event_worker_under_capacity": _hygiene(
        CapacityParams, hygiene.event_worker_under_capacity,
        "needed", "available", "replicas", "concurrency", "events_per_minute", "latency_ms",
    ),
    "event_worker_without_sidecar": _hygiene(
        hygiene.NoParams, hygiene.event_worker_without_sidecar
    ),
    "worker_depends_on_api": _hygiene(hygiene.NoParams, hygiene.worker_depends_on_api, "api"),
    "cron_worker_scaled": _hygiene(
        hygiene.NoParams, cluster.cron_worker_scaled, "replicas", "by"
    ),
    "cronjob_allows_overlap": _hygiene(
        hygiene.NoParams, cluster.cronjob_allows_overlap, "policy"
    ),
    "cronjob_without_starting_deadline": _hygiene(
        hygiene.NoParams, cluster.cronjob_without_starting_deadline
    ),
    "migration_not_ordered": _hygiene(hygiene.NoParams, cluster.migration_not_ordered, "kind"),
    "event_worker_without_disruption_budget": _hygiene(
        hygiene.NoParams, cluster.event_worker_without_disruption_budget
    ),
    "termination_grace_too_short": _hygiene(
        cluster.DrainParams, cluster.termination_grace_too_short,
        "grace", "needed", "drain", "sidecar", "drain_source",
    ),
    "sidecar_grace_too_short": _hygiene(
        cluster.DrainParams, cluster.sidecar_grace_too_short, "sidecar", "drain", "drain_source"
    ),
    "worker_without_requests_limits": _hygiene(
        hygiene.NoParams, cluster.worker_without_requests_limits, "role", "missing"
    ),
}
