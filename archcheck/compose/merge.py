"""Compose's merge rules, used for several ``-f`` files and for ``extends``.

Mappings merge key by key and scalars are replaced. Sequences are appended, then entries with the
same key are folded into the first one's place (ports, volumes, secrets, configs, ...).
``environment``, ``labels``, ``depends_on``, ``networks`` merge by key whichever form they were
written in; ``command``, ``entrypoint`` and ``healthcheck.test`` are replaced. ``!reset`` removes a
value, ``!override`` replaces it without merging. Positions follow the value that wins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archcheck.compose.yamlnodes import RESET, Override, PDict, PList
from archcheck.files.yamlpos import Pos


def strip_tags(value: Any) -> Any:
    """``value`` with ``!override`` unwrapped and ``!reset`` entries dropped (nothing to merge)."""
    if isinstance(value, Override):
        return strip_tags(value.value)
    if isinstance(value, PDict):
        if not any(isinstance(v, (PDict, PList, Override)) or v is RESET for v in value.values()):
            return value
        out = PDict()
        for key, item in value.items():
            if item is RESET:
                continue
            out[key] = strip_tags(item)
            out.pos[key] = value.pos[key]
        return out
    if isinstance(value, PList):
        items = PList()
        for item, pos in zip(value, value.pos, strict=True):
            if item is RESET:
                continue
            items.append(strip_tags(item))
            items.pos.append(pos)
        return items
    return None if value is RESET else value


def _fresh(value: Any) -> Any:
    """A value for a key the base does not have: ``!reset`` there means "leave it out"."""
    return value if value is RESET else strip_tags(value)


def deep_merge(base: Any, over: Any) -> Any:
    """The generic rule: mappings merge, sequences append, anything else is replaced."""
    if over is RESET:
        return RESET
    if isinstance(over, Override):
        return strip_tags(over.value)
    if over is None:
        return base  # NOTE: as Compose does, an empty value in a later file changes nothing
    if isinstance(base, PDict) and isinstance(over, PDict):
        out = _copy(base)
        for key, item in over.items():
            _put(out, key, deep_merge(out[key], item) if key in out else _fresh(item), over)
        return out
    if isinstance(base, PList) and isinstance(over, PList):
        return _concat(base, strip_tags(over))
    return strip_tags(over)


def _copy(value: PDict) -> PDict:
    out = PDict(value)
    out.pos = dict(value.pos)
    return out


def _concat(first: PList, second: PList) -> PList:
    out = PList(first)
    out.extend(second)
    out.pos = [*first.pos, *second.pos]
    return out


def as_mapping(value: Any, pos: Pos | None = None, *, list_default: Any = None) -> PDict:
    """``KEY=VALUE`` / ``KEY`` lists (environment, labels, networks...) as a mapping."""
    if isinstance(value, PDict):
        return value
    out = PDict()
    if isinstance(value, PList):
        for item, item_pos in zip(value, value.pos, strict=True):
            text = _text(item)
            key, sep, rest = text.partition("=")
            out[key] = rest if sep else list_default
            if item_pos is not None:
                out.pos[key] = item_pos
    elif isinstance(value, str):
        key, sep, rest = value.partition("=")
        out[key] = rest if sep else list_default
        if pos is not None:
            out.pos[key] = pos
    return out


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def depends_on_mapping(value: Any) -> PDict:
    """``depends_on`` in its long form: service -> {condition, required}."""
    if isinstance(value, PDict):
        return value
    out = PDict()
    if isinstance(value, PList):
        for item, pos in zip(value, value.pos, strict=True):
            entry = PDict(condition="service_started", required=True)
            if pos is not None:
                entry.pos = {"condition": pos, "required": pos}
                out.pos[_text(item)] = pos
            out[_text(item)] = entry
    return out


def _merge_by_key(convert: Callable[[Any], PDict]) -> Callable[[Any, Any], Any]:
    def merge(base: Any, over: Any) -> Any:
        if isinstance(over, Override) or over is RESET:
            return deep_merge(base, over)
        return deep_merge(convert(base), convert(over))

    return merge


def _replace(base: Any, over: Any) -> Any:
    if over is RESET:
        return RESET
    return strip_tags(over)


def _merge_build(base: Any, over: Any) -> Any:
    if isinstance(over, Override) or over is RESET:
        return deep_merge(base, over)
    return _merge_service_like(_build_mapping(base), _build_mapping(over), _BUILD_SPECIALS)


def _build_mapping(value: Any) -> Any:
    return PDict(context=value) if isinstance(value, str) else value


def _merge_logging(base: Any, over: Any) -> Any:
    if (
        isinstance(base, PDict)
        and isinstance(over, PDict)
        and base.get("driver") is not None
        and over.get("driver") is not None
        and base.get("driver") != over.get("driver")
    ):
        return strip_tags(over)
    return deep_merge(base, over)


def _merge_ulimits(base: Any, over: Any) -> Any:
    if not isinstance(base, PDict) or not isinstance(over, PDict):
        return _replace(base, over)
    out = _copy(base)
    for key, item in over.items():
        if key in out and isinstance(out[key], PDict) and isinstance(item, PDict):
            merged = deep_merge(out[key], item)
        else:
            merged = _fresh(item)
        if merged is RESET or item is RESET:
            out.pop(key, None)
            continue
        out[key] = merged
        out.pos[key] = over.pos[key]
    return out


def _merge_healthcheck(base: Any, over: Any) -> Any:
    return _merge_service_like(base, over, {"test": _replace})


_by_key = _merge_by_key(as_mapping)


def _as_sequence(value: Any) -> Any:
    if isinstance(value, str):
        items = PList([value])
        items.pos = [None]
        return items
    return value


def _merge_sequence(base: Any, over: Any) -> Any:
    """String-or-list keys (``env_file``, ``dns``, ``tmpfs``...): both lists, appended."""
    if isinstance(over, Override) or over is RESET:
        return deep_merge(base, over)
    return deep_merge(_as_sequence(base), _as_sequence(over))

_BUILD_SPECIALS: dict[str, Callable[[Any, Any], Any]] = {
    "args": _by_key,
    "labels": _by_key,
    "additional_contexts": _by_key,
    "extra_hosts": _by_key,
}

SERVICE_SPECIALS: dict[str, Callable[[Any, Any], Any]] = {
    "command": _replace,
    "entrypoint": _replace,
    "environment": _by_key,
    "labels": _by_key,
    "annotations": _by_key,
    "sysctls": _by_key,
    "extra_hosts": _by_key,
    "depends_on": _merge_by_key(depends_on_mapping),
    "networks": _by_key,
    "build": _merge_build,
    **dict.fromkeys(("env_file", "label_file", "dns", "dns_opt", "dns_search", "tmpfs"),
                    _merge_sequence),
    "logging": _merge_logging,
    "ulimits": _merge_ulimits,
    "healthcheck": _merge_healthcheck,
}


def _merge_service_like(
    base: Any, over: Any, specials: dict[str, Callable[[Any, Any], Any]]
) -> Any:
    if over is RESET or isinstance(over, Override):
        return deep_merge(base, over)
    if not isinstance(base, PDict) or not isinstance(over, PDict):
        return strip_tags(over)
    out = _copy(base)
    for key, item in over.items():
        if key in out:
            special = specials.get(key)
            merged = special(out[key], item) if special else deep_merge(out[key], item)
        else:
            merged = _fresh(item)
        _put(out, key, merged, over)
    return out


def _put(out: PDict, key: str, merged: Any, over: PDict) -> None:
    """Store a merged value at the position the later file wrote it; ``!reset`` removes it."""
    if merged is RESET:
        out.pop(key, None)
        out.pos.pop(key, None)
    else:
        out[key] = merged
        out.pos[key] = over.pos[key]


def merge_service(base: Any, over: Any) -> Any:
    """One service merged over another (a later file, or a service over the one it extends)."""
    return _merge_service_like(base, over, SERVICE_SPECIALS)


def merge_files(base: PDict, over: PDict) -> PDict:
    """A later compose file's top-level mapping merged over the result so far."""
    out = _copy(base)
    for key, item in over.items():
        if key == "services" and isinstance(out.get(key), PDict) and isinstance(item, PDict):
            services = _copy(out[key])
            for name, service in item.items():
                if service is RESET:
                    services.pop(name, None)
                    continue
                if name in services:
                    services[name] = merge_service(services[name], service)
                else:
                    services[name] = strip_tags(service)
                services.pos[name] = item.pos[name]
            out[key] = services
            out.pos[key] = over.pos[key]
            continue
        merged = deep_merge(out[key], item) if key in out else _fresh(item)
        if merged is RESET:
            out.pop(key, None)
            continue
        out[key] = merged
        out.pos[key] = over.pos[key]
    return out
