"""What the worker containers take over from the API service and its Dapr sidecar.

The workers run the API's artefact with the API's data layer, so they need what the API has:
its image or build, its environment (as the user wrote it: ``${...}`` references stay
references, anchors become an anchor of the override), ``env_file``, secrets, configs, networks
and the volumes that hold its Go config. The event worker's sidecar loads what the API's sidecar
loads (its image, resources folders and ``--config``) plus the generated resiliency policy.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from typing import Any

from archcheck.compose import ComposeProject
from archcheck.errors import ArchcheckError
from archcheck.files.read import read_text
from archcheck.files.redact import is_secret_name
from archcheck.structs import dataclass, field

DEFAULT_DAPR_IMAGE = "daprio/daprd:1.14.4"
"""The daprd the scaffold's end-to-end test runs; used when the project pins no sidecar image."""
DEFAULT_CONF_DIR = "/app/configs"
_RESOURCE_FLAGS = ("resources-path", "components-path")
_COPIED_FLAGS = ("placement-host-address", "scheduler-host-address", "config", "log-level")
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^:/@\s]*:(?P<pw>[^@/\s]+)@", re.IGNORECASE)


@dataclass(frozen=True)
class Sidecar:
    """The flags and mounts the worker's daprd copies from the API's."""

    image: str
    flags: tuple[tuple[str, str], ...]
    """(flag, value) pairs: resources folders, ``--config``, placement/scheduler addresses."""
    volumes: tuple[str, ...]
    """``host:container:ro`` mounts those flags need, host paths relative to the override."""


@dataclass(frozen=True)
class Inherited:
    """The API service's parts the workers repeat."""

    image: str | None
    env: dict[str, Any]
    env_file: list[Any] = field(default_factory=list)
    secrets: list[Any] = field(default_factory=list)
    configs: list[Any] = field(default_factory=list)
    volumes: list[Any] = field(default_factory=list)
    conf_dir: str = DEFAULT_CONF_DIR
    sidecar: Sidecar | None = None
    withheld: tuple[str, ...] = ()
    """Environment keys whose literal secret value was not copied (a note says so)."""


def _raw_services(project: ComposeProject, service: str) -> list[tuple[Path, dict[str, Any]]]:
    """The service as written in each compose file (before interpolation), with its folder."""
    import yaml

    out: list[tuple[Path, dict[str, Any]]] = []
    for path in project.files:
        try:
            doc = yaml.safe_load(read_text(path, "compose file"))
        except (ArchcheckError, yaml.YAMLError):
            continue
        services = doc.get("services") if isinstance(doc, dict) else None
        svc = services.get(service) if isinstance(services, dict) else None
        if isinstance(svc, dict):
            out.append((path.parent, svc))
    return out


def _env_map(env: Any) -> dict[str, Any]:
    if isinstance(env, dict):
        return {str(k): v for k, v in env.items()}
    out: dict[str, Any] = {}
    if isinstance(env, list):
        for item in env:
            key, sep, value = str(item).partition("=")
            out[key] = value if sep else None
    return out


def _literal_secret(key: str, value: Any) -> bool:
    """A secret written as a literal (not a ``${VAR}`` reference): never copied to a new file."""
    if not isinstance(value, str) or not value or "${" in value:
        return False
    if is_secret_name(key):
        return True
    m = _URL_PASSWORD.search(value)
    return bool(m and "$" not in m["pw"])


def _rebase(value: str, src: Path, dest: Path) -> str:
    """A relative host path written in ``src``'s folder, as seen from ``dest``'s folder."""
    if not value.startswith(".") or src == dest:
        return value
    rel = Path(os.path.relpath(src / value, dest)).as_posix()
    return rel if rel.startswith(".") else f"./{rel}"


def _mount_target(volume: Any) -> str | None:
    if isinstance(volume, dict):
        return str(volume.get("target") or "") or None
    parts = str(volume).split(":")
    return parts[1] if len(parts) >= 2 else None


def _holds_config(target: str | None, conf_dir: str) -> bool:
    if not target:
        return False
    t, c = PurePosixPath(target), PurePosixPath(conf_dir)
    return t == c or (c.is_relative_to(t) and str(t) != "/") or t.is_relative_to(c)


def conf_dir_of(svc: dict[str, Any]) -> str:
    """Where the API reads its Kratos config: ``-conf X`` in its command, else KRATOS_CONF."""
    from archcheck.sources.compose_system import environment_map

    command = svc.get("command")
    args = command.split() if isinstance(command, str) else [str(a) for a in command or []]
    for i, arg in enumerate(args):
        if arg in ("-conf", "--conf") and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(("-conf=", "--conf=")):
            return arg.partition("=")[2]
    return environment_map(svc).get("KRATOS_CONF") or DEFAULT_CONF_DIR


def inherit(
    project: ComposeProject, service: str, sidecar_name: str | None, out_dir: Path
) -> Inherited:
    """What the workers of ``service`` repeat; host paths are rewritten for ``out_dir``."""
    svc = project.services[service]
    conf_dir = conf_dir_of(svc)
    env: dict[str, Any] = {}
    env_file: list[Any] = []
    secrets: list[Any] = []
    configs: list[Any] = []
    volumes: list[Any] = []
    withheld: list[str] = []
    for folder, raw in _raw_services(project, service):
        for key, value in _env_map(raw.get("environment")).items():
            if key in ("WORKER_MODE", "WORKER_CONCURRENCY", "KRATOS_CONF"):
                continue
            if _literal_secret(key, value):
                withheld.append(key)
                env.pop(key, None)
                continue
            env[key] = value
        files = raw.get("env_file")
        for item in files if isinstance(files, list) else [files] if files else []:
            if isinstance(item, dict) and "path" in item:
                env_file.append({**item, "path": _rebase(str(item["path"]), folder, out_dir)})
            else:
                env_file.append(_rebase(str(item), folder, out_dir))
        secrets = list(raw.get("secrets") or secrets)
        configs = list(raw.get("configs") or configs)
        for volume in raw.get("volumes") or []:
            if not _holds_config(_mount_target(volume), conf_dir):
                continue
            if isinstance(volume, dict) and isinstance(volume.get("source"), str):
                volume = {**volume, "source": _rebase(volume["source"], folder, out_dir)}
            elif isinstance(volume, str):
                host, _, rest = volume.partition(":")
                volume = f"{_rebase(host, folder, out_dir)}:{rest}"
            volumes.append(volume)
    if not _raw_services(project, service):  # only reachable through extends/include: no raw
        withheld += sorted(str(k) for k in (svc.get("environment") or {}))
    image = svc.get("image")
    return Inherited(
        image=str(image) if image else None,
        env=env,
        env_file=env_file,
        secrets=secrets,
        configs=configs,
        volumes=volumes,
        conf_dir=conf_dir,
        sidecar=_sidecar(project, sidecar_name, out_dir) if sidecar_name else None,
        withheld=tuple(dict.fromkeys(withheld)),
    )


def _sidecar(project: ComposeProject, name: str, out_dir: Path) -> Sidecar:
    from archcheck.sources.compose_system import command_of, flag_values

    svc = project.services[name]
    args = command_of(svc)
    flags: list[tuple[str, str]] = []
    folders: list[str] = []
    for flag in (*_RESOURCE_FLAGS, *_COPIED_FLAGS):
        for value in flag_values(args, flag):
            flags.append((flag, value))
            if flag in (*_RESOURCE_FLAGS, "config"):
                folders.append(str(PurePosixPath(value).parent) if flag == "config" else value)
    volumes: list[str] = []
    for volume in svc.get("volumes") or []:
        if not isinstance(volume, dict) or volume.get("type", "bind") != "bind":
            continue
        target = str(volume.get("target") or "")
        if not any(PurePosixPath(f).is_relative_to(target) for f in folders if target):
            continue
        source = Path(str(volume.get("source")))
        rel = (
            Path(os.path.relpath(source, out_dir)).as_posix()
            if source.is_absolute()
            else str(source)
        )
        rel = rel if rel.startswith((".", "/")) else f"./{rel}"
        volumes.append(f"{rel}:{target}:ro")
    return Sidecar(
        image=str(svc.get("image") or DEFAULT_DAPR_IMAGE),
        flags=tuple(flags),
        volumes=tuple(dict.fromkeys(volumes)),
    )
