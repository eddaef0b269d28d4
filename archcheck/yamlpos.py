"""Read a small YAML/JSON input file keeping where every key was written.

Snapshots, ``.archcheck.yaml`` and ``rules/*.yaml`` are validated with pydantic; this module
turns a ``ValidationError``'s ``loc`` back into FILE:LINE:COL so every message points at the line
to fix. Duplicate keys are rejected here (PyYAML would silently keep the last one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from archcheck.errors import ArchcheckError

if TYPE_CHECKING:
    from pydantic import ValidationError

    from archcheck.model import Location

# NOTE: libyaml's loader when PyYAML was built with it (about 10x faster on big snapshots); it
# keeps the same marks, so positions do not change.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

KeyPath = tuple[str | int, ...]
Pos = tuple[str, int, int]
"""(file, line, column), 1-based: cheap to record for every key, turned into a Location late."""

MAX_EXPANDED_NODES = 1_000_000
"""Refuse a file whose aliases expand beyond this many nodes (a "billion laughs" file)."""


def location(pos: Pos) -> Location:
    """A Location for a recorded position (no validation: positions come from the parser).

    NOTE: imported here, not at the top: the model needs pydantic, which a successful
    ``archcheck config`` never has to import.
    """
    from archcheck.model import Location

    return Location.model_construct(file=pos[0], line=pos[1], column=pos[2])


class Positions(Mapping[KeyPath, "Location"]):
    """Key path -> Location, made from the recorded (file, line, column) only when asked for.

    A big snapshot or compose project has one position per key, and a finding needs a few.
    """

    def __init__(self, raw: dict[KeyPath, Pos]) -> None:
        self._raw = raw
        self._made: dict[KeyPath, Location] = {}

    def __getitem__(self, key: KeyPath) -> Location:
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = location(self._raw[key])
        return made

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __iter__(self) -> Iterator[KeyPath]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _mark(file: str, node: yaml.Node) -> Pos:
    return (file, node.start_mark.line + 1, node.start_mark.column + 1)


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
        loc = location((file, mark.line + 1, mark.column + 1)) if mark else None
        raise error(f"{what} is not valid YAML: {exc.problem}; fix the syntax", loc) from exc
    except yaml.YAMLError as exc:
        raise error(f"{what} is not valid YAML: {exc}; fix the syntax", None) from exc
    finally:
        loader.dispose()
    raw: dict[KeyPath, Pos] = {(): (file, 1, 1)}
    if node is not None:
        if _expanded_size(node) > MAX_EXPANDED_NODES:
            raise error(
                f"{what} expands to more than {MAX_EXPANDED_NODES:,} values through its aliases;"
                " write the values out instead of nesting aliases",
                location(_mark(file, node)),
            )
        _walk(file, node, (), raw, error, what)
    return data, Positions(raw)


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
    positions: dict[KeyPath, Pos],
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
                    location(_mark(file, key_node)),
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


def locate(positions: Mapping[KeyPath, Location], path: KeyPath) -> Location | None:
    """The Location of ``path`` or of its nearest written ancestor."""
    key = tuple(path)
    while key:
        if key in positions:
            return positions[key]
        key = key[:-1]
    return positions.get(())


def validation_error(
    exc: ValidationError,
    where: Mapping[KeyPath, Location] | Callable[[KeyPath], Location | None],
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
    at = locate(where, loc) if isinstance(where, Mapping) else where(loc)
    return error(f"{what}: {dotted}: {message}; {hint}", at)


def _is_union_tag(part: object) -> bool:
    # NOTE: pydantic adds the member type's name to ``loc`` for unions ("float", "function-after").
    return isinstance(part, str) and (
        part in {"float", "int", "str", "bool"} or "[" in part or part.startswith("function-")
    )
