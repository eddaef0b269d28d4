"""Read Dapr's declarative resources: Subscriptions (v1alpha1, v2alpha1), pubsub Components and
Resiliency policies.

They are found where daprd finds them: the folders its ``--resources-path`` /
``--components-path`` flags name, mapped back to the host through the sidecar's volume mounts
in compose; or folders given with ``--dapr-resources DIR``. A subscription becomes an ``events``
workload of the application service whose app-id it is scoped to, located at its ``topic:`` line.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from archcheck.errors import SourceError
from archcheck.files.read import read_text
from archcheck.files.yamlpos import MAX_DEPTH, SAFE_LOADER, too_deep
from archcheck.model import Location, Note, Service, Workload
from archcheck.schedule import valid_schedule
from archcheck.structs import dataclass, field

RESOURCE_FLAGS = ("resources-path", "components-path")
"""daprd flags naming resource folders (Go flags: one or two dashes, ``=`` or a separate value)."""

MAX_RESOURCE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Sidecar:
    """A daprd container: the app it serves and the host folders it loads resources from."""

    service: str
    app_id: str | None
    app: str | None
    """The application service it belongs to."""
    folders: tuple[Path, ...]


@dataclass(frozen=True)
class PubsubComponent:
    """A ``Component`` whose ``spec.type`` is ``pubsub.*``."""

    name: str
    type: str
    location: Location
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class InboundRetry:
    """A Resiliency retry policy applied to event delivery from a pubsub component."""

    component: str
    policy: str
    max_retries: int | None
    location: Location


@dataclass(frozen=True)
class DaprDiscovery:
    """What the Dapr resources show, plus notes on what could not be attributed."""

    workloads: tuple[Workload, ...] = ()
    components: tuple[PubsubComponent, ...] = ()
    retries: tuple[InboundRetry, ...] = ()
    sidecars: tuple[Sidecar, ...] = ()
    notes: tuple[str, ...] = ()
    folders: tuple[Path, ...] = field(default_factory=tuple)


def _map(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one (resources are user input)."""
    return value if isinstance(value, Mapping) else {}


def _flag(args: Sequence[str], name: str) -> list[str]:
    """Every value of a Go-style flag: ``--name v``, ``-name v``, ``--name=v``."""
    values = []
    for index, arg in enumerate(args):
        for prefix in (f"--{name}", f"-{name}"):
            if arg == prefix and index + 1 < len(args):
                values.append(args[index + 1])
            elif arg.startswith(prefix + "="):
                values.append(arg[len(prefix) + 1 :])
    return values


def _args(service: Mapping[str, Any]) -> list[str]:
    command: list[str] = []
    for key in ("entrypoint", "command"):
        value = service.get(key)
        if isinstance(value, str):
            try:
                command.extend(shlex.split(value))
            except ValueError:
                command.extend(value.split())
        elif isinstance(value, list):
            command.extend(str(v) for v in value)
    return command


def _is_daprd(service: Mapping[str, Any], args: Sequence[str]) -> bool:
    image = str(service.get("image") or "")
    return "daprd" in image.rsplit("/", 1)[-1] or any(
        posixpath.basename(a) == "daprd" for a in args
    )


def bind_mounts(service: Mapping[str, Any], working_dir: Path) -> list[tuple[Path, str]]:
    """(host folder, container path) of each bind mount, short or long syntax."""
    mounts = []
    for volume in service.get("volumes") or ():
        source: str | None = None
        target: str | None = None
        if isinstance(volume, str):
            parts = volume.split(":")
            if len(parts) >= 2:
                source, target = parts[0], parts[1]
        elif isinstance(volume, Mapping) and volume.get("type", "bind") == "bind":
            source, target = volume.get("source"), volume.get("target")
        if not source or not target or not (source.startswith((".", "/", "~"))):
            continue  # a named volume: nothing on the host to read
        host = Path(source).expanduser()
        mounts.append((host if host.is_absolute() else working_dir / host, target))
    return mounts


def host_path(path: str, mounts: Sequence[tuple[Path, str]]) -> Path | None:
    best: tuple[int, Path] | None = None
    for host, target in mounts:
        target = target.rstrip("/") or "/"
        if path == target or path.startswith(target + "/"):
            rest = path[len(target) :].lstrip("/")
            if best is None or len(target) > best[0]:
                best = (len(target), host / rest if rest else host)
    return None if best is None else best[1]


def find_sidecars(
    compose_services: Mapping[str, Mapping[str, Any]],
    services: Sequence[Service],
    working_dir: Path,
) -> tuple[list[Sidecar], list[Note]]:
    """The daprd sidecars of a compose project and the host folders they load resources from."""
    sidecars: list[Sidecar] = []
    notes: list[Note] = []
    names = {s.name: s for s in services}
    for name, service in compose_services.items():
        args = _args(service)
        if not _is_daprd(service, args):
            continue
        app_ids = _flag(args, "app-id")
        app_id = app_ids[0] if app_ids else None
        known = names.get(name)
        app = known.owner if known is not None and known.owner else None
        network = str(service.get("network_mode") or "")
        if app is None and network.startswith("service:"):
            app = network[len("service:") :]
        if app is None and app_id is not None:
            app = resolve_app_id(app_id, names)
        mounts = bind_mounts(service, working_dir)
        folders = []
        for flag in RESOURCE_FLAGS:
            for path in _flag(args, flag):
                host = host_path(path, mounts)
                if host is None:
                    text = (
                        f"{name}: daprd loads resources from {path}, but no bind mount provides"
                        " it; pass the host folder with --dapr-resources DIR"
                    )
                    notes.append(Note(text=text, service=name))
                else:
                    folders.append(host)
        sidecars.append(Sidecar(name, app_id, app, tuple(folders)))
    return sidecars, notes


def resolve_app_id(app_id: str, services: Mapping[str, Service]) -> str | None:
    """The compose service a Dapr app-id names: itself, ``<id>-service``, or ``<id>`` minus it."""
    for candidate in (app_id, f"{app_id}-service", app_id.removesuffix("-service")):
        if candidate in services and services[candidate].role not in ("sidecar", "infrastructure"):
            return candidate
    return None


def _documents(path: Path, file: str) -> Iterator[tuple[Any, yaml.Node]]:
    text = read_text(path, "Dapr resource", error=SourceError)
    deep = too_deep(text, file)
    if deep is not None:
        raise SourceError(
            f"Dapr resource nests more than {MAX_DEPTH} levels deep: no Dapr resource does;"
            " flatten it or move it out of the resources folder",
            deep,
        )
    try:
        nodes = list(yaml.compose_all(text, Loader=SAFE_LOADER))
    except yaml.YAMLError:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))  # its error, as before
    for node in nodes:
        if node is not None:
            yield SAFE_LOADER(text).construct_document(node), node


def _scopes(data: Mapping[str, Any], file: str, node: yaml.Node) -> tuple[str, ...]:
    """``scopes:``, the app-ids a resource belongs to: a list of names, as Dapr reads it."""
    scopes = data.get("scopes")
    if scopes is None:
        return ()
    if not isinstance(scopes, list) or any(isinstance(s, (list, dict)) for s in scopes):
        raise SourceError(
            "Dapr resource `scopes` must be a list of app-ids (Dapr refuses to load it"
            " otherwise): write scopes: [app-id, ...]",
            _where(file, node, "scopes"),
        )
    return tuple(str(s) for s in scopes if s is not None and s != "")


def _where(file: str, node: yaml.Node, *keys: str) -> Location:
    """The location of the key at ``keys`` (or of its deepest ancestor that exists)."""
    current = node
    for key in keys:
        if not isinstance(current, yaml.MappingNode):
            break
        found = next(((k, v) for k, v in current.value if k.value == key), None)
        if found is None:
            break
        key_node, current = found
        node = key_node
    return Location(file=file, line=node.start_mark.line + 1, column=node.start_mark.column + 1)


def _display(path: Path, relative_to: Path | None) -> str:
    if relative_to is not None:
        try:
            return path.resolve().relative_to(relative_to.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def _resource_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _v2_route(spec: Mapping[str, Any]) -> str | None:
    routes = spec.get("routes")
    if not isinstance(routes, Mapping):
        return None
    default = routes.get("default")
    if isinstance(default, str):
        return default
    rules = routes.get("rules")
    if isinstance(rules, list) and rules and isinstance(rules[0], Mapping):
        path = rules[0].get("path")
        return path if isinstance(path, str) else None
    return None


def discover_dapr(
    folders: Sequence[tuple[Path, tuple[str, ...]]],
    services: Sequence[Service],
    *,
    app_ids: Mapping[str, str] | None = None,
    relative_to: Path | None = None,
) -> DaprDiscovery:
    """Read each folder's resources; ``folders`` pairs a folder with the apps that load it.

    An unscoped subscription goes to every app that loads its folder; a scoped one to the apps
    its ``scopes`` name. ``app_ids`` (from the sidecars' ``--app-id``) maps app-ids to services
    exactly, as Dapr does; without sidecars, an app-id is matched to a service by name.
    """
    names = {s.name: s for s in services}
    workloads: list[Workload] = []
    components: list[PubsubComponent] = []
    retries: list[InboundRetry] = []
    notes: list[str] = []
    seen_files: set[Path] = set()
    seen_workloads: set[tuple[str, str]] = set()
    for folder, apps in folders:
        if not folder.is_dir():
            notes.append(f"{folder}: Dapr resources folder does not exist; nothing read from it")
            continue
        for path in _resource_files(folder):
            if path.resolve() in seen_files:
                continue
            seen_files.add(path.resolve())
            file = _display(path, relative_to)
            if path.stat().st_size > MAX_RESOURCE_BYTES:
                notes.append(f"{file}: larger than {MAX_RESOURCE_BYTES} bytes; skipped")
                continue
            try:
                documents = list(_documents(path, file))
            except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
                notes.append(f"{file}: not readable as YAML ({exc.__class__.__name__}); skipped")
                continue
            for data, node in documents:
                if not isinstance(data, Mapping) or not str(data.get("apiVersion", "")).startswith(
                    "dapr.io/"
                ):
                    continue
                kind = data.get("kind")
                spec = _map(data.get("spec"))
                metadata = _map(data.get("metadata"))
                scopes = _scopes(data, file, node)
                if kind == "Component" and str(spec.get("type", "")).startswith("pubsub."):
                    components.append(
                        PubsubComponent(
                            name=str(metadata.get("name", "")),
                            type=str(spec["type"]),
                            location=_where(file, node, "metadata", "name"),
                            scopes=scopes,
                        )
                    )
                elif kind == "Component" and spec.get("type") == "bindings.cron":
                    found = _cron_binding(file, node, metadata, spec, scopes, apps, names, app_ids)
                    if isinstance(found, str):
                        notes.append(found)
                    else:
                        workloads.extend(
                            w for w in found if (w.service, w.name) not in seen_workloads
                        )
                        seen_workloads.update((w.service, w.name) for w in found)
                elif kind == "Resiliency":
                    retries.extend(_inbound_retries(spec, file, node))
                elif kind == "Subscription":
                    topic = spec.get("topic")
                    if not isinstance(topic, str) or not topic:
                        notes.append(
                            f"{_where(file, node, 'spec')}: Subscription without spec.topic;"
                            " skipped (add the topic)"
                        )
                        continue
                    route = spec.get("route") if isinstance(spec.get("route"), str) else None
                    targets = _targets(scopes, apps, names, app_ids or {})
                    if not targets:
                        notes.append(
                            f"{_where(file, node, 'spec', 'topic')}: subscription to {topic!r}"
                            " belongs to no known service; add `scopes:` with the app-id, or"
                            " run daprd as a compose sidecar with --resources-path"
                        )
                    for target in targets:
                        if (target, topic) in seen_workloads:
                            continue
                        seen_workloads.add((target, topic))
                        dlq = spec.get("deadLetterTopic")
                        workloads.append(
                            Workload(
                                service=target,
                                kind="events",
                                name=topic,
                                topic=topic,
                                pubsub=str(spec.get("pubsubname") or "") or None,
                                route=route or _v2_route(spec),
                                dead_letter_topic=dlq if isinstance(dlq, str) and dlq else None,
                                origin="dapr",
                                location=_where(file, node, "spec", "topic"),
                            )
                        )
    return DaprDiscovery(
        workloads=tuple(workloads),
        components=tuple(components),
        retries=tuple(retries),
        notes=tuple(notes),
        folders=tuple(folder for folder, _ in folders),
    )


def _cron_binding(
    file: str,
    node: yaml.Node,
    metadata: Mapping[str, Any],
    spec: Mapping[str, Any],
    scopes: tuple[str, ...],
    apps: tuple[str, ...],
    names: Mapping[str, Service],
    app_ids: Mapping[str, str] | None,
) -> list[Workload] | str:
    """A ``bindings.cron`` input binding: Dapr POSTs ``/<name>`` (or its ``route``) on the
    app on every tick, so it is a cron workload of each app that loads it."""
    component = str(metadata.get("name") or "")
    raw_items = spec.get("metadata")
    items: list[Any] = raw_items if isinstance(raw_items, list) else []
    values = {
        str(item.get("name")): str(item.get("value"))
        for item in items
        if isinstance(item, Mapping) and item.get("name") is not None
    }
    index = next((i for i, item in enumerate(items) if _map(item).get("name") == "schedule"), None)
    where = _where(file, node, "spec", "metadata")
    meta_node = _child(node, "spec", "metadata")
    if (
        index is not None
        and isinstance(meta_node, yaml.SequenceNode)
        and index < len(meta_node.value)
    ):
        item = meta_node.value[index]
        where = Location(
            file=file, line=item.start_mark.line + 1, column=item.start_mark.column + 1
        )
    schedule = values.get("schedule")
    if values.get("direction", "input") not in ("input", "input, output", "output, input"):
        return []
    if schedule is None or not valid_schedule(schedule):
        return (
            f"{where}: Dapr cron binding {component!r} has no valid schedule ({schedule!r});"
            " not counted (use '@every 10s' or a cron spec)"
        )
    route = values.get("route") or f"/{component}"
    targets = _targets(scopes, apps, names, app_ids or {})
    return [
        Workload(
            service=target,
            kind="cron",
            name=component,
            schedule=schedule,
            route=route,
            origin="dapr",
            location=where,
        )
        for target in targets
    ]


def _child(node: yaml.Node, *keys: str) -> yaml.Node | None:
    current: yaml.Node | None = node
    for key in keys:
        if not isinstance(current, yaml.MappingNode):
            return None
        current = next((v for k, v in current.value if k.value == key), None)
    return current


def _targets(
    scopes: tuple[str, ...],
    apps: tuple[str, ...],
    names: Mapping[str, Service],
    app_ids: Mapping[str, str],
) -> list[str]:
    if not scopes:
        return list(apps)
    targets = []
    for app_id in scopes:
        service = app_ids.get(app_id) if app_ids else resolve_app_id(app_id, names)
        if service is not None and service not in targets:
            targets.append(service)
    return targets


def _inbound_retries(spec: Mapping[str, Any], file: str, node: yaml.Node) -> list[InboundRetry]:
    policies = _map(spec.get("policies"))
    retry_policies = _map(policies.get("retries"))
    targets = _map(spec.get("targets"))
    components = _map(targets.get("components"))
    found = []
    for component, target in components.items():
        inbound = target.get("inbound") if isinstance(target, Mapping) else None
        retry = inbound.get("retry") if isinstance(inbound, Mapping) else None
        if not isinstance(retry, str):
            continue
        policy = _map(retry_policies.get(retry))
        max_retries = policy.get("maxRetries")
        found.append(
            InboundRetry(
                component=str(component),
                policy=retry,
                max_retries=max_retries if isinstance(max_retries, int) else None,
                location=_where(file, node, "spec", "targets", "components", str(component)),
            )
        )
    return found
