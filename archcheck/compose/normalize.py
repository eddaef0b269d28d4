"""The merged model turned into ``docker compose config``'s shape, with positions and checks.

Long forms everywhere (environment and labels maps, depends_on with condition and required,
ports and volumes as objects, durations and byte sizes as Compose prints them), ``env_file``
folded into ``environment``, relative paths made absolute, inactive profiles dropped, and the
consistency checks Compose makes before it would run anything.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from archcheck.compose import values as v
from archcheck.compose.consistency import check_project
from archcheck.compose.dotenv import read_env_file
from archcheck.compose.merge import as_mapping, depends_on_mapping
from archcheck.compose.paths import absolute, is_remote
from archcheck.compose.project import (
    ComposeProject,
    KeyPath,
    LoadedFiles,
    normalize_project_name,
    valid_project_name,
)
from archcheck.compose.yamlnodes import PDict, PList
from archcheck.errors import ComposeError, UsageError
from archcheck.files.read import is_regular_file
from archcheck.files.yamlpos import Pos, Positions, location


def finish_project(loaded: LoadedFiles) -> ComposeProject:
    """Project name, normalised services, top-level resources, positions, checks."""
    name = _project_name(loaded)
    normalizer = _Normalizer(name, loaded.working_dir, loaded.env)
    config = normalizer.project(loaded.model, set(loaded.profiles))
    warnings = [
        f'The "{var}" variable is not set. Defaulting to a blank string.'
        for var in sorted(loaded.unset)
    ]
    return ComposeProject(
        name=name,
        files=loaded.files,
        working_dir=loaded.working_dir,
        config=config,
        positions=Positions(normalizer.positions),
        warnings=(*loaded.warnings, *warnings),
        environment=loaded.env,
    )


def _project_name(loaded: LoadedFiles) -> str:
    # NOTE: -p and COMPOSE_PROJECT_NAME must already be valid; `name:` and the folder are
    # normalised (lower case, invalid characters dropped), as Compose does.
    for explicit, source in ((loaded.project_name, "-p"),
                             (loaded.env.get("COMPOSE_PROJECT_NAME"), "COMPOSE_PROJECT_NAME")):
        if explicit:
            if not valid_project_name(explicit):
                raise UsageError(
                    f"invalid project name {explicit!r} (from {source}): use only a-z, 0-9, _ "
                    "and -, starting with a letter or digit"
                )
            return explicit
    candidate = loaded.model.get("name")
    if isinstance(candidate, str) and normalize_project_name(candidate):
        return normalize_project_name(candidate)
    return normalize_project_name(loaded.working_dir.name) or "default"


def _plain(value: Any) -> Any:
    """PDict/PList trees as plain dicts and lists, mappings sorted as Compose prints them.

    Compose's Go maps print sorted by key; its structs keep field order, which the
    normaliser restores with ``_ordered`` where it differs from the sorted order.
    """
    if isinstance(value, dict):
        return {key: _plain(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _bytes_or_none(value: Any) -> str | None:
    """A service's byte size as Compose prints it, or None where Compose drops the key.

    NOTE: compose-go decodes these keys into an int64 that is left at zero for a YAML float
    (``1.5``, ``1e3``, ``.nan``, ``.inf``: the schema allows numbers) and omits a zero; checked
    against the Compose binary (``tests/compose/test_compose_differential.py``).
    """
    if isinstance(value, float):
        return None
    size = v.parse_bytes(value)
    return str(size) if size else None


_BUILD_ORDER = (
    "context", "dockerfile", "dockerfile_inline", "entitlements", "args", "ssh", "labels",
    "cache_from", "cache_to", "no_cache", "additional_contexts", "network", "provenance", "sbom",
    "pull", "target", "shm_size", "extra_hosts", "isolation", "privileged", "secrets", "tags",
    "ulimits", "platforms",
)  # fmt: skip
_DEPLOY_ORDER = (
    "mode", "replicas", "labels", "update_config", "rollback_config", "resources",
    "restart_policy", "placement", "endpoint_mode",
)  # fmt: skip
_HEALTHCHECK_ORDER = (
    "test", "timeout", "interval", "retries", "start_period", "start_interval", "disable",
)  # fmt: skip
_HINTS = {
    "ports": "write ports as [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]",
    "volumes": "write volumes as SOURCE:TARGET[:ro] or TARGET",
    "command": "close the quote, or give the command as a list",
    "entrypoint": "close the quote, or give the entrypoint as a list",
    "deploy": "sizes look like 512m or 1g, durations like 30s or 1m30s",
    "healthcheck": "durations look like 30s or 1m30s",
}
_RESOURCE_ORDER = ("name", "driver", "driver_opts", "ipam", "external", "internal", "file",
                   "environment", "content")  # fmt: skip
_PORT_ORDER = ("name", "mode", "host_ip", "target", "published", "protocol", "app_protocol")
_BYTES_KEYS = frozenset(("shm_size", "mem_limit", "mem_reservation", "memswap_limit"))
_DURATION_KEYS = frozenset(("stop_grace_period",))
_OMIT_EMPTY = frozenset((
    "environment", "labels", "annotations", "depends_on", "ports", "volumes", "expose",
    "profiles", "secrets", "configs", "extra_hosts", "sysctls", "ulimits", "dns", "dns_opt",
    "dns_search", "tmpfs", "cap_add", "cap_drop", "links", "volumes_from", "external_links",
    "devices", "group_add", "security_opt", "storage_opt", "device_cgroup_rules",
))
"""Keys Compose leaves out when empty (``omitempty`` in its Go model)."""
_OMIT_FALSE = frozenset(("read_only", "privileged", "tty", "stdin_open", "oom_kill_disable"))
_STRING_OR_LIST = frozenset(("dns", "dns_opt", "dns_search", "tmpfs", "label_file"))


def _ordered(mapping: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    out = {key: mapping[key] for key in order if key in mapping}
    out.update((key, value) for key, value in mapping.items() if key not in out)
    return out


class _Normalizer:
    def __init__(self, project: str, working_dir: Path, env: Mapping[str, str]) -> None:
        self.project_name = project
        self.working_dir = working_dir
        self.env = env
        self.positions: dict[KeyPath, Pos] = {}
        self.service_name = ""

    # --- errors and positions -------------------------------------------------------------------

    def service_error(self, service: str, message: str, *path: str | int) -> ComposeError:
        """An error located at ``services.<service>.<path>`` (or its nearest written parent)."""
        self.service_name = service
        return self.error(message, *path)

    def error(self, message: str, *path: str | int) -> ComposeError:
        where = None
        key: KeyPath = ("services", self.service_name, *path)
        while key and where is None:
            pos = self.positions.get(key)
            where = location(pos) if pos else None
            key = key[:-1]
        return ComposeError(message, where)

    def record(self, prefix: KeyPath, value: Any) -> None:
        if isinstance(value, PDict):
            for key, item in value.items():
                pos = value.pos.get(key)
                if pos is not None:
                    self.positions[(*prefix, key)] = pos
                self.record((*prefix, key), item)
        elif isinstance(value, PList):
            for index, (item, pos) in enumerate(zip(value, value.pos, strict=False)):
                if pos is not None:
                    self.positions[(*prefix, index)] = pos
                self.record((*prefix, index), item)

    # --- the project ----------------------------------------------------------------------------

    def project(self, model: PDict, profiles: set[str]) -> dict[str, Any]:
        services = model.get("services")
        if services is None:
            services = PDict()
        all_names = set(services)
        enabled: dict[str, PDict] = {}
        for name, service in services.items():
            if not isinstance(service, PDict):
                pos = services.pos.get(name)
                raise ComposeError(
                    f"services.{name} must be a mapping: give it at least an `image:`",
                    location(pos) if pos else None,
                )
            wanted = service.get("profiles")
            if not wanted or "*" in profiles or profiles.intersection(map(str, wanted)):
                enabled[name] = service
        out_services: dict[str, Any] = {}
        for name in sorted(services):
            pos = services.pos.get(name)
            if pos is not None:
                self.positions[("services", name)] = pos
            # NOTE: Compose normalises (and rejects bad ports etc. in) disabled services too.
            normalized = self.service(name, services[name], active=name in enabled)
            if name in enabled:
                out_services[name] = normalized
        for key, value in model.items():
            if key != "services":
                if key in model.pos:
                    self.positions[(key,)] = model.pos[key]
                self.record((key,), value)
        config: dict[str, Any] = {"name": self.project_name}
        used = _used_resources(out_services)
        config["networks"] = self.resources(model.get("networks"), "networks", used["networks"])
        config["services"] = out_services
        for kind in ("volumes", "secrets", "configs"):
            resources = self.resources(model.get(kind), kind, used[kind])
            if resources:
                config[kind] = resources
        for key, value in model.items():
            if key.startswith("x-"):
                config[key] = _plain(value)
        if not config["networks"]:
            del config["networks"]
        config = dict(sorted(config.items()))
        check_project(config, all_names, self.service_error)
        return config

    def resources(self, value: Any, kind: str, used: set[str]) -> dict[str, Any]:
        """Top-level networks, volumes, secrets, configs that an active service uses."""
        out: dict[str, Any] = {}
        if kind == "networks" and "default" in used:
            out["default"] = {"name": f"{self.project_name}_default", "ipam": {}}
        if not isinstance(value, PDict):
            return out
        for name, resource in sorted(value.items()):
            if name not in used:
                continue
            item = _plain(resource) if isinstance(resource, dict) else {}
            if item.get("external") is False:
                del item["external"]
            external = item.get("external")
            if isinstance(external, dict):  # legacy `external: {name: x}`
                item["name"] = external.get("name", name)
                item["external"] = True
            if "name" not in item:
                item = {"name": name if item.get("external") else f"{self.project_name}_{name}",
                        **item}  # fmt: skip
            if kind == "networks" and not item.get("external"):
                item.setdefault("ipam", {})
            item = _ordered(item, _RESOURCE_ORDER)
            if kind in ("secrets", "configs") and isinstance(item.get("file"), str):
                item["file"] = absolute(item["file"], self.working_dir, self.env)
            out[name] = item
        return out

    # --- one service ----------------------------------------------------------------------------

    def service(self, name: str, service: PDict, *, active: bool = True) -> dict[str, Any]:
        """One service in Compose's shape; env files are read for active services only."""
        self.service_name = name
        canon = PDict(service)
        canon.pos = service.pos
        for key in ("environment", "labels", "annotations"):
            if key in service:
                canon[key] = as_mapping(service[key], service.pos.get(key), list_default=None)
        if "depends_on" in service:
            canon["depends_on"] = depends_on_mapping(service["depends_on"])
        self.record(("services", name), canon)
        out: dict[str, Any] = {}
        handlers: dict[str, Callable[[Any], Any]] = {
            "build": self.build,
            "command": self.command,
            "entrypoint": self.command,
            "labels": self.labels,
            "annotations": self.labels,
            "depends_on": self.depends_on,
            "deploy": self.deploy,
            "healthcheck": self.healthcheck,
            "ports": self.ports,
            "volumes": self.volumes,
            "expose": lambda items: _unique([v.go_text(item) for item in items]),
            "profiles": _key_value_unique,
            "cap_add": _key_value_unique,
            "cap_drop": _key_value_unique,
            "links": _key_value_unique,
            "networks": self.networks,
            "secrets": lambda items: self.mounts(items, "/run/secrets/"),
            "configs": lambda items: self.mounts(items, None),
            "ulimits": self.ulimits,
            "extra_hosts": self.extra_hosts,
            "sysctls": lambda value: {k: v.go_text(x) for k, x in as_mapping(value).items()},
        }
        for key, value in canon.items():
            if key in ("env_file", "environment", "extends"):
                continue
            handler = handlers.get(key)
            try:
                if handler is not None:
                    out[key] = handler(value)
                elif key in _BYTES_KEYS and value is not None:
                    size = _bytes_or_none(value)
                    if size is not None:
                        out[key] = size
                elif key in _STRING_OR_LIST:
                    out[key] = _key_value_unique([value] if isinstance(value, str) else value)
                elif key in _DURATION_KEYS and value is not None:
                    out[key] = v.format_duration(v.parse_duration(value))
                else:
                    out[key] = _plain(value)
            except v.FormatError as exc:
                hint = _HINTS.get(key, "see the Compose file reference for its syntax")
                raise self.error(f"services.{name}.{key}: {exc}: {hint}", key) from None
        environment = self.environment(canon) if active else None
        if environment is not None:
            out["environment"] = environment
        out.setdefault("command", None)
        out.setdefault("entrypoint", None)
        if "network_mode" not in out and "networks" not in out:
            out["networks"] = {"default": None}
        self.implicit_dependencies(out)
        for key in list(out):
            value = out[key]
            if (key in _OMIT_EMPTY and not value) or value == "" or (
                value is False and key in _OMIT_FALSE
            ):
                del out[key]
        profiles = out.pop("profiles", None)
        ordered = dict(sorted(out.items()))
        return {"profiles": profiles, **ordered} if profiles else ordered

    def build(self, value: Any) -> dict[str, Any]:
        build = PDict(context=value) if isinstance(value, str) else value
        if not isinstance(build, PDict):
            raise self.error(f"services.{self.service_name}.build must be a string or a mapping",
                             "build")  # fmt: skip
        out = _plain(build)
        context = out.get("context") or "."
        out["context"] = (
            context if is_remote(str(context)) else absolute(str(context), self.working_dir,
                                                             self.env)
        )  # fmt: skip
        if "dockerfile" not in out and "dockerfile_inline" not in out:
            out["dockerfile"] = "Dockerfile"
        if "shm_size" in out:
            size = _bytes_or_none(out.pop("shm_size"))
            if size is not None:
                out["shm_size"] = size
        if "args" in build:
            args = {}
            for key, arg in as_mapping(build["args"]).items():
                if arg is None:
                    arg = self.env.get(key)
                args[key] = v.go_text(arg)
            out["args"] = dict(sorted(args.items()))
        for key in ("labels", "additional_contexts"):
            if key in build:
                out[key] = {k: v.go_text(x) or "" for k, x in as_mapping(build[key]).items()}
        return _ordered(out, _BUILD_ORDER)

    def command(self, value: Any) -> list[str] | None:
        if value is None:
            return None
        if isinstance(value, str):
            return v.shell_split(value)
        if isinstance(value, list):
            return [v.go_text(item) or "" for item in value]
        raise v.FormatError("must be a string or a list of strings")

    def labels(self, value: Any) -> dict[str, str]:
        return {key: v.go_text(item) or "" for key, item in sorted(as_mapping(value).items())}

    def environment(self, service: PDict) -> dict[str, str | None] | None:
        if "environment" not in service and "env_file" not in service:
            return None
        explicit: dict[str, str | None] = {}
        for key, item in (service.get("environment") or PDict()).items():
            explicit[key] = v.go_text(self.env.get(key) if item is None else item)
        known = {key: value for key, value in explicit.items() if value is not None}
        result: dict[str, str | None] = {}
        env_files = service.get("env_file")
        if env_files is not None:
            entries: dict[str, Any] = {}  # NOTE: one entry per path, at its first place
            for entry in env_files if isinstance(env_files, list) else [env_files]:
                entries[str(entry.get("path") if isinstance(entry, dict) else entry)] = entry
            for entry in entries.values():
                path, required = entry, True
                if isinstance(entry, dict):
                    path, required = entry.get("path"), entry.get("required", True)
                target = Path(absolute(str(path), self.working_dir, self.env))
                if required is False and not is_regular_file(target):
                    continue
                # NOTE: Compose resolves ${VAR} in env files from the project environment first,
                # then the service's own `environment`, then the file itself, then earlier files.
                first = collections.ChainMap(dict(self.env), known)
                at = self.error("", "env_file").location
                result.update(read_env_file(target, _Chain(result, {}), first, at))
        result.update(explicit)
        if not result:
            return None
        return dict(sorted(result.items()))

    def depends_on(self, value: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, spec in depends_on_mapping(value).items():
            spec = spec if isinstance(spec, PDict) else PDict()
            entry: dict[str, Any] = {"condition": spec.get("condition") or "service_started"}
            if "restart" in spec:
                entry["restart"] = spec["restart"]
            entry["required"] = spec.get("required", True)
            out[name] = entry
        return dict(sorted(out.items()))

    def deploy(self, value: Any) -> dict[str, Any]:
        out = _plain(value) if isinstance(value, dict) else {}
        resources = out.get("resources") or {}
        for kind in ("limits", "reservations"):
            section = resources.get(kind)
            if not isinstance(section, dict):
                continue
            if "cpus" in section:
                try:
                    cpus = float(section["cpus"])
                except (TypeError, ValueError):
                    raise v.FormatError(f"invalid cpus {section['cpus']!r}") from None
                section["cpus"] = int(cpus) if cpus.is_integer() else cpus
            if "memory" in section:
                section["memory"] = str(v.parse_bytes(section["memory"]))
            if isinstance(section.get("devices"), list):
                section["devices"] = [
                    _ordered(device, ("capabilities", "driver", "count", "device_ids", "options"))
                    for device in section["devices"]
                    if isinstance(device, dict)
                ]
        out["resources"] = resources
        policy = out.get("restart_policy")
        if isinstance(policy, dict):
            for key in ("delay", "window"):
                if key in policy:
                    policy[key] = v.format_duration(v.parse_duration(policy[key]))
            out["restart_policy"] = _ordered(policy, ("condition", "delay", "max_attempts",
                                                      "window"))  # fmt: skip
        out.setdefault("placement", {})
        return _ordered(out, _DEPLOY_ORDER)

    def healthcheck(self, value: Any) -> dict[str, Any]:
        out = _plain(value) if isinstance(value, dict) else {}
        test = out.get("test")
        if isinstance(test, str):
            out["test"] = ["CMD-SHELL", test]
        elif isinstance(test, list):
            out["test"] = [v.go_text(item) for item in test]
        if out.get("disable") is False:
            del out["disable"]
        for key in ("interval", "timeout", "start_period", "start_interval"):
            if key in out and out[key] is not None:
                out[key] = v.format_duration(v.parse_duration(out[key]))
        return _ordered(out, _HEALTHCHECK_ORDER)

    def ports(self, value: Any) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        for item in value or []:
            if isinstance(item, dict):
                port = _plain(item)
                port.setdefault("mode", "ingress")
                port.setdefault("protocol", "tcp")
                if port.get("published") is not None:
                    port["published"] = v.go_text(port["published"])
                entries.append(_ordered(port, _PORT_ORDER))
            else:
                entries.extend(v.parse_port(item))
        return _last_by_key(
            entries,
            lambda port: (
                f"{port.get('host_ip', '0.0.0.0')}:{port.get('published', '')}:"
                f"{port.get('target')}/{port.get('protocol')}"
            ),
        )

    def volumes(self, value: Any) -> list[dict[str, Any]]:
        volumes: list[dict[str, Any]] = []
        for item in value or []:
            if isinstance(item, str):
                volume = v.parse_volume(item)
            elif isinstance(item, dict):
                volume = _ordered(_plain(item), v.VOLUME_ORDER)
                if volume.get("read_only") is False:
                    del volume["read_only"]
            else:
                raise v.FormatError(f"invalid volume {item!r}")
            source = volume.get("source")
            if (
                volume.get("type") == "bind"
                and isinstance(source, str)
                and not v.is_windows_path(source)
            ):
                volume["source"] = absolute(source, self.working_dir, self.env)
            volumes.append(volume)
        return _last_by_key(volumes, lambda volume: str(volume.get("target")))

    def networks(self, value: Any) -> dict[str, Any]:
        mapping = as_mapping(value)
        return {name: _plain(item) for name, item in sorted(mapping.items())}

    def mounts(self, items: Any, default_dir: str | None) -> list[dict[str, Any]]:
        mounts: list[dict[str, Any]] = []
        for item in items or []:
            mount = {"source": item} if isinstance(item, str) else _plain(item)
            if default_dir and "target" not in mount:
                mount["target"] = default_dir + str(mount.get("source"))
            mounts.append(mount)
        return _last_by_key(mounts, lambda mount: str(mount.get("target") or mount.get("source")))

    def ulimits(self, value: Any) -> dict[str, Any]:
        return {
            key: _ordered(_plain(item), ("soft", "hard")) if isinstance(item, dict) else item
            for key, item in sorted((value or {}).items())
        }

    def extra_hosts(self, value: Any) -> list[str]:
        if isinstance(value, dict):
            return sorted(f"{k}={v.go_text(x)}" for k, x in value.items())
        hosts = []
        for item in value or []:
            text = str(item)
            if "=" not in text and ":" in text:
                host, _, address = text.partition(":")
                text = f"{host}={address}"
            hosts.append(text)
        return hosts

    def implicit_dependencies(self, service: dict[str, Any]) -> None:
        """``links``, ``network_mode: service:x`` and ``volumes_from`` imply depends_on."""
        implied = [(str(link).split(":", 1)[0], False) for link in service.get("links") or []]
        mode = service.get("network_mode")
        if isinstance(mode, str) and mode.startswith("service:"):
            implied.append((mode.removeprefix("service:"), True))
        for source in service.get("volumes_from") or []:
            text = str(source)
            if not text.startswith("container:"):
                implied.append((text.removeprefix("service:").split(":", 1)[0], False))
        if not implied:
            return
        depends = dict(service.get("depends_on") or {})
        for name, restart in implied:
            if name not in depends:
                entry: dict[str, Any] = {"condition": "service_started"}
                if restart:
                    entry["restart"] = True
                entry["required"] = True
                depends[name] = entry
        service["depends_on"] = dict(sorted(depends.items()))


class _Chain(Mapping[str, str]):
    """Variables read from earlier env files of the service, then the project environment."""

    def __init__(self, first: Mapping[str, str | None], second: Mapping[str, str]) -> None:
        self.first = first
        self.second = second

    def __getitem__(self, key: str) -> str:
        value = self.first.get(key)
        if value is not None:
            return value
        return self.second[key]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter({**self.second, **self.first})

    def __len__(self) -> int:
        return len({**self.second, **self.first})


def _used_resources(services: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Names of the networks, volumes, secrets and configs the active services refer to."""
    used: dict[str, set[str]] = {kind: set() for kind in ("networks", "volumes", "secrets",
                                                            "configs")}  # fmt: skip
    for service in services.values():
        used["networks"].update(service.get("networks") or {})
        for volume in service.get("volumes") or []:
            if volume.get("type") == "volume" and volume.get("source"):
                used["volumes"].add(volume["source"])
        for kind in ("secrets", "configs"):
            used[kind].update(str(mount.get("source")) for mount in service.get(kind) or [])
        build = service.get("build") or {}
        for secret in build.get("secrets") or []:
            used["secrets"].add(str(secret.get("source") if isinstance(secret, dict) else secret))
    return used


def _key_value_unique(items: Any) -> list[Any]:
    """Compose's unicity rule for string lists: a later ``KEY[=...]`` replaces an earlier one."""
    index: dict[str, int] = {}
    out: list[Any] = []
    for item in items or []:
        text = v.go_text(item)
        key = (text or "").split("=", 1)[0]
        if key in index:
            out[index[key]] = text
            continue
        index[key] = len(out)
        out.append(text)
    return out


def _unique(items: list[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def _last_by_key(
    entries: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]
) -> list[dict[str, Any]]:
    """Entries with one per key: a later entry replaces an earlier one in its place, as Compose
    merges ports, volumes, secrets and configs (a dict keeps first-insertion order)."""
    return list({key(entry): entry for entry in entries}.values())
