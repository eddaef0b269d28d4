"""The checks Compose makes on a normalised project before it would run anything.

Every service has an image or a build; dependencies, networks, volumes, secrets and configs
exist; container names are unique; ``scale`` agrees with ``deploy.replicas``; no dependency
cycle. ``fail(service, message, *key_path)`` builds the located error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from archcheck.errors import ComposeError

Fail = Callable[..., ComposeError]


def check_project(config: dict[str, Any], all_names: set[str], fail: Fail) -> None:
    """Raise the first problem Compose would report before running ``config`` (the normalised
    project); ``all_names`` also holds the services disabled by profiles."""
    services: dict[str, dict[str, Any]] = config["services"]
    defined = {kind: set(config.get(kind) or {}) for kind in ("networks", "volumes", "secrets",
                                                              "configs")}  # fmt: skip

    container_names: dict[str, str] = {}
    for name, service in services.items():
        if not service.get("image") and not service.get("build"):
            raise fail(name, f'service "{name}" has neither an image nor a build context '
                             "specified: add `image:` or `build:`")  # fmt: skip
        for dependency, spec in (service.get("depends_on") or {}).items():
            if dependency in services:
                continue
            if dependency in all_names and spec.get("required") is False:
                continue
            raise fail(name, f'service "{name}" depends on undefined service "{dependency}": '
                             "define it, activate its profile, or mark the dependency "
                             "`required: false`", "depends_on", dependency)  # fmt: skip
        for network in service.get("networks") or {}:
            if network != "default" and network not in defined["networks"]:
                raise fail(name, f'service "{name}" refers to undefined network {network}: '
                                 "declare it under the top-level `networks:`",
                           "networks", network)  # fmt: skip
        for index, volume in enumerate(service.get("volumes") or []):
            source = volume.get("source")
            if volume.get("type") == "volume" and source and source not in defined["volumes"]:
                raise fail(name, f'service "{name}" refers to undefined volume {source}: '
                                 "declare it under the top-level `volumes:`",
                           "volumes", index)  # fmt: skip
        for kind in ("secrets", "configs"):
            for index, mount in enumerate(service.get(kind) or []):
                if mount.get("source") not in defined[kind]:
                    raise fail(name, f'service "{name}" refers to undefined {kind[:-1]} '
                                     f"{mount.get('source')}: declare it under the top-level "
                                     f"`{kind}:`", kind, index)  # fmt: skip
        container = service.get("container_name")
        if container:
            if container in container_names:
                raise fail(name, f'services.{name}: container name "{container}" is already in '
                                 f"use by service {container_names[container]}: container names "
                                 "must be unique", "container_name")  # fmt: skip
            container_names[container] = name
        replicas = (service.get("deploy") or {}).get("replicas")
        scale = service.get("scale")
        if replicas is not None and scale is not None and replicas != scale:
            raise fail(name, f"services.{name}: can't set distinct values on 'scale' and "
                             "'deploy.replicas': keep one of them", "scale")  # fmt: skip
    _check_cycles(services, fail)


def _check_cycles(services: dict[str, dict[str, Any]], fail: Fail) -> None:
    """Depth-first search over depends_on (links and volumes_from are folded in already)."""
    grey, black = 1, 2
    color: dict[str, int] = {}

    def dependencies(name: str) -> Iterator[str]:
        return iter(services[name].get("depends_on") or {})

    for root in services:
        if color.get(root):
            continue
        color[root] = grey
        path = [root]
        pending = [dependencies(root)]
        while pending:
            for dependency in pending[-1]:
                if dependency not in services:
                    continue
                state = color.get(dependency, 0)
                if state == grey:
                    chain = " -> ".join([*path[path.index(dependency) :], dependency])
                    raise fail(
                        path[-1],
                        f"dependency cycle detected: {chain}: remove one of the depends_on, "
                        "links or volumes_from",
                        "depends_on",
                    )
                if state == 0:
                    color[dependency] = grey
                    path.append(dependency)
                    pending.append(dependencies(dependency))
                    break
            else:
                color[path.pop()] = black
                pending.pop()
