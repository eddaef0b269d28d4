"""Compose project -> services and workloads: what each service is for and what work it runs.

Roles come from signals Compose shows (``WORKER_MODE``, ``-mode``, run-once migrations, Dapr
sidecars, ``network_mode: service:X``); what Compose cannot show (topics, cron schedules, the
deployment environment) is declared in an ``x-archcheck`` extension, validated strictly here.
Sources never decide: this module only describes.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from archcheck.compose import ComposeProject
from archcheck.errors import ArchcheckError, ComposeError
from archcheck.files.read import read_text
from archcheck.files.yamlpos import KeyPath, validation_error
from archcheck.model import (
    Declaration,
    Environment,
    Location,
    Note,
    OwnerMatch,
    Service,
    ServiceRole,
    Workload,
)
from archcheck.records import Invalid, Record, spec
from archcheck.schedule import valid_schedule
from archcheck.structs import dataclass

EXTENSION = "x-archcheck"


class EventDecl(Record):
    """An event subscription the service handles."""

    topic: str = spec(min_length=1)
    name: str | None = spec(default=None, description="Defaults to the topic.")
    pubsub: str | None = None
    handler: str | None = None
    dead_letter_topic: str | None = spec(
        default=None, description="The subscription's dead-letter topic: a dead-letter queue is needed."
    )
    retry_needed: bool | None = spec(
        default=None, description="Whether failed deliveries need retries (when not measured)."
    )
    dead_letter_needed: bool | None = spec(
        default=None, description="Whether a dead-letter queue is needed (when not measured)."
    )

    def check_record(self) -> None:
        if self.dead_letter_topic and self.dead_letter_needed is False:
            raise ValueError(
                "dead_letter_topic says a dead-letter queue exists but dead_letter_needed is"
                " false: remove one of them"
            )


def _schedule(value: str | None) -> str | None:
    if value is not None and not valid_schedule(value):
        raise ValueError(
            f"{value!r} is not a cron schedule: use 5 fields ('*/5 * * * *') or '@every 1m'"
        )
    return value


class CronDecl(Record):
    """A scheduled job the service runs."""

    name: str = spec(min_length=1)
    schedule: str | None = spec(
        default=None, description="Cron spec or @every 1m.", check=_schedule
    )
    handler: str | None = None


class ServiceExtension(Record):
    """``x-archcheck`` inside a service."""

    role: ServiceRole | None = None
    owner: str | None = None
    environment: Environment | None = None
    events: list[EventDecl] = spec(default_factory=list)
    cron: list[CronDecl] = spec(default_factory=list)
    main: str | None = spec(
        default=None,
        description="Folder of the Go main package the container runs, relative to the compose"
        " file (when archcheck cannot read it from the Dockerfile).",
    )


class ProjectExtension(Record):
    """``x-archcheck`` at the top level of the compose file."""

    environment: Environment | None = None
    metrics: str | list[str] | None = spec(
        default=None, description="Metrics snapshot file(s), relative to the compose file."
    )


@dataclass(frozen=True)
class ComposeFacts:
    """What the compose project says, in archcheck's vocabulary."""

    services: tuple[Service, ...]
    workloads: tuple[Workload, ...]
    environment: Environment | None
    metrics: tuple[str, ...]
    """Snapshot paths named in the top-level ``x-archcheck`` (relative to the compose file)."""
    notes: tuple[Note, ...] = ()
    declarations: tuple[Declaration, ...] = ()
    """``retry_needed``, ``dead_letter_needed`` and ``dead_letter_topic`` of declared events."""
    environment_location: Location | None = None


_WORKER_SUFFIXES = (
    "-event-worker",
    "-events-worker",
    "-cron-worker",
    "-worker",
    "-events",
    "-cron",
    "-migration",
    "-migrations",
    "-migrate",
    "-dapr",
    "-sidecar",
    "-daprd",
)
_OWNER_SUFFIXES = ("", "-service", "-api", "-svc", "-server")
_MODE_ROLE: dict[str, ServiceRole] = {
    "events": "event-worker",
    "event": "event-worker",
    "cron": "cron-worker",
    "jobs": "cron-worker",
}


def describe(project: ComposeProject) -> ComposeFacts:
    """Services, workloads and declarations of ``project`` (linear in the number of services)."""
    project_ext = _project_extension(project)
    raw = project.services
    completed_deps = {
        dep
        for svc in raw.values()
        for dep, cond in _depends_on(svc).items()
        if cond == "service_completed_successfully"
    }
    extensions = {name: _service_extension(project, name, svc) for name, svc in raw.items()}
    with_sidecar = _served_by_sidecar(raw)
    services: dict[str, Service] = {}
    for name, svc in raw.items():
        services[name] = _service(
            project, name, svc, extensions[name], name in completed_deps, name in with_sidecar
        )
    services, notes = _with_owners(services)
    workloads: list[Workload] = []
    declarations: list[Declaration] = []
    for name, ext in extensions.items():
        if ext is None:
            continue
        service = services[name]
        if service.role in _WORKER_ROLES and service.owner is None:
            continue  # not judged: the note from _with_owners says so
        target = service.owner if service.role in _WORKER_ROLES else name
        target = target or name
        base: KeyPath = ("services", name, EXTENSION)
        for i, event in enumerate(ext.events):
            workload = event.name or event.topic
            workloads.append(
                Workload(
                    service=target,
                    kind="events",
                    name=workload,
                    topic=event.topic,
                    pubsub=event.pubsub,
                    handler=event.handler,
                    dead_letter_topic=event.dead_letter_topic,
                    origin="x-archcheck",
                    location=project.locate(*base, "events", i),
                )
            )
            declarations += _declared(project, (*base, "events", i), target, workload, event)
        for i, job in enumerate(ext.cron):
            workloads.append(
                Workload(
                    service=target,
                    kind="cron",
                    name=job.name,
                    schedule=job.schedule,
                    handler=job.handler,
                    origin="x-archcheck",
                    location=project.locate(*base, "cron", i),
                )
            )
    metrics = project_ext.metrics
    return ComposeFacts(
        services=tuple(services.values()),
        workloads=tuple(_unique(workloads)),
        environment=project_ext.environment,
        metrics=(metrics,) if isinstance(metrics, str) else tuple(metrics or ()),
        notes=tuple(notes),
        declarations=tuple(declarations),
        environment_location=(
            project.locate(EXTENSION, "environment") or _scan_top_level(project, ("environment",))
        )
        if project_ext.environment is not None
        else None,
    )


def _declared(
    project: ComposeProject, at: KeyPath, service: str, workload: str, event: EventDecl
) -> list[Declaration]:
    """What the team states about one subscription; a dead-letter topic says a DLQ is needed."""
    facts: list[tuple[str, bool | None]] = [
        ("retry_needed", event.retry_needed),
        ("dead_letter_needed", event.dead_letter_needed),
    ]
    out: list[Declaration] = []
    for key, value in facts:
        if value is not None:
            out.append(
                Declaration.model_validate(
                    {"service": service, "workload": workload, "fact": key, "value": value,
                     "source": EXTENSION, "location": project.locate(*at, key)}
                )
            )  # fmt: skip
    if event.dead_letter_topic and event.dead_letter_needed is None:
        out.append(
            Declaration(
                service=service, workload=workload, fact="dead_letter_needed", value=True,
                source=f"{EXTENSION} dead_letter_topic {event.dead_letter_topic}",
                location=project.locate(*at, "dead_letter_topic"),
            )
        )  # fmt: skip
    return out


_WORKER_ROLES = frozenset({"event-worker", "cron-worker", "worker"})


def _served_by_sidecar(raw: dict[str, dict[str, Any]]) -> set[str]:
    """Services a Dapr sidecar serves (``network_mode: service:X`` or ``--app-id X``): apps."""
    served: set[str] = set()
    for svc in raw.values():
        command = _command(svc) or _command(svc, "entrypoint")
        if not _is_sidecar(svc.get("image"), command):
            continue
        network = str(svc.get("network_mode") or "")
        if network.startswith("service:"):
            served.add(network[8:])
        app_id = _flag(command, "app-id")
        if app_id:
            served.add(app_id)
    return served


def _unique(workloads: list[Workload]) -> list[Workload]:
    """One workload per (service, kind, name): a worker and its API may both declare it."""
    seen: dict[tuple[str, str, str], Workload] = {}
    for w in workloads:
        seen.setdefault((w.service, w.kind, w.name), w)
    return list(seen.values())


def _error(message: str, location: Location | None) -> ComposeError:
    return ComposeError(message, location)


def _project_extension(project: ComposeProject) -> ProjectExtension:
    raw = project.config.get(EXTENSION)
    if raw is None:
        return ProjectExtension()
    try:
        return ProjectExtension.model_validate(raw)
    except Invalid as exc:
        raise validation_error(
            exc.error,
            lambda p: project.locate(EXTENSION, *p) or _scan_top_level(project, p),
            _error,
            what=f"top-level {EXTENSION}",
            hint="see docs/x-archcheck.md",
        ) from exc


def _scan_top_level(project: ComposeProject, path: KeyPath) -> Location | None:
    """Find the top-level extension (and its first key) by reading the file.

    NOTE: a fallback for loaders that keep no positions for top-level ``x-`` keys.
    """
    for file in project.files:
        try:
            lines = read_text(file, "compose file").splitlines()
        except ArchcheckError:
            continue
        for number, line in enumerate(lines, start=1):
            if line.startswith(f"{EXTENSION}:"):
                found = Location(file=str(file), line=number, column=1)
                if not path:
                    return found
                key = f"{path[0]}:"
                for offset, inner in enumerate(lines[number:], start=number + 1):
                    if inner and not inner[0].isspace():
                        break
                    if inner.strip().startswith(key):
                        return Location(
                            file=str(file), line=offset, column=len(inner) - len(inner.lstrip()) + 1
                        )
                return found
    return None


def _service_extension(
    project: ComposeProject, name: str, svc: dict[str, Any]
) -> ServiceExtension | None:
    raw = svc.get(EXTENSION)
    if raw is None:
        return None
    try:
        return ServiceExtension.model_validate(raw)
    except Invalid as exc:
        raise validation_error(
            exc.error,
            lambda p: project.locate("services", name, EXTENSION, *p),
            _error,
            what=f"services.{name}.{EXTENSION}",
            hint="see docs/x-archcheck.md",
        ) from exc


def environment_map(svc: dict[str, Any]) -> dict[str, str | None]:
    """The service's ``environment`` as a mapping (Compose allows a list of ``K=V``)."""
    env = svc.get("environment")
    if isinstance(env, dict):
        return {str(k): None if v is None else str(v) for k, v in env.items()}
    out: dict[str, str | None] = {}
    if isinstance(env, list):
        for item in env:
            key, sep, value = str(item).partition("=")
            out[key] = value if sep else None
    return out


def _command(svc: dict[str, Any], key: str = "command") -> tuple[str, ...]:
    cmd = svc.get(key)
    if isinstance(cmd, str):
        try:
            return tuple(shlex.split(cmd))
        except ValueError:
            return tuple(cmd.split())
    if isinstance(cmd, list):
        return tuple(str(part) for part in cmd)
    return ()


def command_of(svc: dict[str, Any]) -> tuple[str, ...]:
    """The service's command as argv (its entrypoint when it has no command)."""
    return _command(svc) or _command(svc, "entrypoint")


def flag_values(args: tuple[str, ...], name: str) -> list[str]:
    """Every value of a repeatable Go flag (``--resources-path A --resources-path=B``)."""
    out: list[str] = []
    for i, arg in enumerate(args):
        for flag in ("-" + name, "--" + name):
            if arg == flag and i + 1 < len(args):
                out.append(args[i + 1])
            elif arg.startswith(flag + "="):
                out.append(arg[len(flag) + 1 :])
    return out


def _flag(args: tuple[str, ...], *names: str) -> str | None:
    """The value of ``-name X``, ``--name X`` or ``--name=X`` in ``args`` (Go flag syntax)."""
    for i, arg in enumerate(args):
        for name in names:
            for dashes in ("-", "--"):
                flag = dashes + name
                if arg == flag and i + 1 < len(args):
                    return args[i + 1]
                if arg.startswith(flag + "="):
                    return arg[len(flag) + 1 :]
    return None


def _depends_on(svc: dict[str, Any]) -> dict[str, str]:
    deps = svc.get("depends_on")
    if isinstance(deps, list):
        return {str(d): "service_started" for d in deps}
    if isinstance(deps, dict):
        return {
            str(d): str((spec or {}).get("condition", "service_started"))
            if isinstance(spec, dict) or spec is None
            else "service_started"
            for d, spec in deps.items()
        }
    return {}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


_WHOLE = re.compile(r"[+-]?[0-9]+")
"""What Go's ``strconv.Atoi`` accepts (the scaffolded worker reads WORKER_CONCURRENCY so)."""


def worker_concurrency(
    value: str | None, at: Location | None, error: type[ArchcheckError] = ComposeError
) -> int | None:
    """WORKER_CONCURRENCY as the worker reads it: a whole number of at least 1 (it refuses
    anything else at start, so AC108 must not assume a default for it instead).

    The value itself is not echoed: it is an environment value (``files/redact.py``)."""
    if value is None or value == "":
        return None
    if _WHOLE.fullmatch(value) is None or int(value) < 1:
        raise error(
            "WORKER_CONCURRENCY must be a whole number of at least 1 (the worker refuses to "
            "start otherwise): set it to the number of events one replica handles at once",
            at,
        )
    return int(value)


def _service(
    project: ComposeProject,
    name: str,
    svc: dict[str, Any],
    ext: ServiceExtension | None,
    awaited_to_complete: bool,
    has_sidecar: bool = False,
) -> Service:
    env = environment_map(svc)
    command = _command(svc) or _command(svc, "entrypoint")
    image = svc.get("image")
    build = svc.get("build")
    context = build.get("context") if isinstance(build, dict) else build
    dockerfile = build.get("dockerfile") if isinstance(build, dict) else None
    deploy: dict[str, Any] = svc["deploy"] if isinstance(svc.get("deploy"), dict) else {}
    limits = (deploy.get("resources") or {}).get("limits") or {}
    restart_policy = deploy.get("restart_policy") or {}
    restart = svc.get("restart")
    restart_str = None if restart is None else ("no" if restart is False else str(restart))
    mode = _flag(command, "mode") or env.get("WORKER_MODE")
    replicas = _int(deploy.get("replicas")) if "replicas" in deploy else _int(svc.get("scale"))
    base: KeyPath = ("services", name)
    env_keys = tuple(env)

    key_locations: dict[str, Location] = {}

    def remember(dotted: str, *path: str | int) -> None:
        loc = project.locate(*base, *path)
        if loc is not None:
            key_locations[dotted] = loc

    for dotted in (
        "container_name",
        "restart",
        "image",
        "build",
        "command",
        "network_mode",
        "deploy",
        "deploy.replicas",
        "deploy.resources",
        "deploy.restart_policy",
        "depends_on",
        "environment",
        "scale",
    ):
        if _has(svc, dotted):
            remember(dotted, *dotted.split("."))
    if ext is not None and ext.owner is not None:
        remember(f"{EXTENSION}.owner", EXTENSION, "owner")
    if ext is not None and ext.environment is not None:
        remember(f"{EXTENSION}.environment", EXTENSION, "environment")
    for key in ("WORKER_MODE", "WORKER_CONCURRENCY"):
        if key in env:
            remember(f"environment.{key}", "environment", key)
            if f"environment.{key}" in key_locations and key_locations[
                f"environment.{key}"
            ] == key_locations.get("environment"):
                _locate_list_item(project, base, svc, key, key_locations)
    for dep in _depends_on(svc):
        remember(f"depends_on.{dep}", "depends_on", dep)
        if _has(svc, "depends_on") and isinstance(svc["depends_on"], list):
            index = [str(d) for d in svc["depends_on"]].index(dep)
            loc = project.locate(*base, "depends_on", index)
            if loc is not None:
                key_locations[f"depends_on.{dep}"] = loc

    role = (
        ext.role
        if ext and ext.role
        else _role(
            name,
            svc,
            image,
            context,
            command,
            mode,
            restart_str,
            awaited_to_complete,
            ext,
            has_sidecar,
        )
    )
    return Service(
        name=name,
        role=role,
        image=str(image) if image is not None else None,
        build_context=str(context) if context is not None else None,
        dockerfile=str(dockerfile) if dockerfile is not None else None,
        command=command,
        environment_keys=env_keys,
        worker_mode=mode,
        worker_concurrency=worker_concurrency(
            env.get("WORKER_CONCURRENCY"),
            key_locations.get("environment.WORKER_CONCURRENCY") or project.locate(*base),
        ),
        replicas=replicas,
        container_name=svc.get("container_name"),
        restart=restart_str,
        has_resource_limits=bool(limits) or "mem_limit" in svc or "cpus" in svc,
        has_restart_policy=restart_str not in (None, "no") or bool(restart_policy),
        depends_on=_depends_on(svc),
        network_mode=svc.get("network_mode"),
        owner=ext.owner if ext else None,
        environment=ext.environment if ext else None,
        environment_location=key_locations.get(f"{EXTENSION}.environment"),
        location=project.locate(*base),
        key_locations=key_locations,
    )


def _locate_list_item(
    project: ComposeProject,
    base: KeyPath,
    svc: dict[str, Any],
    key: str,
    key_locations: dict[str, Location],
) -> None:
    env = svc.get("environment")
    if isinstance(env, list):
        for i, item in enumerate(env):
            if str(item).partition("=")[0] == key:
                loc = project.locate(*base, "environment", i)
                if loc is not None:
                    key_locations[f"environment.{key}"] = loc


def _has(svc: dict[str, Any], dotted: str) -> bool:
    node: Any = svc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _is_sidecar(image: Any, command: tuple[str, ...]) -> bool:
    return "daprio/daprd" in str(image or "") or bool(command and command[0].endswith("daprd"))


_MIGRATION_NAME = re.compile(r"(^|[-_.])(db[-_.]?)?migrat(e|es|ion|ions|or)$", re.IGNORECASE)
_MIGRATION_TOOLS = frozenset(
    {
        "migrate",
        "flyway",
        "liquibase",
        "atlas",
        "goose",
        "dbmate",
        "sqitch",
        "alembic",
        "sql-migrate",
        "tern",
        "knex",
        "prisma",
        "diesel",
        "refinery",
        "sqlx",
        "golang-migrate",
    }
)
"""Executables (or image repositories) of schema-migration tools."""
_INFRA_IMAGES = frozenset(
    {
        "postgres",
        "postgis",
        "mysql",
        "mariadb",
        "mongo",
        "redis",
        "valkey",
        "memcached",
        "rabbitmq",
        "kafka",
        "cp-kafka",
        "zookeeper",
        "cp-zookeeper",
        "nats",
        "elasticsearch",
        "opensearch",
        "etcd",
        "consul",
        "vault",
        "jaeger",
        "all-in-one",
        "zipkin",
        "prometheus",
        "grafana",
        "loki",
        "tempo",
        "otel-collector",
        "opentelemetry-collector",
        "opentelemetry-collector-contrib",
        "minio",
        "nginx",
        "traefik",
        "envoy",
        "haproxy",
        "caddy",
        "cadvisor",
        "node-exporter",
        "mailhog",
        "mailpit",
        "localstack",
        "dapr",
        "pulsar",
        "redpanda",
        "cassandra",
        "clickhouse-server",
        "influxdb",
        "adminer",
        "pgadmin4",
        "kong",
        "keycloak",
        "apisix",
        "emqx",
        "mosquitto",
        "eclipse-mosquitto",
    }
)
"""Repositories (last path part, tag dropped) of databases, brokers, proxies and observability."""


def image_repository(image: Any) -> str:
    """``ghcr.io/acme/pricing:1.4@sha256:..`` -> ``pricing`` (lower case)."""
    text = str(image or "").split("@", 1)[0].lower()
    last = text.rsplit("/", 1)[-1]
    return last.split(":", 1)[0]


def _runs_migration_tool(image: Any, command: tuple[str, ...]) -> bool:
    """A migration tool's image, or a command whose executable (or ``migrate`` verb) is one."""
    if image_repository(image) in _MIGRATION_TOOLS:
        return True
    words = [part.rsplit("/", 1)[-1].lower() for part in command[:3]]
    if words and (words[0] in _MIGRATION_TOOLS or "migrat" in words[0]):
        return True
    # `npx prisma migrate deploy`, `python manage.py migrate`, `/app/server migrate up`
    return any(w in ("migrate", "migration", "migrations") for w in words[1:])


def _role(
    name: str,
    svc: dict[str, Any],
    image: Any,
    context: Any,
    command: tuple[str, ...],
    mode: str | None,
    restart: str | None,
    awaited_to_complete: bool,
    ext: ServiceExtension | None,
    has_sidecar: bool = False,
) -> ServiceRole:
    """What the service does, from its command, image, restart policy and who waits for it;
    the name is only a tie-breaker (``x-archcheck.role`` overrides all of this)."""
    if _is_sidecar(image, command):
        return "sidecar"
    # A migration that restarts is still one (AC101 says so): its command or image decides.
    named = bool(_MIGRATION_NAME.search(name)) and not svc.get("ports")
    if awaited_to_complete or _runs_migration_tool(image, command) or named:
        return "migration"
    if mode is not None and mode.lower() in _MODE_ROLE:
        return _MODE_ROLE[mode.lower()]
    if name.endswith("-worker") and (mode is None or mode.lower() in {"all", "worker"}):
        return "worker"
    if has_sidecar or ext is not None or mode is not None:
        return "api"
    if context is None and (image_repository(image) in _INFRA_IMAGES or not _depends_on(svc)):
        return "infrastructure"
    return "api"


def _base_name(name: str) -> str:
    for suffix in sorted(_WORKER_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


_KIND_WORDS = {"event-worker": "event worker", "cron-worker": "cron worker", "worker": "worker"}
_APPLICATION = ("api", "infrastructure")
"""Roles an owner can have: an image-only application is ``infrastructure`` until a worker
names it (then it is the ``api`` the worker was split from)."""


def _with_owners(services: dict[str, Service]) -> tuple[dict[str, Service], list[Note]]:
    """Every worker, migration and sidecar with the application service it works for.

    The rule (docs/x-archcheck.md, "Owners"): ``x-archcheck: owner:``; for a sidecar its
    ``--app-id`` or ``network_mode: service:X``; else the one application service with the
    same image, or the same build context and Dockerfile; else the name. A worker that no rule
    matches is a note, and its workloads are not judged.
    """
    out = dict(services)
    notes: list[Note] = []
    for name, service in services.items():
        if service.owner is not None:
            if service.owner not in services:
                raise ComposeError(
                    f"services.{name}.{EXTENSION}.owner names {service.owner!r}, which is not a"
                    " service of this project; name an existing service",
                    service.key_locations.get(f"{EXTENSION}.owner", service.location),
                )
            out[name] = service.model_copy(update={"owner_match": "x-archcheck"})
            continue
        if service.role not in _WORKER_ROLES | {"migration", "sidecar"}:
            continue
        found = _owner_of(service, services)
        if found is None:
            if service.role in _WORKER_ROLES:
                notes.append(_unmatched(service))
            continue
        owner, match = found
        out[name] = service.model_copy(update={"owner": owner, "owner_match": match})
    for worker in list(out.values()):
        if worker.role in _WORKER_ROLES and worker.owner is not None:
            app = out[worker.owner]
            if app.role == "infrastructure":
                out[app.name] = app.model_copy(update={"role": "api"})
    return out, notes


def _owner_of(service: Service, services: dict[str, Service]) -> tuple[str, OwnerMatch] | None:
    if service.role == "sidecar":
        app_id = _flag(service.command, "app-id")
        network = service.network_mode or ""
        if app_id in services:
            return str(app_id), "app-id"
        if network.startswith("service:") and network[8:] in services:
            return network[8:], "network_mode"
        if app_id:
            by_app_id = _by_base(app_id, services)
            if by_app_id is not None:
                return by_app_id, "app-id"
    candidates = [
        s for s in services.values() if s.role in _APPLICATION and s.name != service.name
    ]
    for match, same in (("image", _same_image), ("build", _same_build)):
        alike = [c.name for c in candidates if same(service, c)]
        if len(alike) == 1:
            return alike[0], match  # type: ignore[return-value]
        if alike:
            named = _by_base(_base_name(service.name), {n: services[n] for n in alike})
            if named is not None:
                return named, "name"
    named = _by_base(_base_name(service.name), services, exclude=service.name)
    return None if named is None else (named, "name")


def _same_image(a: Service, b: Service) -> bool:
    return a.image is not None and a.image == b.image


def _same_build(a: Service, b: Service) -> bool:
    return a.build_context is not None and (a.build_context, a.dockerfile) == (
        b.build_context, b.dockerfile
    )  # fmt: skip


def _unmatched(service: Service) -> Note:
    where = f"{service.location}: " if service.location else ""
    text = (
        f"{where}{service.name} is a {_KIND_WORDS.get(service.role, service.role)}, but archcheck"
        " cannot tell which service it works for (no service shares its image or build, and its"
        " name names none): its workloads are not judged; add `x-archcheck: {owner: SERVICE}` to"
        " it (docs/x-archcheck.md, Owners)"
    )
    return Note(text=text, service=service.name, location=service.location)


def _by_base(base: str, services: dict[str, Service], exclude: str = "") -> str | None:
    for suffix in _OWNER_SUFFIXES:
        candidate = base + suffix
        if (
            candidate != exclude
            and candidate in services
            and services[candidate].role in _APPLICATION
        ):
            return candidate
    return None
