"""``archcheck scaffold SERVICE --target kubernetes``: the same Go worker, plus manifests.

The analysis comes from the user's manifests; the Go worker is rendered exactly as for compose;
the manifests (a Deployment per event worker with Dapr annotations, a PodDisruptionBudget and a
KEDA ScaledObject; a CronJob per job or a singleton cron Deployment, as ``scaffold.cronjobs``
places them; Dapr Subscriptions and Resiliency scoped to the worker's app-id; a kustomize
Component that also sets the API's WORKER_MODE) go to a folder beside the user's manifests.
Planning, diffs, conflicts and writing are the scaffold's own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from archcheck.errors import ExitCode, ScaffoldError
from archcheck.kubernetes import Manifest, load_manifests
from archcheck.model import Service, System
from archcheck.scaffold.cronjobs import CronAs, CronJobPlan, place
from archcheck.scaffold.gotarget import read_target
from archcheck.scaffold.plan import Planned, plan_root
from archcheck.scaffold.render import (
    DAPR_GRACE_S,
    EVENT_TIMEOUT_S,
    MAX_INTERVAL_S,
    MAX_RETRIES,
    STOP_TIMEOUT_S,
)
from archcheck.scaffold.request import CronSpec, ScaffoldRequest
from archcheck.structs import dataclass, replace

Echo = Callable[[str], None]

DRAIN_S = STOP_TIMEOUT_S
"""The worker's drain on SIGTERM: ``worker.stop_timeout`` in configs/worker.yaml."""
SIDECAR_GRACE_S = DAPR_GRACE_S
"""``dapr.io/graceful-shutdown-seconds``: daprd outlives the drain."""
TERMINATION_GRACE_S = DRAIN_S + SIDECAR_GRACE_S + 5
"""``terminationGracePeriodSeconds``: the drain plus the sidecar's grace, plus clean-up."""
DEAD_LETTER_SUFFIX = ".dlq"
"""``worker.dead_letter_suffix``'s default (configs/worker.yaml)."""
BURST = 4
"""``maxReplicaCount`` covers a burst of this many times the 7-day average need."""
BACKLOG_PER_POD = 10
"""KEDA's per-pod target: this many rounds of WORKER_CONCURRENCY events waiting."""
EVENT_RESOURCES = {
    "requests": {"cpu": "250m", "memory": "256Mi"},
    "limits": {"cpu": "1", "memory": "512Mi"},
}
CRON_RESOURCES = {
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "256Mi"},
}
JOB_TIMEOUT_S = 30 * 60
"""``worker.job_timeout``'s default (configs/worker.yaml): one run of a job, retries included."""
CRONJOB_BACKOFF_LIMIT = 1
"""A CronJob run's extra pods: the worker retries failures in-process already."""
PROMETHEUS_URL = "http://prometheus-operated.monitoring.svc:9090"
"""KEDA's Prometheus trigger address when the pub/sub has no scaler of its own: adjust it."""


@dataclass(frozen=True)
class KubernetesOptions:
    """The ``--target kubernetes`` flags."""

    manifests: tuple[Path, ...]
    cron_as: CronAs | None = None
    """Every job in the singleton Deployment (``deployment``), a CronJob per job (``cronjob``),
    or each by the rule of ``scaffold.cronjobs`` (None)."""


@dataclass(frozen=True)
class App:
    """What the worker manifests copy from the API's Deployment."""

    service: Service
    manifest: Manifest
    container: Mapping[str, Any]
    pod: Mapping[str, Any]
    pod_annotations: Mapping[str, str]


def resolve_service(system: System, name: str) -> Service:
    """The API service by its name or its application's short name (``pricing``)."""
    by_name = {s.name: s for s in system.services}
    for candidate in (name, f"{name}-service", f"{name}_service", f"{name}-api"):
        s = by_name.get(candidate)
        if s is not None and s.kubernetes is not None and s.role == "api":
            return s
    apis = sorted(s.name for s in system.services if s.role == "api" and s.kubernetes)
    raise ScaffoldError(
        f"no API workload {name!r} in the manifests; API workloads: {', '.join(apis) or '(none)'}"
    )


def _app(system: System, service: Service, manifests: tuple[Path, ...]) -> App:
    k8s = service.kubernetes
    assert k8s is not None
    inputs = load_manifests(manifests)
    manifest = next(
        m for m in inputs.manifests
        if m.kind == k8s.kind and m.namespace == k8s.namespace and m.name == service.name
    )
    pod = manifest.get("spec", "template", "spec") or {}
    containers = [c for c in pod.get("containers") or [] if isinstance(c, Mapping)]
    container = next((c for c in containers if c.get("name") != "daprd"), containers[0])
    annotations = manifest.get("spec", "template", "metadata", "annotations") or {}
    return App(service, manifest, container, pod, {str(k): str(v) for k, v in annotations.items()})


def _env(app: App, notes: Echo) -> list[dict[str, Any]]:
    from archcheck.files.redact import is_secret_name

    out: list[dict[str, Any]] = []
    for item in app.container.get("env") or []:
        if not isinstance(item, Mapping) or item.get("name") in ("WORKER_MODE", "WORKER_CONCURRENCY"):
            continue
        if "value" in item and is_secret_name(str(item.get("name"))):
            notes(
                f"note: {app.service.name}'s env {item['name']} holds a literal secret, which is"
                " not copied into the workers: give them the value through a secretKeyRef"
            )
            continue
        out.append(dict(item))
    return out


def _component(manifests: tuple[Path, ...], name: str) -> Manifest | None:
    inputs = load_manifests(manifests)
    return next(
        (m for m in inputs.manifests if m.kind == "Component" and m.name == name
         and m.api_version.startswith("dapr.io/")),
        None,
    )


def _metadata(component: Manifest | None) -> dict[str, str]:
    """A Component's plain ``spec.metadata`` values (secret references are left out)."""
    items = component.get("spec", "metadata") if component else None
    return {
        str(i["name"]): str(i["value"])
        for i in items if isinstance(i, Mapping) and "name" in i and "value" in i
    } if isinstance(items, list) else {}


def triggers(
    component: Manifest | None, topics: list[str], app_id: str, backlog: int, namespace: str | None
) -> tuple[list[dict[str, Any]], str]:
    """KEDA triggers matching the pub/sub component, and what they measure."""
    kind = str(component.get("spec", "type")) if component else ""
    meta = _metadata(component)
    if kind == "pubsub.kafka":
        group = meta.get("consumerGroup", app_id)
        group = app_id if "{" in group else group
        return [
            {"type": "kafka", "metadata": {
                "bootstrapServers": meta.get("brokers", "kafka:9092"), "consumerGroup": group,
                "topic": t, "lagThreshold": str(backlog)}}
            for t in topics
        ], "consumer-group lag per Kafka topic"
    if kind == "pubsub.redis":
        return [
            {"type": "redis-streams", "metadata": {
                "address": meta.get("redisHost", "redis:6379"), "stream": t,
                "consumerGroup": meta.get("consumerID", app_id),
                "pendingEntriesCount": str(backlog)}}
            for t in topics
        ], "pending entries of each Redis stream"
    if kind == "pubsub.rabbitmq":
        return [
            {"type": "rabbitmq", "metadata": {
                "protocol": "amqp", "queueName": f"{meta.get('consumerID', app_id)}-{t}",
                "mode": "QueueLength", "value": str(backlog), "hostFromEnv": "RABBITMQ_HOST"}}
            for t in topics
        ], "RabbitMQ queue length (the worker's env needs RABBITMQ_HOST)"
    where = f'namespace="{namespace}",' if namespace else ""
    return [
        {"type": "prometheus", "metadata": {
            "serverAddress": PROMETHEUS_URL,
            "query": f'sum(max_over_time(worker_queue_size{{{where}pod=~"{app_id}-.*"}}[2m]))',
            "threshold": str(backlog)}}
    ], f"worker_queue_size in Prometheus (check serverAddress {PROMETHEUS_URL})"


def render_manifests(
    request: ScaffoldRequest,
    app: App,
    *,
    folder: str,
    component: Manifest | None,
    needed: float,
    migration: Migration,
    api_mode: str,
    notes: Echo,
    cronjobs: tuple[list[CronJobPlan], list[CronSpec]] | None = None,
) -> dict[str, str]:
    """The worker manifests: file name (in the workers folder) -> text."""
    import json

    from archcheck.scaffold.render import _environment

    env = _environment()
    env.filters["yaml_flow"] = lambda v: json.dumps(v, ensure_ascii=False)
    s = app.service
    namespace = s.kubernetes.namespace if s.kubernetes else None
    concurrency = request.concurrency
    min_replicas = max(1, math.ceil(needed / concurrency))
    max_replicas = max(2, min_replicas * BURST, math.ceil(needed * BURST / concurrency))
    event_worker, cron_worker = f"{request.app}-event-worker", f"{request.app}-cron-worker"
    # NOTE: the name, route and dead-letter topic the worker announces (event/server.go).
    events = [
        {"topic": e.topic, "name": e.name or e.topic,
         "route": "/events/" + quote(e.name or e.topic, safe="$&+=:@"),
         "dead_letter_topic": e.dead_letter_topic or f"{e.topic}{DEAD_LETTER_SUFFIX}"}
        for e in request.events
    ]
    trigger_list, trigger_what = triggers(
        component, [e.topic for e in request.events], event_worker,
        concurrency * BACKLOG_PER_POD, namespace,
    )
    planned, kept = cronjobs if cronjobs is not None else ([], list(request.cron_jobs))
    ctx: dict[str, Any] = {
        "app": request.app, "service": s.name, "namespace": namespace, "folder": folder,
        "event_worker": event_worker, "cron_worker": cron_worker,
        "image": str(app.container.get("image") or s.image or ""),
        "binary": "/app/worker", "conf_dir": "/app/configs",
        "env": _env(app, notes), "volumes": app.pod.get("volumes"),
        "volume_mounts": app.container.get("volumeMounts"),
        "service_account": app.pod.get("serviceAccountName"),
        "image_pull_secrets": app.pod.get("imagePullSecrets"),
        "dapr_config": app.pod_annotations.get("dapr.io/config"),
        "app_port": request.app_port, "ops_port": request.ops_port,
        "concurrency": concurrency, "pubsub": request.pubsub, "events": events,
        "cron_jobs": [{"name": j.name, "spec": j.schedule} for j in kept],
        "cronjobs": planned, "backoff_limit": CRONJOB_BACKOFF_LIMIT,
        "active_deadline_s": (JOB_TIMEOUT_S + TERMINATION_GRACE_S) * (CRONJOB_BACKOFF_LIMIT + 1),
        "dapr_cron": app.pod_annotations.get("dapr.io/enabled") == "true",
        "drain_s": DRAIN_S, "sidecar_grace_s": SIDECAR_GRACE_S,
        "termination_grace_s": TERMINATION_GRACE_S, "event_timeout_s": EVENT_TIMEOUT_S,
        "max_retries": MAX_RETRIES, "max_interval_s": MAX_INTERVAL_S,
        "min_replicas": min_replicas, "max_replicas": max_replicas,
        "needed": round(needed, 1), "triggers": trigger_list, "trigger_what": trigger_what,
        "event_resources": EVENT_RESOURCES, "cron_resources": CRON_RESOURCES,
        "migration": migration.name, "migration_patch": migration.existing,
        "api_mode": api_mode,
        "api_container": str(app.container.get("name") or s.name),
    }
    out: dict[str, str] = {}
    if request.events:
        out["event-worker.yaml"] = env.get_template("k8s/event-worker.yaml.jinja").render(ctx)
        out["dapr.yaml"] = env.get_template("k8s/dapr.yaml.jinja").render(ctx)
    if kept:
        out["cron-worker.yaml"] = env.get_template("k8s/cron-worker.yaml.jinja").render(ctx)
    if planned:
        out["cronjobs.yaml"] = env.get_template("k8s/cronjobs.yaml.jinja").render(ctx)
    if migration.name is not None and not migration.existing:
        out["migration.yaml"] = env.get_template("k8s/migration.yaml.jinja").render(
            ctx, migration_command=["/app/migrate", "-conf", "/app/configs"]
        )
    out["kustomization.yaml"] = env.get_template("k8s/kustomization.yaml.jinja").render(
        ctx, resources=sorted(out)
    )
    return out


@dataclass(frozen=True)
class Migration:
    """The application's migration: the user's Job that nothing awaits yet (``existing``: the
    Component patches hooks onto it), a new Job for a ``cmd/migrate`` (``name`` only), or none."""

    name: str | None = None
    existing: bool = False


def find_migration(system: System, service: str, source: Path, app: str) -> Migration:
    """What to do about the application's migration (AC204 is what it fixes)."""
    for s in system.services:
        if s.role == "migration" and s.owner == service and s.kubernetes is not None:
            if s.kubernetes.awaited_by is None and not s.kubernetes.idempotent:
                return Migration(s.name, existing=True)
            return Migration()
    if (source / "cmd" / "migrate").is_dir():
        return Migration(f"{app}-migration")
    return Migration()


def run_seconds(system: System, service: str) -> dict[str, float]:
    """Each cron job's measured run time: ``cron_duration_s_max``, else its p95."""
    found: dict[str, float] = {}
    for metric in ("cron_duration_s_p95", "cron_duration_s_max"):  # the max wins
        for m in system.measurements:
            if m.service == service and m.metric == metric and m.workload:
                found[m.workload] = m.value
    return found


def _source(options_source: Path | None, folder: Path, app: str) -> Path:
    if options_source is not None:
        return options_source
    for candidate in (folder.parent / app, folder.parent / f"{app}-service", folder / app):
        if (candidate / "go.mod").is_file():
            return candidate
    raise ScaffoldError(
        f"manifests name images, not source folders: pass --source DIR (the Go module of {app})"
    )


def run_kubernetes(options: Any, k8s: KubernetesOptions, *, err: Echo, out: Echo) -> int:
    """The whole ``--target kubernetes`` command; returns the exit code."""
    from archcheck.engine.migration import api_worker_mode, app_name
    from archcheck.pipeline import AnalyzeOptions, run_analysis
    from archcheck.scaffold.render import render
    from archcheck.scaffold.run import _kinds, workload_specs
    from archcheck.scaffold.run import plan as plan_go

    if options.dry_run and options.check:
        raise ScaffoldError("--dry-run and --check do not go together: pick one")
    system, _, report = run_analysis(AnalyzeOptions(manifests=k8s.manifests, metrics=options.metrics))
    service = resolve_service(system, options.service)
    app = _app(system, service, k8s.manifests)
    short = app_name(service.name)
    inputs_folder = load_manifests(k8s.manifests).folder
    source = _source(options.source, inputs_folder, short)
    target = read_target(source)
    verdicts = [v for v in report.verdicts if v.service == service.name]
    kinds = _kinds(verdicts, options, service.name)
    for v in verdicts:
        if v.decision == "insufficient-data" and v.kind in kinds:
            err(f"note: {service.name} {v.kind}: {v.summary}")
    events, jobs, kept = workload_specs(report, service.name, kinds, target, options, err)
    pubsub = next((w.pubsub for w in report.workloads if w.service == service.name and w.pubsub), "pubsub")
    request = ScaffoldRequest(app=short, source_dir=source, events=events, cron_jobs=jobs, pubsub=pubsub)
    capacity = next((c for c in report.capacity if c.service == service.name), None)
    if capacity is not None:
        request = replace(request, concurrency=capacity.recommended_concurrency)
    cronjobs = place(
        request.cron_jobs, k8s.cron_as, app=short, timezone=request.timezone,
        run_seconds=run_seconds(system, service.name), notes=err,
    )
    rendered = render(request, target)
    rendered = replace(
        rendered,
        service_files={k: v for k, v in rendered.service_files.items() if not k.startswith("dapr/")},
    )
    folder = inputs_folder / f"{short}-workers"
    manifests = render_manifests(
        request, app, folder=folder.name,
        component=_component(k8s.manifests, pubsub),
        needed=capacity.needed if capacity is not None else 0.0,
        migration=find_migration(system, service.name, source, short),
        api_mode=api_worker_mode(kept), notes=err, cronjobs=cronjobs,
    )
    items = plan_go(request, target, rendered, force=options.force, reset=options.reset)
    items += plan_root(folder, manifests, force=options.force)
    return _finish(items, options, err=err, out=out, folder=folder)


def _finish(items: list[Planned], options: Any, *, err: Echo, out: Echo, folder: Path) -> int:
    from archcheck.scaffold.run import _label, settle, show_plan
    from archcheck.scaffold.write import apply

    show_plan(items, err)
    rerun = f"archcheck scaffold {options.service} --target kubernetes"
    code = settle(items, options, err=err, out=out, rerun=rerun)
    if code is not None:
        return code
    apply(items)
    err(
        f"next: add `components: [{folder.name}]` to the kustomization that holds the API, then"
        f" check: kubectl kustomize {_label(folder.parent, Path.cwd())} | archcheck analyze -"
    )
    return ExitCode.OK
