"""Read a small YAML/JSON input file keeping where every key was written.

Snapshots, ``.archcheck.yaml`` and ``rules/*.yaml`` are validated with pydantic; this module
turns a ``ValidationError``'s ``loc`` back into FILE:LINE:COL so every message points at the line
to fix. Duplicate keys are rejected here (PyYAML would silently keep the last one).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from archcheck.errors import ArchcheckError
from archcheck.model import Location

# NOTE: libyaml's loader when PyYAML was built with it (about 10x faster on big snapshots); it
# keeps the same marks, so positions do not change.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

KeyPath = tuple[str | int, ...]
Positions = dict[KeyPath, Location]

MAX_EXPANDED_NODES = 1_000_000
"""Refuse a file whose aliases expand beyond this many nodes (a "billion laughs" file)."""


def _mark(file: str, node: yaml.Node) -> Location:
    # NOTE: model_construct skips validation: marks are always valid 1-based positions, and
    # a big snapshot has one per key.
    return Location.model_construct(
        file=file, line=node.start_mark.line + 1, column=node.start_mark.column + 1
    )


def load_yaml(
    path: Path, error: Callable[[str, Location | None], ArchcheckError], *, what: str
) -> tuple[Any, Positions]:
    """Parse ``path`` (YAML or JSON); return the data and key path -> Location.

    ``error`` builds the ArchcheckError subclass to raise; ``what`` names the file's role in
    messages ("metrics snapshot", "config").
    """
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot read {what} {file}: {exc.strerror}; check the path", None) from exc
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = (
            Location(file=file, line=mark.line + 1, column=mark.column + 1) if mark else None
        )
        raise error(f"{what} is not valid YAML: {exc.problem}; fix the syntax", loc) from exc
    except yaml.YAMLError as exc:
        raise error(f"{what} is not valid YAML: {exc}; fix the syntax", None) from exc
    finally:
        loader.dispose()
    positions: Positions = {(): Location(file=file, line=1, column=1)}
    if node is not None:
        if _expanded_size(node) > MAX_EXPANDED_NODES:
            raise error(
                f"{what} expands to more than {MAX_EXPANDED_NODES:,} values through its aliases;"
                " write the values out instead of nesting aliases",
                _mark(file, node),
            )
        _walk(file, node, (), positions, error, what)
    return data, positions


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document has once every alias is expanded, in time linear in the
    number of distinct nodes (each node's size is computed once)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        if children_done or not children:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def _walk(
    file: str,
    node: yaml.Node,
    prefix: KeyPath,
    positions: Positions,
    error: Callable[[str, Location | None], ArchcheckError],
    what: str,
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key == "<<":
                continue
            if key in seen:
                raise error(
                    f"duplicate key {key!r} in {what}; keep one of them",
                    _mark(file, key_node),
                )
            seen.add(key)
            path = (*prefix, key)
            positions[path] = _mark(file, key_node)
            _walk(file, value_node, path, positions, error, what)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = (*prefix, index)
            positions[path] = _mark(file, item)
            _walk(file, item, path, positions, error, what)


def locate(positions: Positions, path: KeyPath) -> Location | None:
    """The Location of ``path`` or of its nearest written ancestor."""
    key = tuple(path)
    while key:
        if key in positions:
            return positions[key]
        key = key[:-1]
    return positions.get(())


def validation_error(
    exc: ValidationError,
    where: Positions | Callable[[KeyPath], Location | None],
    error: Callable[[str, Location | None], ArchcheckError],
    *,
    what: str,
    hint: str,
) -> ArchcheckError:
    """The first pydantic error as an ArchcheckError pointing at the offending key.

    ``where`` is the file's positions, or maps a key path to a Location (for a prefix).
    """
    first = exc.errors(include_url=False)[0]
    loc = tuple(part for part in first["loc"] if not _is_union_tag(part))
    dotted = ".".join(str(part) for part in loc) or "(top level)"
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    location = locate(where, loc) if isinstance(where, dict) else where(loc)
    return error(f"{what}: {dotted}: {message}; {hint}", location)


def _is_union_tag(part: object) -> bool:
    # NOTE: pydantic adds the member type's name to ``loc`` for unions ("float", "function-after").
    return isinstance(part, str) and (
        part in {"float", "int", "str", "bool"} or "[" in part or part.startswith("function-")
    )
