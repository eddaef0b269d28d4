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
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from archcheck.compose.yamlnodes import RESET, Override, PDict, PList
from archcheck.errors import ComposeError
from archcheck.files.yamlpos import location

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


def _deduplicated(path: tuple[str | int, ...]) -> bool:
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


def _kind(value: Any) -> set[str]:
    if isinstance(value, bool):
        return {"boolean"}
    if isinstance(value, int):
        return {"integer", "number"}
    if isinstance(value, float):
        return {"number", "integer"} if value.is_integer() else {"number"}
    if isinstance(value, str):
        return {"string"}
    if isinstance(value, dict):
        return {"object"}
    if isinstance(value, list):
        return {"array"}
    if value is None:
        return {"null"}
    return set()


def _human(types: list[str]) -> str:
    names = sorted("mapping" if t == "object" else t for t in types)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def _check(value: Any, schema: Any, path: tuple[str | int, ...], out: list[Problem]) -> None:
    if value is RESET or not isinstance(schema, dict):
        return
    if isinstance(value, Override):
        value = value.value
    ref = schema.get("$ref")
    if ref is not None:
        _check(value, _resolve(ref), path, out)
    kinds = _kind(value)
    wanted = schema.get("type")
    if wanted is not None:
        types = wanted if isinstance(wanted, list) else [wanted]
        if not kinds & set(types):
            out.append(Problem(path, f"must be a {_human(types)}", len(path)))
            return
    if "enum" in schema and not any(_same(value, item) for item in schema["enum"]):
        choices = ", ".join(json.dumps(item) for item in schema["enum"])
        out.append(Problem(path, f"must be one of {choices}", len(path)))
    if "oneOf" in schema:
        _one_of(value, schema["oneOf"], path, out)
    if isinstance(value, str) and "pattern" in schema and not _pattern(schema["pattern"]).search(
        value
    ):
        out.append(Problem(path, f"does not match the pattern {schema['pattern']!r}", len(path)))
    if "number" in kinds:
        if "minimum" in schema and value < schema["minimum"]:
            out.append(Problem(path, f"must be greater than or equal to {schema['minimum']}",
                               len(path)))  # fmt: skip
        if "maximum" in schema and value > schema["maximum"]:
            out.append(Problem(path, f"must be less than or equal to {schema['maximum']}",
                               len(path)))  # fmt: skip
    if isinstance(value, dict):
        _object(value, schema, path, out)
    if isinstance(value, list):
        items = schema.get("items")
        if items is not None:
            for index, item in enumerate(value):
                _check(item, items, (*path, index), out)
        if schema.get("uniqueItems") and not _deduplicated(path):
            seen: set[str] = set()
            for item in value:
                key = json.dumps(_plain(item), sort_keys=True)
                if key in seen:
                    out.append(Problem(path, f"has duplicate items ({key})", len(path)))
                    break
                seen.add(key)


def _object(value: dict[str, Any], schema: dict[str, Any], path: tuple[str | int, ...],
            out: list[Problem]) -> None:  # fmt: skip
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    extra = schema.get("additionalProperties", True)
    out.extend(
        Problem(path, f"is missing the required property {name!r}", len(path))
        for name in schema.get("required", ())
        if name not in value
    )
    for key, item in value.items():
        name = str(key)
        matched = False
        if name in properties:
            matched = True
            _check(item, properties[name], (*path, name), out)
        for source, sub in patterns.items():
            if _pattern(source).search(name):
                matched = True
                _check(item, sub, (*path, name), out)
        if matched:
            continue
        if extra is False:
            out.append(Problem(path, f"additional property {name!r} is not allowed",
                               len(path) + 1))  # fmt: skip
        elif isinstance(extra, dict):
            _check(item, extra, (*path, name), out)


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
