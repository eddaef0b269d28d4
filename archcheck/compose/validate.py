"""Structural checks of one compose file, as Compose's schema makes them.

Not the whole compose-spec JSON schema: the checks that keep later stages from tripping over a
wrong shape (unknown keys, a service that is not a mapping, a string where a list belongs).
Each error points at the offending key.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from archcheck.compose.yamlnodes import RESET, Override, PDict, PList
from archcheck.errors import ComposeError
from archcheck.files.yamlpos import location

if TYPE_CHECKING:
    from archcheck.compose.project import ComposeProject
    from archcheck.model import Location

TOP_LEVEL_KEYS = frozenset(
    ("version", "name", "include", "services", "networks", "volumes", "secrets", "configs",
     "models")
)  # fmt: skip

SERVICE_KEYS = frozenset(["annotations", "attach", "build", "blkio_config", "cap_add", "cap_drop", "cgroup", "cgroup_parent", "command", "configs", "container_name", "cpu_count", "cpu_percent", "cpu_shares", "cpu_quota", "cpu_period", "cpu_rt_period", "cpu_rt_runtime", "cpus", "cpuset", "credential_spec", "depends_on", "deploy", "develop", "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname", "entrypoint", "env_file", "label_file", "environment", "expose", "extends", "external_links", "extra_hosts", "gpus", "group_add", "healthcheck", "hostname", "image", "init", "ipc", "isolation", "labels", "links", "logging", "mac_address", "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit", "network_mode", "networks", "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "ports", "post_start", "pre_stop", "privileged", "profiles", "provider", "pull_policy", "pull_refresh_after", "read_only", "restart", "runtime", "scale", "security_opt", "shm_size", "secrets", "sysctls", "stdin_open", "stop_grace_period", "stop_signal", "storage_opt", "tmpfs", "tty", "ulimits", "use_api_socket", "user", "uts", "userns_mode", "volumes", "volumes_from", "working_dir", "models"])

_STR = (str,)
_LIST = (PList,)
_MAP = (PDict,)
_NUM = (int, float)
_SERVICE_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "image": (_STR, "a string"),
    "container_name": (_STR, "a string"),
    "network_mode": (_STR, "a string"),
    "restart": (_STR, "a string"),
    "hostname": (_STR, "a string"),
    "platform": (_STR, "a string"),
    "pull_policy": (_STR, "a string"),
    "user": (_STR, "a string"),
    "working_dir": (_STR, "a string"),
    "command": ((str, PList), "a string or a list"),
    "entrypoint": ((str, PList), "a string or a list"),
    "environment": ((PDict, PList), "a mapping or a list"),
    "labels": ((PDict, PList), "a mapping or a list"),
    "annotations": ((PDict, PList), "a mapping or a list"),
    "depends_on": ((PDict, PList), "a mapping or a list"),
    "networks": ((PDict, PList), "a mapping or a list"),
    "build": ((str, PDict), "a string or a mapping"),
    "extends": ((str, PDict), "a string or a mapping"),
    "env_file": ((str, PList), "a string or a list"),
    "ports": (_LIST, "a list"),
    "expose": (_LIST, "a list"),
    "volumes": (_LIST, "a list"),
    "volumes_from": (_LIST, "a list"),
    "links": (_LIST, "a list"),
    "profiles": (_LIST, "a list"),
    "secrets": (_LIST, "a list"),
    "configs": (_LIST, "a list"),
    "cap_add": (_LIST, "a list"),
    "cap_drop": (_LIST, "a list"),
    "deploy": (_MAP, "a mapping"),
    "healthcheck": (_MAP, "a mapping"),
    "logging": (_MAP, "a mapping"),
    "ulimits": (_MAP, "a mapping"),
    "scale": ((int,), "an integer"),
    "init": ((bool,), "a boolean"),
    "privileged": ((bool,), "a boolean"),
    "read_only": ((bool,), "a boolean"),
    "tty": ((bool,), "a boolean"),
    "stdin_open": ((bool,), "a boolean"),
    "cpus": ((*_NUM, str), "a number"),
}
_DEPLOY_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "replicas": ((int,), "an integer"),
    "resources": (_MAP, "a mapping"),
    "restart_policy": (_MAP, "a mapping"),
    "placement": (_MAP, "a mapping"),
    "labels": ((PDict, PList), "a mapping or a list"),
    "mode": (_STR, "a string"),
}
_HEALTHCHECK_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "test": ((str, PList), "a string or a list"),
    "retries": ((int,), "an integer"),
    "disable": ((bool,), "a boolean"),
    "interval": (_STR, "a duration such as 30s"),
    "timeout": (_STR, "a duration such as 30s"),
    "start_period": (_STR, "a duration such as 30s"),
    "start_interval": (_STR, "a duration such as 30s"),
}


_NULLABLE = frozenset(("command", "entrypoint", "deploy"))
"""Keys Compose accepts with an empty value; every other typed key must have one."""


def _where(mapping: PDict, key: str, path: Path) -> Location:
    pos = mapping.pos.get(key)
    return location(pos) if pos else location((str(path), 1, 1))


def _check_types(
    mapping: PDict, types: dict[str, tuple[tuple[type, ...], str]], prefix: str, path: Path
) -> None:
    for key, value in mapping.items():
        expected = types.get(key)
        if expected is None or value is RESET or isinstance(value, Override):
            continue
        if value is None and key in _NULLABLE:
            continue
        kinds, description = expected
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise ComposeError(
                f"{prefix}.{key} must be {description}, not {_describe_none(value)}: fix its type",
                _where(mapping, key, path),
            )


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, PDict):
        return "a mapping"
    if isinstance(value, PList):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"the string {value!r}"


def validate_file(data: PDict, path: Path) -> None:
    """Raise ComposeError (with the key's FILE:LINE:COL) for the first structural problem.

    The loader then checks each file against Compose's whole schema
    (``archcheck.compose.schema``)."""
    validate_top_level(data, path)
    validate_services(data, path)


def validate_top_level(data: PDict, path: Path) -> None:
    """Unknown top-level keys; ``services``, ``networks``... that are not mappings."""
    for key in data:
        if key not in TOP_LEVEL_KEYS and not key.startswith("x-"):
            raise ComposeError(
                f"additional property {key!r} is not allowed at the top level: remove it, or "
                "prefix it with x- to keep it as an extension",
                _where(data, key, path),
            )
    for kind in ("services", "networks", "volumes", "secrets", "configs"):
        if kind not in data:
            continue
        value = data[kind]
        if value is not RESET and not isinstance(value, (PDict, Override)):
            raise ComposeError(
                f"{kind} must be a mapping, not {_describe_none(value)}: list them as "
                "`name: {...}`, or remove the empty key",
                _where(data, kind, path),
            )
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise ComposeError("name must be a string", _where(data, "name", path))


def validate_services(data: PDict, path: Path) -> None:
    """Each service is a mapping with known keys of the right types."""
    services = data.get("services")
    if not isinstance(services, PDict):
        return
    for service_name, service in services.items():
        if service is RESET or isinstance(service, Override):
            continue
        if not isinstance(service, PDict):
            raise ComposeError(
                f"services.{service_name} must be a mapping, not {_describe_none(service)}: "
                "give it at least an `image:` or a `build:`",
                _where(services, service_name, path),
            )
        validate_service(service, service_name, path)


def _describe_none(value: Any) -> str:
    return "null (an empty entry)" if value is None else _describe(value)


def validate_service(service: PDict, name: str, path: Path) -> None:
    """Unknown keys and wrong types in one service."""
    for key in service:
        if key not in SERVICE_KEYS and not key.startswith("x-"):
            raise ComposeError(
                f"services.{name}: additional property {key!r} is not allowed: check the "
                "spelling (see the Compose file reference), or prefix it with x-",
                _where(service, key, path),
            )
    _check_types(service, _SERVICE_TYPES, f"services.{name}", path)
    deploy = service.get("deploy")
    if isinstance(deploy, PDict):
        _check_types(deploy, _DEPLOY_TYPES, f"services.{name}.deploy", path)
        replicas = deploy.get("replicas")
        if isinstance(replicas, int) and not isinstance(replicas, bool) and replicas < 0:
            raise ComposeError(
                f"services.{name}.deploy.replicas: must be greater than or equal to 0",
                _where(deploy, "replicas", path),
            )
    healthcheck = service.get("healthcheck")
    if isinstance(healthcheck, PDict):
        _check_types(healthcheck, _HEALTHCHECK_TYPES, f"services.{name}.healthcheck", path)


def validate_runnable(project: ComposeProject) -> None:
    """What Compose's ``config`` rejects but ``analyze`` reports as a finding (AC103, with its
    location) so the rest of the system is still judged: a ``container_name`` on a service with
    more than one replica (container names must be unique). ``archcheck config`` calls it."""
    for name, service in project.services.items():
        container = service.get("container_name")
        deploy = service.get("deploy") if isinstance(service.get("deploy"), dict) else {}
        replicas = (deploy or {}).get("replicas", service.get("scale"))
        if container and isinstance(replicas, int) and replicas > 1:
            raise ComposeError(
                f"services.{name}: can't set container_name {container!r} with {replicas}"
                " replicas, as container names must be unique (Compose refuses it): remove"
                " container_name or run one replica",
                project.locate("services", name, "container_name"),
            )
