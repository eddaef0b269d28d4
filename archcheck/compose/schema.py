"""Compose's own JSON schema, applied where Compose applies it: to the merged model after each
file (interpolated, ``extends`` and ``include`` resolved), before normalisation.

The schema is compose-go's ``schema/compose-spec.json``, vendored unchanged as
``data/compose-spec.json`` (compose-go v2.9.1, the version inside the Docker Compose v2.40.3
binary the tests compare with; Apache-2.0, ``data/compose-spec.LICENSE``; source: the Go module
``github.com/compose-spec/compose-go/v2@v2.9.1``). It uses a small part of JSON Schema draft 7
(``type``, ``properties``, ``patternProperties``, ``additionalProperties``, ``items``,
``required``, ``enum``, ``oneOf``, ``uniqueItems``, ``minimum``, ``maximum``, ``pattern``,
``$ref``), which is implemented here rather than pulling in a JSON Schema library at start-up.
As compose-go does, the error shown is the most specific one: the deepest in the document.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from archcheck.compose.yamlnodes import RESET, Override, PDict, PList
from archcheck.errors import ComposeError
from archcheck.files.yamlpos import location
from archcheck.structs import dataclass

SCHEMA = Path(__file__).with_name("data") / "compose-spec.json"

_DEDUPLICATED = frozenset(
    tuple(p.split("."))
    for p in (
        "networks.*.labels", "networks.*.ipam.options", "services.*.annotations",
        "services.*.build.args", "services.*.build.additional_contexts",
        "services.*.build.platform", "services.*.build.tags", "services.*.build.labels",
        "services.*.cap_add", "services.*.cap_drop", "services.*.devices", "services.*.configs",
        "services.*.deploy.labels", "services.*.dns", "services.*.dns_opt",
        "services.*.dns_search", "services.*.environment", "services.*.env_file",
        "services.*.expose", "services.*.labels", "services.*.links",
        "services.*.networks.*.aliases", "services.*.networks.*.link_local_ips",
        "services.*.ports", "services.*.profiles", "services.*.secrets", "services.*.sysctls",
        "services.*.tmpfs", "services.*.volumes",
    )
)  # fmt: skip
"""Lists Compose de-duplicates (``override.EnforceUnicity``) before it validates: a repeated
item there is merged away, not an error (archcheck's normaliser does the same later)."""


_DEDUPLICATED_ENDS = frozenset((p[0], p[-1], len(p)) for p in _DEDUPLICATED)


def _deduplicated(path: tuple[str | int, ...]) -> bool:
    if not path or (path[0], path[-1], len(path)) not in _DEDUPLICATED_ENDS:
        return False
    return any(
        len(p) == len(path) and all(a in ("*", b) for a, b in zip(p, path, strict=True))
        for p in _DEDUPLICATED
    )


@dataclass(frozen=True)
class Problem:
    """One schema violation: where (key path) and what."""

    path: tuple[str | int, ...]
    message: str
    specificity: int


@cache
def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return loaded


@cache
def _pattern(source: str) -> re.Pattern[str]:
    """A schema pattern; its final ``$`` is the end of the text, as in Go and ECMAScript (in
    Python ``$`` also matches before a final newline: ``"x\\n"`` would pass as a name)."""
    if source.endswith("$") and not source.endswith("\\$"):
        source = source[:-1] + r"\Z"
    return re.compile(source)


def problems(value: Any) -> list[Problem]:
    """Every violation of the schema by the model ``value`` (empty when it is valid)."""
    out: list[Problem] = []
    _check(value, _schema(), (), out)
    return out


def validate_model(model: PDict, file: Path) -> None:
    """Raise a ComposeError at the most specific violation, as ``docker compose config``."""
    found = problems(model)
    if not found:
        return
    worst = max(found, key=lambda p: p.specificity)
    dotted = ".".join(str(part) for part in worst.path)
    where = _location(model, worst.path) or location((str(file), 1, 1))
    prefix = f"{dotted} " if dotted else ""
    raise ComposeError(f"{prefix}{worst.message}; see the Compose file reference", where)


def _location(model: PDict, path: tuple[str | int, ...]) -> Any:
    """The position of the deepest key of ``path`` that the parsed model knows."""
    found = None
    node: Any = model
    for part in path:
        pos = None
        if isinstance(node, PDict) and isinstance(part, str) and part in node:
            pos = node.pos.get(part)
            node = node[part]
        elif isinstance(node, PList) and isinstance(part, int) and part < len(node):
            pos = node.pos[part] if part < len(node.pos) else None
            node = node[part]
        else:
            break
        if isinstance(node, Override):
            node = node.value
        found = location(pos) if pos else found
    return found


_KINDS: dict[type, frozenset[str]] = {
    bool: frozenset({"boolean"}), int: frozenset({"integer", "number"}),
    str: frozenset({"string"}), PDict: frozenset({"object"}), dict: frozenset({"object"}),
    PList: frozenset({"array"}), list: frozenset({"array"}), type(None): frozenset({"null"}),
}  # fmt: skip
_INTEGRAL = frozenset({"number", "integer"})
_NUMBER = frozenset({"number"})


def _kind(value: Any) -> frozenset[str]:
    """The JSON types ``value`` has (an integral float is also an ``integer``)."""
    found = _KINDS.get(type(value))
    if found is not None:
        return found
    if isinstance(value, float):
        return _INTEGRAL if value.is_integer() else _NUMBER
    return frozenset()


def _human(types: list[str]) -> str:
    names = sorted("mapping" if t == "object" else t for t in types)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


@dataclass(frozen=True, slots=True)
class _Node:
    """One schema object with its keywords looked up once (the schema is walked per value)."""

    ref: Any
    types: frozenset[str] | None
    type_names: str
    enum: list[Any] | None
    one_of: list[Any] | None
    pattern: re.Pattern[str] | None
    minimum: float | None
    maximum: float | None
    properties: dict[str, Any]
    patterns: tuple[tuple[re.Pattern[str], Any], ...]
    extra: Any
    required: tuple[str, ...]
    items: Any
    unique: bool


_NODES: dict[int, _Node] = {}


def _node(schema: dict[str, Any]) -> _Node:
    found = _NODES.get(id(schema))
    if found is not None:
        return found
    wanted = schema.get("type")
    types = None if wanted is None else (wanted if isinstance(wanted, list) else [wanted])
    node = _Node(
        ref=_resolve(schema["$ref"]) if "$ref" in schema else None,
        types=None if types is None else frozenset(types),
        type_names=_human(types) if types else "",
        enum=schema.get("enum"),
        one_of=schema.get("oneOf"),
        pattern=_pattern(schema["pattern"]) if "pattern" in schema else None,
        minimum=schema.get("minimum"),
        maximum=schema.get("maximum"),
        properties=schema.get("properties", {}),
        patterns=tuple((_pattern(k), v) for k, v in schema.get("patternProperties", {}).items()),
        extra=schema.get("additionalProperties", True),
        required=tuple(schema.get("required", ())),
        items=schema.get("items"),
        unique=bool(schema.get("uniqueItems")),
    )
    _NODES[id(schema)] = node  # NOTE: the schema is cached for the process, so ids stay valid
    return node


def _check(value: Any, schema: Any, path: tuple[str | int, ...], out: list[Problem]) -> None:
    if value is RESET or not isinstance(schema, dict):
        return
    if isinstance(value, Override):
        value = value.value
    node = _node(schema)
    if node.ref is not None:
        _check(value, node.ref, path, out)
    kinds = _kind(value)
    if node.types is not None and not kinds & node.types:
        out.append(Problem(path, f"must be a {node.type_names}", len(path)))
        return
    if node.enum is not None and not any(_same(value, item) for item in node.enum):
        choices = ", ".join(json.dumps(item) for item in node.enum)
        out.append(Problem(path, f"must be one of {choices}", len(path)))
    if node.one_of is not None:
        _one_of(value, node.one_of, path, out)
    if node.pattern is not None and isinstance(value, str) and not node.pattern.search(value):
        out.append(Problem(path, f"does not match the pattern {node.pattern.pattern!r}", len(path)))
    if "number" in kinds:
        if node.minimum is not None and value < node.minimum:
            out.append(Problem(path, f"must be greater than or equal to {node.minimum}", len(path)))
        if node.maximum is not None and value > node.maximum:
            out.append(Problem(path, f"must be less than or equal to {node.maximum}", len(path)))
    if isinstance(value, dict):
        _object(value, node, path, out)
    elif isinstance(value, list):
        if node.items is not None:
            for index, item in enumerate(value):
                _check(item, node.items, (*path, index), out)
        if node.unique and not _deduplicated(path):
            seen: set[str] = set()
            for item in value:
                key = json.dumps(_plain(item), sort_keys=True)
                if key in seen:
                    out.append(Problem(path, f"has duplicate items ({key})", len(path)))
                    break
                seen.add(key)


def _object(value: dict[str, Any], node: _Node, path: tuple[str | int, ...],
            out: list[Problem]) -> None:  # fmt: skip
    out.extend(
        Problem(path, f"is missing the required property {name!r}", len(path))
        for name in node.required
        if name not in value
    )
    for key, item in value.items():
        name = str(key)
        matched = False
        sub = node.properties.get(name)
        if sub is not None:
            matched = True
            _check(item, sub, (*path, name), out)
        for pattern, schema in node.patterns:
            if pattern.search(name):
                matched = True
                _check(item, schema, (*path, name), out)
        if matched:
            continue
        if node.extra is False:
            out.append(Problem(path, f"additional property {name!r} is not allowed",
                               len(path) + 1))  # fmt: skip
        elif isinstance(node.extra, dict):
            _check(item, node.extra, (*path, name), out)


def _one_of(value: Any, branches: list[Any], path: tuple[str | int, ...],
            out: list[Problem]) -> None:  # fmt: skip
    causes: list[Problem] = []
    passed = 0
    for branch in branches:
        found: list[Problem] = []
        _check(value, branch, path, found)
        if found:
            causes.extend(found)
        else:
            passed += 1
    if passed == 1:
        return
    if passed == 0:
        out.append(max(causes, key=lambda p: p.specificity))
        return
    out.append(Problem(path, "matches more than one of the allowed forms", len(path)))


def _resolve(ref: str) -> Any:
    node: Any = _schema()
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _plain(value: Any) -> Any:
    if isinstance(value, Override):
        return _plain(value.value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value if value is not RESET else None
