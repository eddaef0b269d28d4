"""``${VAR}`` interpolation with Compose's whole syntax, then the type casts Compose applies.

Syntax: ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?message}``,
``${VAR?message}``, ``${VAR:+replacement}``, ``${VAR+replacement}``, nesting inside the default,
and ``$$`` for a literal ``$``. Values are interpolated, keys are not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from archcheck.compose.yamlnodes import Override, PDict, PList
from archcheck.errors import InterpolationError
from archcheck.files.yamlpos import Pos, location

Lookup = Mapping[str, str]

_NAME_START = frozenset("_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NAME_CHARS = _NAME_START | frozenset("0123456789")


class TemplateError(Exception):
    """A malformed ``${...}`` or a missing required variable; the caller adds the location."""


def substitute(text: str, env: Lookup, unset: set[str] | None = None) -> str:
    """``text`` with every variable replaced; ``unset`` collects names that defaulted to ''."""
    if "$" not in text:
        return text
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        j = text.find("$", i)
        if j < 0 or j == n - 1:
            out.append(text[i:])
            break
        out.append(text[i:j])
        nxt = text[j + 1]
        if nxt == "$":
            out.append("$")
            i = j + 2
        elif nxt == "{":
            value, i = _braced(text, j, env, unset)
            out.append(value)
        elif nxt in _NAME_START:
            k = j + 2
            while k < n and text[k] in _NAME_CHARS:
                k += 1
            out.append(_lookup(text[j + 1 : k], env, unset))
            i = k
        else:
            out.append("$")
            i = j + 1
    return "".join(out)


def _lookup(name: str, env: Lookup, unset: set[str] | None) -> str:
    value = env.get(name)
    if value is None:
        if unset is not None:
            unset.add(name)
        return ""
    return value


def _closing_brace(text: str, start: int) -> int:
    """Index of the ``}`` that closes the ``${`` whose content starts at ``start``."""
    depth = 1
    i = start
    n = len(text)
    while i < n:
        char = text[i]
        if char == "$" and i + 1 < n and text[i + 1] == "{":
            depth += 1
            i += 2
            continue
        if char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _braced(text: str, dollar: int, env: Lookup, unset: set[str] | None) -> tuple[str, int]:
    start = dollar + 2
    end = _closing_brace(text, start)
    if end < 0:
        raise TemplateError(
            f"invalid interpolation format: the '${{' at character {dollar + 1} is never closed; "
            "close it with '}', or write $$ for a literal $"
        )
    body = text[start:end]
    k = 0
    while k < len(body) and body[k] in _NAME_CHARS:
        k += 1
    name = body[:k]
    if not name or name[0] not in _NAME_START:
        raise TemplateError(
            f"invalid interpolation format: the '${{' at character {dollar + 1} is not followed "
            "by a variable name; write $$ for a literal $"
        )
    rest = body[k:]
    if not rest:
        return _lookup(name, env, unset), end + 1
    colon = rest.startswith(":")
    op = rest[1:2] if colon else rest[:1]
    arg = rest[2:] if colon else rest[1:]
    if op not in ("-", "+", "?"):
        raise TemplateError(
            f"invalid interpolation format: unexpected characters after ${{{name} (character "
            f"{start + k + 1}); use :-, -, :+, +, :? or ?"
        )
    value = env.get(name)
    is_set = value is not None
    is_full = is_set and value != ""
    present = is_full if colon else is_set
    if op == "-":
        return (value if present and value is not None else substitute(arg, env, unset)), end + 1
    if op == "+":
        return (substitute(arg, env, unset) if present else ""), end + 1
    if not present:
        message = substitute(arg, env, unset)
        raise TemplateError(f"required variable {name} is missing a value: {message}")
    return value or "", end + 1


# --- casts: after interpolation Compose turns strings at these paths into ints and booleans ---

_TRUE = frozenset(("y", "yes", "true", "on"))
_FALSE = frozenset(("n", "no", "false", "off"))


def to_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise TemplateError(
        f"failed to cast to expected type: invalid boolean: {value}: write true or false"
    )


def to_int(value: str) -> int:
    try:
        return int(value.strip(), 10)
    except ValueError:
        raise TemplateError(
            f"failed to cast to expected type: {value!r} is not an integer: write a whole number"
        ) from None


def to_float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise TemplateError(
            f"failed to cast to expected type: {value!r} is not a number: write a number"
        ) from None


Cast = Callable[[str], Any]
_S = "services.*."
CASTS: dict[str, Cast] = {
    **{_S + key: to_bool for key in (
        "init", "oom_kill_disable", "privileged", "read_only", "stdin_open", "tty",
        "healthcheck.disable", "depends_on.*.required", "depends_on.*.restart",
        "volumes.[].read_only", "volumes.[].volume.nocopy", "env_file.[].required",
    )},
    **{_S + key: to_int for key in (
        "cpu_count", "cpu_period", "cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpu_shares",
        "oom_score_adj", "pids_limit", "scale", "deploy.replicas", "deploy.update_config.parallelism",
        "deploy.rollback_config.parallelism", "deploy.restart_policy.max_attempts",
        "deploy.placement.max_replicas_per_node", "healthcheck.retries", "ports.[].target",
        "configs.[].mode", "secrets.[].mode", "ulimits.*", "ulimits.*.hard", "ulimits.*.soft",
    )},
    **{_S + key: to_float for key in (
        "cpu_percent", "cpus", "deploy.update_config.max_failure_ratio",
        "deploy.rollback_config.max_failure_ratio",
    )},
    **{f"{kind}.*.{key}": to_bool for kind, key in (
        ("networks", "external"), ("networks", "internal"), ("networks", "attachable"),
        ("networks", "enable_ipv4"), ("networks", "enable_ipv6"), ("volumes", "external"),
        ("secrets", "external"), ("configs", "external"),
    )},
}  # fmt: skip
"""Dotted path patterns (``*`` any key, ``[]`` any list index) -> the cast Compose applies."""

_CAST_TREE: dict[str, Any] = {}
for _pattern, _cast in CASTS.items():
    _node = _CAST_TREE
    for _part in _pattern.split("."):
        _node = _node.setdefault(_part, {})
    _node[""] = _cast


def interpolate(value: Any, env: Lookup, warnings: set[str], file_pos: Pos | None = None) -> Any:
    """A copy of a parsed document with every string value interpolated and cast."""
    return _walk(value, env, warnings, [_CAST_TREE], [], file_pos)


def _children(nodes: list[dict[str, Any]], key: str | None) -> list[dict[str, Any]]:
    out = []
    for node in nodes:
        if key is None:
            child = node.get("[]")
            if child is not None:
                out.append(child)
        else:
            out.extend(c for c in (node.get(key), node.get("*")) if c is not None)
    return out


def _walk(
    value: Any,
    env: Lookup,
    warnings: set[str],
    casts: list[dict[str, Any]],
    path: list[str],
    pos: Pos | None,
) -> Any:
    if isinstance(value, str):
        try:
            result = substitute(value, env, warnings)
            for node in casts:
                cast = node.get("")
                if cast is not None:
                    return cast(result)
        except TemplateError as exc:
            raise InterpolationError(
                f"error while interpolating {'.'.join(path)}: {exc}",
                location(pos) if pos else None,
            ) from None
        except RecursionError:
            raise InterpolationError(
                f"error while interpolating {'.'.join(path)}: '${{...}}' defaults nest too "
                "deeply; flatten them",
                location(pos) if pos else None,
            ) from None
        return result
    if isinstance(value, PDict):
        out = PDict()
        out.pos = value.pos
        for key, item in value.items():
            path.append(key)
            out[key] = _walk(item, env, warnings, _children(casts, key), path, value.pos.get(key))
            path.pop()
        return out
    if isinstance(value, PList):
        items = PList()
        items.pos = value.pos
        inner = _children(casts, None)
        for index, item in enumerate(value):
            path.append(f"[{index}]")
            items.append(_walk(item, env, warnings, inner, path, value.pos[index]))
            path.pop()
        return items
    if isinstance(value, Override):
        return Override(_walk(value.value, env, warnings, casts, path, pos))
    return value
