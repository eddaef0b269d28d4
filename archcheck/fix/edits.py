"""The mechanical fix of each hygiene rule that has a safe one, as an edit of a ruamel document.

Each fix changes one service's own mapping in the compose file where it is written, and
only the key the finding is about. A value that comes from a merge key (``<<: *anchor``)
belongs to every service sharing the anchor, so it is left alone (the fix says why).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archcheck.structs import dataclass

WORKER_LIMITS = {
    "cron-worker": {"cpus": "0.5", "memory": "256M"},
    "event-worker": {"cpus": "1", "memory": "512M"},
    "worker": {"cpus": "1", "memory": "512M"},
}
"""What ``archcheck scaffold`` gives its workers (templates/compose): a start to adjust."""

RESTART_WORKER = "unless-stopped"


@dataclass(frozen=True)
class Edit:
    """What one fix does, said in a line (``None`` from a fix means: nothing to change)."""

    summary: str


class Skip(Exception):
    """The fix is not safe here; the message says why and what to do by hand."""


def own(node: Any, key: str) -> bool:
    """Whether ``key`` is written in ``node`` itself, not taken from a merge key."""
    return any(k == key for k, _ in node.non_merged_items())


# --- keeping the blank lines between services ---------------------------------------------------
# NOTE: ruamel.yaml keeps the blank lines and comments that follow a mapping on the last scalar
# written in it. A key added at the end (or the last key removed) would leave them in the
# middle of the service, so they are moved to whatever is last after the edit.


def _last_holder(node: Any) -> tuple[Any, Any, int] | None:
    """(container, key or index, slot) of the comment after the last scalar under ``node``."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    holder: tuple[Any, Any, int] | None = None
    value = node
    while True:
        if isinstance(value, CommentedMap):
            keys = [k for k, _ in value.non_merged_items()]
            if not keys:
                return holder
            holder = (value, keys[-1], 2)
            value = value[keys[-1]]
        elif isinstance(value, CommentedSeq) and len(value):
            holder = (value, len(value) - 1, 0)
            value = value[-1]
        else:
            return holder


def take_tail(node: Any) -> str | None:
    """Detach the blank lines and comment lines that follow ``node``; return them."""
    holder = _last_holder(node)
    if holder is None:
        return None
    container, key, slot = holder
    entry = container.ca.items.get(key)
    if not entry or entry[slot] is None:
        return None
    head, _, tail = str(entry[slot].value).partition("\n")
    if not tail:
        return None
    if head.strip():
        entry[slot].value = head + "\n"
    else:
        entry[slot] = None
    return tail


def put_tail(node: Any, tail: str | None) -> None:
    """Attach ``tail`` (from ``take_tail``) after the last scalar under ``node``."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    holder = _last_holder(node) if tail else None
    if holder is None or tail is None:
        return
    container, key, slot = holder
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    if entry[slot] is None:
        entry[slot] = CommentToken("\n" + tail, CommentMark(0))
    else:
        entry[slot].value = entry[slot].value + tail


def add(node: Any, key: str, value: Any) -> None:
    """``node[key] = value`` for a new key, appended after the others."""
    tail = take_tail(node)
    node[key] = value
    put_tail(node, tail)


def remove(node: Any, key: str) -> None:
    """``del node[key]``, keeping what followed the service when ``key`` was its last key."""
    keys = [k for k, _ in node.non_merged_items()]
    tail = take_tail(node) if keys and keys[-1] == key else None
    del node[key]
    put_tail(node, tail)


def _mapping(parent: Any, key: str, service: str) -> Any:
    """``parent[key]`` as a mapping of the service's own, created when absent."""
    from ruamel.yaml.comments import CommentedMap

    if key not in parent:
        add(parent, key, CommentedMap())
    elif not own(parent, key):
        raise Skip(f"{service}.{key} comes from a merge key (<<:) shared with other services")
    value = parent[key]
    if not isinstance(value, CommentedMap):
        raise Skip(f"{service}.{key} is not a mapping")
    return value


def drop_container_name(node: Any, service: str, values: dict[str, Any]) -> Edit | None:
    """AC103: replicas need unique names, so Compose must name the containers itself."""
    if "container_name" not in node:
        return None
    if not own(node, "container_name"):
        raise Skip(f"{service}.container_name comes from a merge key (<<:); remove it there")
    remove(node, "container_name")
    return Edit(f"removed container_name from {service} (it has {values.get('replicas')} replicas)")


def migration_runs_once(node: Any, service: str, values: dict[str, Any]) -> Edit | None:
    """AC101: a migration runs once: ``restart: "no"``."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if node.get("restart") == "no":
        return None
    if "restart" in node and not own(node, "restart"):
        raise Skip(f"{service}.restart comes from a merge key (<<:); set restart: \"no\" there")
    if "restart" in node:
        node["restart"] = DoubleQuotedScalarString("no")
    else:
        add(node, "restart", DoubleQuotedScalarString("no"))
    return Edit(f'set restart: "no" on migration {service} (was {values.get("restart")})')


def await_migration(node: Any, service: str, values: dict[str, Any]) -> Edit | None:
    """AC102: wait for the migration to finish: ``condition: service_completed_successfully``."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    migration = str(values.get("migration"))
    if "depends_on" in node and not own(node, "depends_on"):
        raise Skip(f"{service}.depends_on comes from a merge key (<<:); edit it there")
    depends = node.get("depends_on")
    done = "service_completed_successfully"
    if isinstance(depends, CommentedSeq):
        names = [str(name) for name in depends]
        if migration not in names:
            return None
        mapping = CommentedMap()
        for name in names:
            condition = done if name == migration else "service_started"
            mapping[name] = CommentedMap(condition=condition)
        tail = take_tail(depends)
        node["depends_on"] = mapping
        put_tail(mapping, tail)
    elif isinstance(depends, CommentedMap) and migration in depends:
        entry = depends[migration]
        if entry is None:
            depends[migration] = CommentedMap(condition=done)
        elif isinstance(entry, CommentedMap):
            if entry.get("condition") == done:
                return None
            entry["condition"] = done
        else:
            raise Skip(f"{service}.depends_on.{migration} is neither empty nor a mapping")
    else:
        return None
    return Edit(f"{service} now waits for {migration} with condition: {done}")


def one_cron_replica(node: Any, service: str, values: dict[str, Any]) -> Edit | None:
    """AC104: cron has no leader election: exactly one replica."""
    if "scale" in node and own(node, "scale"):
        if node["scale"] == 1:
            return None
        node["scale"] = 1
        return Edit(f"set scale: 1 on cron worker {service} (was {values.get('replicas')})")
    deploy = _mapping(node, "deploy", service)
    if deploy.get("replicas") == 1:
        return None
    if "replicas" in deploy:
        deploy["replicas"] = 1
    else:
        add(deploy, "replicas", 1)
    return Edit(f"set deploy.replicas: 1 on cron worker {service} (was {values.get('replicas')})")


def worker_limits(node: Any, service: str, values: dict[str, Any]) -> Edit | None:
    """AC106: give the worker the scaffold's limits (adjust them to the measured use)."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    role = str(values.get("role"))
    deploy = _mapping(node, "deploy", service)
    resources = _mapping(deploy, "resources", service)
    if "limits" in resources:
        return None
    limits = WORKER_LIMITS.get(role, WORKER_LIMITS["worker"])
    add(resources, "limits", CommentedMap(
        cpus=DoubleQuotedScalarString(limits["cpus"]), memory=limits["memory"]
    ))  # fmt: skip
    return Edit(
        f"added deploy.resources.limits (cpus {limits['cpus']}, memory {limits['memory']}) to "
        f"{role} {service}: adjust them to its measured use"
    )


def worker_restart(node: Any, service: str, values: dict[str, Any]) -> Edit | None:
    """AC107: a crashed worker comes back: ``restart: unless-stopped``."""
    if "restart" in node:
        return None
    add(node, "restart", RESTART_WORKER)
    return Edit(f"set restart: {RESTART_WORKER} on {values.get('role')} {service}")


Fix = Callable[[Any, str, dict[str, Any]], Edit | None]

FIXES: dict[str, Fix] = {
    "AC101": migration_runs_once,
    "AC102": await_migration,
    "AC103": drop_container_name,
    "AC104": one_cron_replica,
    "AC106": worker_limits,
    "AC107": worker_restart,
}
"""Rule id -> its fix. The other rules need a decision (AC105: which process runs the work;
AC108: how many replicas) and are left to the user or to ``archcheck scaffold``."""
