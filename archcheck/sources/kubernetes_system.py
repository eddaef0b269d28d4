"""Kubernetes objects -> services and workloads, as ``compose_system`` does for compose.

Deployments, StatefulSets, DaemonSets, CronJobs, Jobs and bare Pods become services; the pod
template's Dapr annotations (``dapr.io/enabled``, ``app-id``, ``graceful-shutdown-seconds``)
make a sidecar; Dapr Subscriptions and Components, HPAs, KEDA ScaledObjects and
PodDisruptionBudgets add what the cluster rules need. What manifests cannot show (topics, cron
jobs inside a Deployment, drain time, the environment) is declared in ``archcheck.dev/``
annotations, validated as strictly as ``x-archcheck``. Sources never decide: this only describes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from archcheck.errors import ManifestError
from archcheck.kubernetes import Manifest, ManifestSet
from archcheck.model import (
    Environment,
    KubernetesWorkload,
    Location,
    Note,
    OwnerMatch,
    Service,
    ServiceRole,
    Workload,
    general,
)
from archcheck.sources.compose_system import (
    _MODE_ROLE,  # NOTE: one table of worker modes for compose and Kubernetes
    CronDecl,
    EventDecl,
    _base_name,
    _by_base,
    _flag,
    worker_concurrency,
)
from archcheck.sources.dapr import PubsubComponent
from archcheck.sources.discovery import merge_workloads
from archcheck.structs import dataclass, field

PREFIX = "archcheck.dev/"
"""Annotations archcheck reads, the Kubernetes counterpart of ``x-archcheck``."""
DAPR_GRACE_DEFAULT = 5
"""daprd's ``--dapr-graceful-shutdown-seconds`` when the annotation is not written."""
GRACE_DEFAULT = 30
"""Kubernetes' ``terminationGracePeriodSeconds`` when not written."""

_POD_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Pod": (),
}
_RUN_ONCE = frozenset({"Job", "Pod"})
_KNOWN_KEYS = frozenset(
    {"role", "owner", "environment", "events", "cron", "drain-seconds", "idempotent", "job"}
)
_INFRASTRUCTURE = re.compile(
    r"(^|/)(postgres|mysql|mariadb|redis|valkey|mongo|kafka|rabbitmq|nats|zookeeper|"
    r"elasticsearch|memcached|etcd|minio|dapr|placement|envoy|nginx|traefik|prometheus|grafana)"
    r"([:@/-]|$)"
)
_WORKER_ROLES = frozenset({"event-worker", "cron-worker", "worker"})
_EVENTS: TypeAdapter[list[EventDecl]] = TypeAdapter(list[EventDecl])
_CRON: TypeAdapter[list[CronDecl]] = TypeAdapter(list[CronDecl])
_ROLE: TypeAdapter[ServiceRole] = TypeAdapter(ServiceRole)
_ENV: TypeAdapter[Environment] = TypeAdapter(Environment)


@dataclass(frozen=True)
class KubernetesFacts:
    """What the manifests say, in archcheck's vocabulary."""

    project: str
    services: tuple[Service, ...]
    workloads: tuple[Workload, ...]
    environment: Environment | None
    components: tuple[PubsubComponent, ...] = ()
    app_ids: Mapping[str, str] | None = None
    """Service -> its Dapr app-id, for services with a sidecar."""
    notes: tuple[Note, ...] = ()


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


@dataclass
class _Pod:
    """One workload object's pod template, and where it sits in the object."""

    m: Manifest
    path: tuple[str, ...]
    container: int
    """Index of the application container (the first one that is not daprd)."""
    annotations: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    containers: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # NOTE: read once: every check asks for them, once per object and rule.
        self.annotations = _strings(self.get("metadata", "annotations"))
        self.labels = _strings(self.get("metadata", "labels"))
        found = self.get("spec", "containers")
        self.containers = [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []

    def get(self, *path: str | int) -> Any:
        return self.m.get(*self.path, *path)

    def at(self, *path: str | int) -> Location:
        return self.m.locate(*self.path, *path)

    def app(self, *path: str | int) -> Any:
        return self.get("spec", "containers", self.container, *path)

    def app_at(self, *path: str | int) -> Location:
        return self.at("spec", "containers", self.container, *path)


def describe(inputs: ManifestSet) -> KubernetesFacts:
    """Services, workloads and declarations of the objects (linear in their number)."""
    notes: list[Note] = list(inputs.notes)
    pods: dict[str, _Pod] = {}
    for m in inputs.manifests:
        if m.kind in _POD_PATHS:
            pod = _pod(m)
            name = m.name if m.name not in pods else f"{m.kind.lower()}-{m.name}"
            pods[name] = pod
    if not pods:
        notes.append(
            general("no Deployment, StatefulSet, CronJob or Job in the manifests: nothing to judge")
        )
    services = {name: _service(name, pod, notes) for name, pod in pods.items()}
    services = _owners(services, pods)
    services = _cluster_objects(services, pods, inputs.manifests)
    app_ids = {
        name: pod.annotations.get("dapr.io/app-id", pod.m.name)
        for name, pod in pods.items()
        if _dapr(pod)
    }
    for name, app_id in app_ids.items():
        pod = pods[name]
        services[f"{name}-dapr"] = Service(
            name=f"{name}-dapr",
            role="sidecar",
            image="daprio/daprd",
            command=("./daprd", "--app-id", app_id),
            owner=name,
            location=pod.at("metadata", "annotations", "dapr.io/enabled"),
        )
    # NOTE: what the applications declare first; what their workers declare or subscribe to
    # completes it (a worker names its owner's workloads), as Go discovery does for compose.
    known: list[Workload] = []
    found: list[Workload] = []
    for name, pod in pods.items():
        by_worker = services[name].role in _WORKER_ROLES and services[name].owner is not None
        (found if by_worker else known).extend(_declared(services[name], pod))
    components, subscribed = _dapr_resources(inputs.manifests, services, pods, app_ids, notes)
    _check_configurations(inputs.manifests, pods, notes)
    found += subscribed
    return KubernetesFacts(
        project=_project(inputs),
        services=tuple(services.values()),
        workloads=merge_workloads(known, found),
        environment=_environment(inputs.manifests),
        components=tuple(components),
        app_ids=app_ids,
        notes=tuple(notes),
    )


def _pod(m: Manifest) -> _Pod:
    path = _POD_PATHS[m.kind]
    containers = m.get(*path, "spec", "containers")
    if not isinstance(containers, list) or not containers:
        raise ManifestError(
            f"{m.ref} has no containers; a pod template needs spec.containers",
            m.locate(*path, "spec"),
        )
    names = [c.get("name") if isinstance(c, Mapping) else None for c in containers]
    app = next((i for i, n in enumerate(names) if n not in ("daprd", "istio-proxy")), 0)
    return _Pod(m, path, app)


def _dapr(pod: _Pod) -> bool:
    return pod.annotations.get("dapr.io/enabled", "").lower() == "true"


def _annotation(pod: _Pod, key: str) -> tuple[str, Location] | None:
    """``archcheck.dev/KEY`` from the pod template, else from the object itself."""
    full = PREFIX + key
    if full in pod.annotations:
        return pod.annotations[full], pod.at("metadata", "annotations", full)
    if full in pod.m.annotations:
        return pod.m.annotations[full], pod.m.locate("metadata", "annotations", full)
    return None


def _seconds(pod: _Pod, key: str, where: str) -> int | None:
    value = pod.annotations.get(key) if where == "pod" else None
    found = _annotation(pod, key) if where == "archcheck" else None
    if found is not None:
        value = found[0]
    if value is None:
        return None
    if not value.strip().isdigit():
        at = found[1] if found else pod.at("metadata", "annotations", key)
        raise ManifestError(f"{key} is {value!r}: give whole seconds, as in \"30\"", at)
    return int(value)


def _check_annotations(pod: _Pod) -> None:
    for source, at in ((pod.annotations, ("meta",)), (pod.m.annotations, ("obj",))):
        for key in source:
            if key.startswith(PREFIX) and key[len(PREFIX) :] not in _KNOWN_KEYS:
                where = (
                    pod.at("metadata", "annotations", key)
                    if at == ("meta",)
                    else pod.m.locate("metadata", "annotations", key)
                )
                raise ManifestError(
                    f"unknown annotation {key}: archcheck reads "
                    + ", ".join(PREFIX + k for k in sorted(_KNOWN_KEYS))
                    + "; see docs/kubernetes.md",
                    where,
                )


def _command(pod: _Pod) -> tuple[str, ...]:
    parts: list[str] = []
    for key in ("command", "args"):
        value = pod.app(key)
        if isinstance(value, list):
            parts += [str(v) for v in value]
    return tuple(parts)


def _env(pod: _Pod) -> dict[str, str | None]:
    env = pod.app("env")
    out: dict[str, str | None] = {}
    for item in env if isinstance(env, list) else []:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            value = item.get("value")
            out[item["name"]] = None if value is None else str(value)
    return out


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _every(pod: _Pod, section: str) -> bool:
    """Every container sets both cpu and memory in ``resources.<section>``."""
    for c in pod.containers:
        resources = c.get("resources")
        values = resources.get(section) if isinstance(resources, Mapping) else None
        if not isinstance(values, Mapping) or not {"cpu", "memory"} <= set(values):
            return False
    return bool(pod.containers)


def _service(name: str, pod: _Pod, notes: list[Note]) -> Service:
    m = pod.m
    _check_annotations(pod)
    if m.annotations.get("dapr.io/enabled") and "dapr.io/enabled" not in pod.annotations:
        at = m.locate("metadata", "annotations", "dapr.io/enabled")
        text = (
            f"{at}: dapr.io annotations belong on the pod template"
            " (spec.template.metadata.annotations); the sidecar injector ignores them here"
        )
        notes.append(Note(text=text, service=name, location=at))
    env = _env(pod)
    command = _command(pod)
    mode = _flag(command, "mode") or env.get("WORKER_MODE")
    restart_policy = pod.get("spec", "restartPolicy")
    restart = "always" if m.kind not in _RUN_ONCE | {"CronJob"} else "no"
    if m.kind in _RUN_ONCE | {"CronJob"} and restart_policy == "Always":
        restart = "always"
    key_locations: dict[str, Location] = {}

    def remember(dotted: str, where: Location, written: bool = True) -> None:
        if written:
            key_locations[dotted] = where

    c = ("spec", "containers", pod.container)
    remember("deploy.replicas", m.locate("spec", "replicas"), m.has("spec", "replicas"))
    remember("deploy", pod.app_at("resources"), m.has(*pod.path, *c, "resources"))
    remember("deploy.resources", pod.app_at("resources"), m.has(*pod.path, *c, "resources"))
    remember("image", pod.app_at("image"), m.has(*pod.path, *c, "image"))
    remember("command", pod.app_at("args"), m.has(*pod.path, *c, "args"))
    remember("environment", pod.app_at("env"), m.has(*pod.path, *c, "env"))
    for index, item in enumerate(pod.app("env") or []):
        if isinstance(item, Mapping) and item.get("name") in ("WORKER_MODE", "WORKER_CONCURRENCY"):
            remember(f"environment.{item['name']}", pod.app_at("env", index))
    remember("restart", pod.at("spec", "restartPolicy"), m.has(*pod.path, "spec", "restartPolicy"))
    for key in ("concurrencyPolicy", "startingDeadlineSeconds", "schedule"):
        remember(f"spec.{key}", m.locate("spec", key), m.has("spec", key))
    remember(
        "terminationGracePeriodSeconds",
        pod.at("spec", "terminationGracePeriodSeconds"),
        m.has(*pod.path, "spec", "terminationGracePeriodSeconds"),
    )
    grace_key = "dapr.io/graceful-shutdown-seconds"
    remember(grace_key, pod.at("metadata", "annotations", grace_key), grace_key in pod.annotations)
    remember("metadata.annotations", pod.at("metadata", "annotations"), m.has(*pod.path, "metadata"))
    if found := _annotation(pod, "drain-seconds"):
        key_locations[f"{PREFIX}drain-seconds"] = found[1]
    if found := _annotation(pod, "owner"):
        key_locations[f"{PREFIX}owner"] = found[1]
    declared_role = _annotation(pod, "role")
    role = _validated(_ROLE, declared_role, "role") if declared_role else _role(pod, mode, env)
    declared_env = _annotation(pod, "environment")
    grace = pod.get("spec", "terminationGracePeriodSeconds")
    idempotent = _annotation(pod, "idempotent")
    return Service(
        name=name,
        role=role,
        image=str(pod.app("image")) if pod.app("image") is not None else None,
        command=command,
        environment_keys=tuple(env),
        worker_mode=mode,
        worker_concurrency=worker_concurrency(
            env.get("WORKER_CONCURRENCY"),
            key_locations.get("environment.WORKER_CONCURRENCY") or m.locate(),
            ManifestError,
        ),
        replicas=_int(m.get("spec", "replicas")) if m.kind not in _RUN_ONCE else None,
        restart=restart,
        has_resource_limits=_every(pod, "limits"),
        has_restart_policy=m.kind not in _RUN_ONCE or restart_policy == "OnFailure"
        or m.get("spec", "backoffLimit") != 0,
        owner=found[0] if (found := _annotation(pod, "owner")) else None,
        environment=_validated(_ENV, declared_env, "environment") if declared_env else None,
        location=m.locate("metadata", "name"),
        key_locations=key_locations,
        kubernetes=KubernetesWorkload(
            kind=m.kind,
            namespace=m.namespace,
            document=m.document,
            concurrency_policy=str(m.get("spec", "concurrencyPolicy") or "Allow")
            if m.kind == "CronJob"
            else None,
            starting_deadline_seconds=_int(m.get("spec", "startingDeadlineSeconds")),
            termination_grace_seconds=seconds if (seconds := _int(grace)) is not None else GRACE_DEFAULT,
            sidecar_grace_seconds=(_seconds(pod, grace_key, "pod") or DAPR_GRACE_DEFAULT)
            if _dapr(pod)
            else None,
            drain_seconds=_seconds(pod, "drain-seconds", "archcheck"),
            has_requests=_every(pod, "requests"),
            idempotent=bool(idempotent and idempotent[0].strip().lower() == "true"),
        ),
    )


def _validated(adapter: TypeAdapter[Any], found: tuple[str, Location], key: str) -> Any:
    try:
        return adapter.validate_python(found[0].strip())
    except ValidationError as exc:
        raise ManifestError(
            f"{PREFIX}{key}: {exc.errors(include_url=False)[0]['msg']}; see docs/kubernetes.md",
            found[1],
        ) from exc


def _role(pod: _Pod, mode: str | None, env: Mapping[str, str | None]) -> ServiceRole:
    m = pod.m
    name = m.name
    text = " ".join((name, *_command(pod), *(c.get("name", "") for c in pod.containers)))
    if m.kind in _RUN_ONCE:
        return "migration" if "migrat" in text else "infrastructure"
    if m.kind == "CronJob":
        return "cron-worker"
    declares = {k.removeprefix(PREFIX) for k in (*pod.annotations, *m.annotations)}
    if declares & {"events", "cron"} and "owner" not in declares:
        return "api"  # NOTE: the application itself, even when WORKER_MODE keeps only one kind
    if mode is not None and mode.lower() in _MODE_ROLE:
        return _MODE_ROLE[mode.lower()]
    if name.endswith("-worker") and (mode is None or mode.lower() in {"all", "worker"}):
        return "worker"
    if not declares and not _dapr(pod) and _INFRASTRUCTURE.search(str(pod.app("image") or "")):
        return "infrastructure"
    return "api"


def _owners(services: dict[str, Service], pods: Mapping[str, _Pod]) -> dict[str, Service]:
    """Owners of workers, migrations and CronJobs: declared, ``app.kubernetes.io/part-of``,
    else the name without its worker suffix (``pricing-event-worker`` -> ``pricing-service``)."""
    out: dict[str, Service] = {}
    for name, s in services.items():
        if s.owner is not None:
            if s.owner not in services:
                raise ManifestError(
                    f"{PREFIX}owner names {s.owner!r}, which is not a workload of these"
                    f" manifests; name one of: {', '.join(sorted(services))}",
                    s.key_locations.get(f"{PREFIX}owner", s.location),
                )
            out[name] = s.model_copy(update={"owner_match": "annotation"})
            continue
        if s.role not in _WORKER_ROLES | {"migration"}:
            out[name] = s
            continue
        part_of = pods[name].labels.get("app.kubernetes.io/part-of") or pods[name].m.labels.get(
            "app.kubernetes.io/part-of"
        )
        owner = _by_base(part_of, services, exclude=name) if part_of else None
        match: OwnerMatch = "part-of" if owner else "name"
        owner = owner or _by_base(_base_name(name), services, exclude=name)
        out[name] = s.model_copy(update={"owner": owner, "owner_match": match}) if owner else s
    return out


def _matches(selector: Any, labels: Mapping[str, str]) -> bool:
    match = selector.get("matchLabels") if isinstance(selector, Mapping) else None
    return (
        isinstance(match, Mapping)
        and bool(match)
        and all(labels.get(str(k)) == str(v) for k, v in match.items())
    )


def _cluster_objects(
    services: dict[str, Service], pods: Mapping[str, _Pod], manifests: Sequence[Manifest]
) -> dict[str, Service]:
    """Autoscalers, disruption budgets and migration ordering, onto the services' k8s facts."""
    by_target = {(p.m.kind, p.m.namespace, p.m.name): name for name, p in pods.items()}
    by_label: dict[tuple[str | None, str, str], list[str]] = {}
    for name, p in pods.items():
        for key, value in p.labels.items():
            by_label.setdefault((p.m.namespace, key, value), []).append(name)
    updates: dict[str, dict[str, Any]] = {name: {} for name in services}
    for m in manifests:
        if m.kind in ("HorizontalPodAutoscaler", "ScaledObject"):
            ref = m.get("spec", "scaleTargetRef")
            if not isinstance(ref, Mapping):
                continue
            kind = str(ref.get("kind") or "Deployment")
            target = by_target.get((kind, m.namespace, str(ref.get("name"))))
            if target is not None:
                top = m.get("spec", "maxReplicas" if m.kind != "ScaledObject" else "maxReplicaCount")
                updates[target]["autoscaler"] = f"{m.kind}/{m.name}"
                updates[target]["max_replicas"] = _int(top) or (100 if m.kind == "ScaledObject" else None)
                services[target].key_locations.setdefault("autoscaler", m.locate("spec", "scaleTargetRef"))
        elif m.kind == "PodDisruptionBudget":
            selector = m.get("spec", "selector")
            match = selector.get("matchLabels") if isinstance(selector, dict) else None
            first = next(iter(match.items()), None) if isinstance(match, dict) else None
            candidates = by_label.get((m.namespace, str(first[0]), str(first[1]))) if first else None
            for name in candidates or ():
                if _matches(selector, pods[name].labels):
                    updates[name]["disruption_budget"] = m.name
    awaiting = _init_container_words(pods)
    for name, pod in pods.items():
        s = services[name]
        if s.role == "migration":
            updates[name]["awaited_by"] = _awaited_by(pod, s, pods, awaiting)
    out: dict[str, Service] = {}
    for name, s in services.items():
        k8s = s.kubernetes
        out[name] = (
            s.model_copy(update={"kubernetes": k8s.model_copy(update=updates[name])})
            if k8s is not None and updates[name]
            else s
        )
    return out


def _init_container_words(pods: Mapping[str, _Pod]) -> dict[str, str]:
    """Every word an init container's command or args name -> ``init container C of POD``."""
    words: dict[str, str] = {}
    for name, pod in pods.items():
        inits = pod.get("spec", "initContainers")
        for c in inits if isinstance(inits, list) else []:
            if not isinstance(c, dict):
                continue
            text = " ".join(str(p) for key in ("command", "args") for p in (c.get(key) or []))
            for word in re.findall(r"[A-Za-z0-9][A-Za-z0-9.-]*", text):
                words.setdefault(word, f"init container {c.get('name')} of {name}")
    return words


def _awaited_by(
    pod: _Pod, migration: Service, pods: Mapping[str, _Pod], awaiting: Mapping[str, str]
) -> str | None:
    notes = {**pod.m.annotations, **pod.annotations}
    hooks = {h.strip() for h in notes.get("helm.sh/hook", "").split(",")}
    if hooks & {"pre-install", "pre-upgrade"}:
        return f"helm hook {', '.join(sorted(hooks & {'pre-install', 'pre-upgrade'}))}"
    if notes.get("argocd.argoproj.io/hook") in ("PreSync", "Sync") and pod.m.kind in _RUN_ONCE:
        return f"argo {notes['argocd.argoproj.io/hook']} hook"
    wave = _int(notes.get("argocd.argoproj.io/sync-wave"))
    owner = pods.get(migration.owner or "")
    owner_wave = _int(owner.m.annotations.get("argocd.argoproj.io/sync-wave", "0")) if owner else 0
    if wave is not None and owner is not None and wave < (owner_wave or 0):
        return f"argo sync wave {wave} (before {owner.m.name}'s {owner_wave or 0})"
    return awaiting.get(pod.m.name)


def _declared(service: Service, pod: _Pod) -> list[Workload]:
    """``archcheck.dev/events`` and ``/cron`` annotations, and a CronJob's own schedule."""
    target = service.owner if service.role in _WORKER_ROLES and service.owner else service.name
    out: list[Workload] = []
    for key, adapter in (("events", _EVENTS), ("cron", _CRON)):
        found = _annotation(pod, key)
        if found is None:
            continue
        text, at = found
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ManifestError(
                f"{PREFIX}{key} is not a YAML list ({exc.__class__.__name__}); write it as in"
                " docs/kubernetes.md",
                at,
            ) from exc
        try:
            decls = adapter.validate_python(raw if raw is not None else [])
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            dotted = ".".join(str(p) for p in first["loc"])
            raise ManifestError(
                f"{PREFIX}{key}: {dotted}: {first['msg']}; see docs/kubernetes.md", at
            ) from exc
        for d in decls:
            if isinstance(d, EventDecl):
                out.append(
                    Workload(
                        service=target, kind="events", name=d.name or d.topic, topic=d.topic,
                        pubsub=d.pubsub, handler=d.handler, dead_letter_topic=d.dead_letter_topic,
                        origin="x-archcheck", location=at,
                    )
                )
            else:
                out.append(
                    Workload(
                        service=target, kind="cron", name=d.name, schedule=d.schedule,
                        handler=d.handler, origin="x-archcheck", location=at,
                    )
                )
    m = pod.m
    if m.kind == "CronJob" and not any(w.kind == "cron" for w in out):
        job = _annotation(pod, "job")
        app = re.sub(r"[-_](service|api|svc)$", "", target)
        name = job[0] if job else m.name.removeprefix(f"{app}-") or m.name
        out.append(
            Workload(
                service=target, kind="cron", name=name,
                schedule=str(m.get("spec", "schedule") or "") or None,
                origin="kubernetes", location=m.locate("spec", "schedule"),
            )
        )
    return out


def _dapr_resources(
    manifests: Sequence[Manifest],
    services: Mapping[str, Service],
    pods: Mapping[str, _Pod],
    app_ids: Mapping[str, str],
    notes: list[Note],
) -> tuple[list[PubsubComponent], list[Workload]]:
    """Pub/sub Components, and Subscriptions as events workloads of the app-ids they scope."""
    by_app_id = {app_id: name for name, app_id in app_ids.items()}
    components: list[PubsubComponent] = []
    workloads: list[Workload] = []
    for m in manifests:
        if not m.api_version.startswith("dapr.io/"):
            continue
        scopes = tuple(str(s) for s in m.get("scopes") or () if s)
        if m.kind == "Component" and str(m.get("spec", "type") or "").startswith("pubsub."):
            components.append(
                PubsubComponent(m.name, str(m.get("spec", "type")), m.locate("metadata", "name"), scopes)
            )
        if m.kind == "Resiliency":
            notes.extend(map(general, _inbound_retries(m, scopes)))
        if m.kind != "Subscription":
            continue
        topic = m.get("spec", "topic")
        if not isinstance(topic, str) or not topic:
            notes.append(general(f"{m.locate('spec')}: Subscription without spec.topic; skipped"))
            continue
        apps = [by_app_id[a] for a in scopes if a in by_app_id] if scopes else [
            name for name in app_ids if pods[name].m.namespace == m.namespace
        ]
        if not apps:
            notes.append(general(
                f"{m.locate('spec', 'topic')}: subscription to {topic!r} belongs to no Dapr app of"
                " these manifests; scope it to an app-id (scopes: [APP-ID])"
            ))  # fmt: skip
        route = m.get("spec", "route") or m.get("spec", "routes", "default")
        dlq = m.get("spec", "deadLetterTopic")
        for app in apps:
            s = services[app]
            target = s.owner if s.role in _WORKER_ROLES and s.owner else app
            workloads.append(
                Workload(
                    service=target, kind="events", name=topic, topic=topic,
                    pubsub=str(m.get("spec", "pubsubname") or "") or None,
                    route=str(route) if isinstance(route, str) else None,
                    dead_letter_topic=dlq if isinstance(dlq, str) and dlq else None,
                    origin="dapr", location=m.locate("spec", "topic"),
                )
            )
    return components, workloads


def _inbound_retries(m: Manifest, scopes: tuple[str, ...]) -> list[str]:
    """What a Resiliency says about redelivering events, as compose discovery words it."""
    targets = m.get("spec", "targets", "components")
    found: list[str] = []
    for component, target in targets.items() if isinstance(targets, dict) else ():
        retry = target.get("inbound", {}).get("retry") if isinstance(target, dict) else None
        if not isinstance(retry, str):
            continue
        limit = m.get("spec", "policies", "retries", retry, "maxRetries")
        retries = f"{limit} retries" if isinstance(limit, int) and limit >= 0 else "unbounded retries"
        apps = f" for {', '.join(scopes)}" if scopes else ""
        found.append(
            f"{m.locate('spec', 'targets', 'components', str(component))}: Dapr redelivers events"
            f" from {component!r}{apps} with retry policy {retry!r} ({retries})"
        )
    return found


def _check_configurations(
    manifests: Sequence[Manifest], pods: Mapping[str, _Pod], notes: list[Note]
) -> None:
    configured = {
        m.name for m in manifests if m.api_version.startswith("dapr.io/") and m.kind == "Configuration"
    }
    for service, pod in pods.items():
        name = pod.annotations.get("dapr.io/config")
        if name and name not in configured:
            at = pod.at("metadata", "annotations", "dapr.io/config")
            text = (
                f"{at}: dapr.io/config names Configuration {name!r}, which is not in these"
                " manifests (it may be applied separately)"
            )
            notes.append(Note(text=text, service=service, location=at))


def _environment(manifests: Sequence[Manifest]) -> Environment | None:
    """``archcheck.dev/environment`` on a Namespace object: the project-wide environment."""
    for m in manifests:
        if m.kind == "Namespace" and (value := m.annotations.get(f"{PREFIX}environment")):
            at = m.locate("metadata", "annotations", f"{PREFIX}environment")
            env: Environment = _validated(_ENV, (value, at), "environment")
            return env
    return None


def _project(inputs: ManifestSet) -> str:
    """The most common namespace, else the manifests folder's name."""
    namespaces = Counter(m.namespace for m in inputs.manifests if m.namespace)
    if namespaces:
        return namespaces.most_common(1)[0][0]
    return inputs.folder.name or "kubernetes"
