"""Relative paths in a service (build context, env_file, bind mounts) made absolute.

Compose resolves them against the project directory, except for services reached through
``extends: {file: ...}`` or ``include``, whose paths are relative to that file's own folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archcheck.compose.yamlnodes import PDict, PList

_REMOTE = re.compile(r"^(https?://|git@|git://|github\.com/|ssh://)|\.git(#|$)")


def is_remote(context: str) -> bool:
    """A build context Compose passes on as is (a git or HTTP URL)."""
    return bool(_REMOTE.search(context)) or "://" in context


def expand_home(path: str, env: Mapping[str, str]) -> str:
    if path == "~" or path.startswith("~/"):
        home = env.get("HOME") or str(Path.home())
        return home + path[1:]
    return path


def absolute(path: str, base: Path, env: Mapping[str, str]) -> str:
    """``path`` made absolute against ``base`` (``~`` expanded), or left alone if absolute."""
    if path.startswith("/"):
        return path  # NOTE: Compose keeps absolute paths as written (trailing slash and all)
    return os.path.normpath(base / expand_home(path, env))


def is_bind_source(source: str) -> bool:
    """In the short volume syntax, a source that is a path (not a named volume)."""
    return source.startswith((".", "/", "~")) or source == "."


def _copy(value: PDict) -> PDict:
    out = PDict(value)
    out.pos = dict(value.pos)
    return out


def absolutize_service(service: Any, base: Path, env: Mapping[str, str]) -> Any:
    """A copy of ``service`` whose relative paths point at the same files from ``base``."""
    if not isinstance(service, PDict):
        return service
    out = _copy(service)
    build = out.get("build")
    if isinstance(build, str):
        out["build"] = build if is_remote(build) else absolute(build, base, env)
    elif isinstance(build, PDict) and isinstance(build.get("context"), str):
        context = build["context"]
        if not is_remote(context):
            new_build = _copy(build)
            new_build["context"] = absolute(context, base, env)
            out["build"] = new_build
    env_file = out.get("env_file")
    if env_file is not None:
        out["env_file"] = _absolutize_env_files(env_file, base, env)
    label_file = out.get("label_file")
    if isinstance(label_file, str):
        out["label_file"] = absolute(label_file, base, env)
    elif isinstance(label_file, PList):
        out["label_file"] = _map_list(
            label_file, lambda p: absolute(p, base, env) if isinstance(p, str) else p
        )
    volumes = out.get("volumes")
    if isinstance(volumes, PList):
        out["volumes"] = _map_list(volumes, lambda v: _absolutize_volume(v, base, env))
    return out


def _map_list(items: PList, fn: Any) -> PList:
    out = PList(fn(item) for item in items)
    out.pos = list(items.pos)
    return out


def _absolutize_env_files(value: Any, base: Path, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return absolute(value, base, env)
    if isinstance(value, PList):

        def fix(item: Any) -> Any:
            if isinstance(item, str):
                return absolute(item, base, env)
            if isinstance(item, PDict) and isinstance(item.get("path"), str):
                fixed = _copy(item)
                fixed["path"] = absolute(item["path"], base, env)
                return fixed
            return item

        return _map_list(value, fix)
    return value


def _absolutize_volume(volume: Any, base: Path, env: Mapping[str, str]) -> Any:
    if isinstance(volume, str):
        source, sep, rest = volume.partition(":")
        if sep and is_bind_source(source):
            return absolute(source, base, env) + ":" + rest
        return volume
    if isinstance(volume, PDict) and volume.get("type") == "bind":
        bind_source = volume.get("source")
        if isinstance(bind_source, str) and bind_source:
            fixed = _copy(volume)
            fixed["source"] = absolute(bind_source, base, env)
            return fixed
    return volume


def absolutize_resources(model: PDict, base: Path, env: Mapping[str, str]) -> PDict:
    """Every service's paths and every secret's and config's ``file`` made absolute."""
    out = _copy(model)
    services = out.get("services")
    if isinstance(services, PDict):
        fixed = _copy(services)
        for name, service in services.items():
            service = absolutize_service(service, base, env)
            if isinstance(service, PDict) and "build" in service:
                build = service["build"]
                if isinstance(build, PDict) and "context" not in build:
                    build = _copy(build)
                    build["context"] = str(base)
                    service["build"] = build
            fixed[name] = service
        out["services"] = fixed
    for kind in ("secrets", "configs"):
        resources = out.get(kind)
        if isinstance(resources, PDict):
            fixed = _copy(resources)
            for name, resource in resources.items():
                if isinstance(resource, PDict) and isinstance(resource.get("file"), str):
                    item = _copy(resource)
                    item["file"] = absolute(resource["file"], base, env)
                    fixed[name] = item
            out[kind] = fixed
    return out
