"""Read compose YAML the way Compose (Go's yaml.v3) reads it, remembering where each value was.

PyYAML's C parser builds the node tree; this module turns nodes into plain values with the
YAML 1.2 core schema Compose uses (``no``/``yes``/``on`` stay strings), merge keys, ``!reset``
and ``!override``, duplicate keys rejected, and a budget on alias expansion (billion laughs) and
nesting depth. Every mapping and sequence carries the position of each entry (``Pos``), so the
loader can point a finding at FILE:LINE:COL after merging.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from archcheck.errors import ComposeError
from archcheck.files.yamlpos import Pos, location, reader_error, too_deep

MAX_DEPTH = 200
"""Deeper nesting is refused: no real compose file comes near it, and recursion must stay bounded."""

ALIAS_BUDGET_BASE = 100_000
"""Values built through aliases may exceed the document's own size by this much (times ten)."""


class PDict(dict[str, Any]):
    """A mapping that remembers where each of its entries was written."""

    __slots__ = ("pos",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pos: dict[str, Pos] = {}


class PList(list[Any]):
    """A sequence that remembers where each of its items was written."""

    __slots__ = ("pos",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.pos: list[Pos | None] = []


class Reset:
    """``!reset``: the key is removed from what earlier files (or an extended service) set."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "!reset"


RESET = Reset()


class Override:
    """``!override VALUE``: replace what earlier files set instead of merging with it."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"!override {self.value!r}"


class _Loader(yaml.CSafeLoader):
    """C parser and composer; tags are left unresolved so the YAML 1.2 rules below apply."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return "?"
        if kind is yaml.SequenceNode:
            return "tag:yaml.org,2002:seq"
        return "tag:yaml.org,2002:map"


_INT = re.compile(r"[-+]?(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*)$")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL: dict[str, Any] = {
    "true": True, "True": True, "TRUE": True,
    "false": False, "False": False, "FALSE": False,
    "": None, "~": None, "null": None, "Null": None, "NULL": None,
    ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
    ".inf": math.inf, ".Inf": math.inf, ".INF": math.inf,
    "+.inf": math.inf, "+.Inf": math.inf, "+.INF": math.inf,
    "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
}  # fmt: skip


def resolve_plain(text: str) -> Any:
    """A plain scalar as yaml.v3 decodes it into an untyped value (YAML 1.2 core schema)."""
    if text in _SPECIAL:
        return _SPECIAL[text]
    first = text[0]
    if first.isdigit() or first in "+-.":
        if _INT.match(text):
            return _parse_int(text)
        if _FLOAT.match(text) and any(c.isdigit() for c in text):
            return float(text)
    return text


def _parse_int(text: str) -> int | str:
    plain = text.replace("_", "")
    sign = -1 if plain.startswith("-") else 1
    body = plain.lstrip("+-")
    try:
        if body[:2] in ("0x", "0o", "0b"):
            return sign * int(body[2:], {"0x": 16, "0o": 8, "0b": 2}[body[:2]])
        if len(body) > 1 and body.startswith("0"):
            # NOTE: yaml.v3 parses with Go's ParseInt(base 0): a leading 0 means octal.
            return sign * int(body, 8)
        return sign * int(body)
    except ValueError:
        return text


_ALIAS_MESSAGE = (
    "document contains excessive aliasing (an alias bomb?): expand the anchors by hand or use "
    "fewer nested aliases"
)


class _Builder:
    """Turns one document's node tree into values, enforcing the alias budget and depth."""

    def __init__(self, file: str, budget: int) -> None:
        self.file = file
        self.budget = budget
        self.built = 0
        self.memo: dict[int, tuple[Any, int]] = {}
        """Collections already built (an anchor used again), with their size for the budget."""

    def pos(self, node: yaml.Node) -> Pos:
        return (self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def error(self, node: yaml.Node, message: str) -> ComposeError:
        return ComposeError(message, location(self.pos(node)))

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            memo = self.memo.get(id(node))
            if memo is not None:
                # NOTE: an alias shares the value built for its anchor (nothing mutates parsed
                # values; interpolation copies them) but still counts against the budget.
                self.built += memo[1]
                if self.built > self.budget:
                    raise self.error(node, _ALIAS_MESSAGE)
                return memo[0]
            before = self.built
            value = self._build(node, depth)
            self.memo[id(node)] = (value, self.built - before)
            return value
        return self._build(node, depth)

    def _build(self, node: yaml.Node, depth: int) -> Any:
        self.built += 1
        if self.built > self.budget:
            raise self.error(node, _ALIAS_MESSAGE)
        if depth > MAX_DEPTH:
            raise self.error(
                node, f"nesting deeper than {MAX_DEPTH} levels: flatten this value"
            )
        tag = node.tag
        if tag == "!reset":
            return RESET
        if tag == "!override":
            node = _retag(node)
            return Override(self.build(node, depth + 1))
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            items = PList()
            for child in node.value:
                items.append(self.build(child, depth + 1))
                items.pos.append(self.pos(child))
            return items
        assert isinstance(node, yaml.MappingNode)
        return self.mapping(node, depth)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        value: str = node.value
        if tag == "?":
            return resolve_plain(value) if not node.style else value
        if tag == "tag:yaml.org,2002:str":
            return value
        if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                   "tag:yaml.org,2002:null"):  # fmt: skip
            resolved = resolve_plain(value)
            if isinstance(resolved, str):
                raise self.error(node, f"cannot decode {value!r} as {tag.rsplit(':', 1)[-1]}")
            return resolved
        if tag.startswith("tag:yaml.org,2002:"):
            return value
        raise self.error(node, f"unknown tag {tag}: remove it (Compose knows !reset and !override)")

    def mapping(self, node: yaml.MappingNode, depth: int) -> PDict:
        result = PDict()
        seen: dict[str, int] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error(key_node, "mapping keys must be strings, not collections")
            if key_node.tag == "?" and not key_node.style and key_node.value == "<<":
                merges.append(value_node)
                continue
            raw_key = self.scalar(key_node)
            key = _key_text(raw_key)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise self.error(
                    key_node,
                    f'mapping key "{key}" already defined at line {seen[key]}: '
                    "remove one of the two",
                )
            seen[key] = line
            result[key] = self.build(value_node, depth + 1)
            scalar = isinstance(value_node, yaml.ScalarNode) and value_node.value != ""
            target = value_node if scalar else key_node
            result.pos[key] = self.pos(target)
        for merge_node in merges:
            self.merge_into(result, merge_node, depth)
        return result

    def merge_into(self, result: PDict, merge_node: yaml.Node, depth: int) -> None:
        """``<<: *a`` or ``<<: [*a, *b]``: keys already set win, then earlier maps win."""
        sources = merge_node.value if isinstance(merge_node, yaml.SequenceNode) else [merge_node]
        for source in sources:
            value = self.build(source, depth + 1)
            if not isinstance(value, PDict):
                raise self.error(source, "map merge (<<) needs a mapping or a list of mappings")
            for key, item in value.items():
                if key not in result:
                    result[key] = item
                    result.pos[key] = value.pos[key]


def _retag(node: yaml.Node) -> yaml.Node:
    """The same node without its ``!override`` tag."""
    if isinstance(node, yaml.ScalarNode):
        return yaml.ScalarNode("?", node.value, node.start_mark, node.end_mark, node.style)
    if isinstance(node, yaml.SequenceNode):
        return yaml.SequenceNode(
            "tag:yaml.org,2002:seq", node.value, node.start_mark, node.end_mark
        )
    return yaml.MappingNode("tag:yaml.org,2002:map", node.value, node.start_mark, node.end_mark)


def _key_text(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def _count_nodes(node: yaml.Node) -> int:
    count = 0
    stack = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        count += 1
        if isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.append(key)
                stack.append(value)
    return count


def parse_documents(text: str, file: str) -> list[Any]:
    """Every YAML document of ``text`` as values; ComposeError with FILE:LINE:COL when invalid."""
    try:
        loader = _Loader(text)
        try:
            nodes: list[yaml.Node] = []
            while loader.check_node():
                node = loader.get_node()
                if node is not None:
                    nodes.append(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (
            location((file, mark.line + 1, mark.column + 1)) if mark else None
        )
        problem = exc.problem or exc.context or "invalid YAML"
        raise ComposeError(f"not valid YAML: {problem}: fix the syntax", where) from exc
    except yaml.reader.ReaderError as exc:
        message, at = reader_error(exc, text, file)
        raise ComposeError(f"not valid YAML: {message}", at) from exc
    except yaml.YAMLError as exc:
        raise ComposeError(f"not valid YAML: {exc}: fix the syntax", location((file, 1, 1))) from exc
    except RecursionError as exc:
        where = too_deep(text, file, MAX_DEPTH) or location((file, 1, 1))
        raise ComposeError(
            f"nesting deeper than {MAX_DEPTH} levels: flatten this value", where
        ) from exc
    documents = []
    for node in nodes:
        builder = _Builder(file, ALIAS_BUDGET_BASE + 10 * _count_nodes(node))
        documents.append(builder.build(node))
    return documents
