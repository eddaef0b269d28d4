"""Read a small YAML/JSON input file keeping where every key was written.

Snapshots, ``.archcheck.yaml`` and ``rules/*.yaml`` are validated with pydantic; this module
turns a ``ValidationError``'s ``loc`` back into FILE:LINE:COL so every message points at the line
to fix. Duplicate keys are rejected here (PyYAML would silently keep the last one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml

from archcheck.errors import ArchcheckError
from archcheck.location import Location

if TYPE_CHECKING:
    from pydantic import ValidationError

SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (about 10x faster on big snapshots); it
keeps the same marks, so positions do not change."""


class _Loader(SAFE_LOADER):  # type: ignore[valid-type,misc]
    """The safe loader with scalar tag resolution memoised: a big snapshot repeats the same
    keys and values thousands of times, and PyYAML resolves each with regular expressions."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._tags: dict[tuple[str, Any], str] = {}

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        if kind is not yaml.ScalarNode:
            return str(super().resolve(kind, value, implicit))
        key = (value, implicit)
        tag = self._tags.get(key)
        if tag is None:
            tag = self._tags[key] = super().resolve(kind, value, implicit)
        return tag


KeyPath = tuple[str | int, ...]
Pos = tuple[str, int, int]
"""(file, line, column), 1-based: cheap to record for every key, turned into a Location late."""

MAX_EXPANDED_NODES = 1_000_000
"""Refuse a file whose aliases expand beyond this many nodes (a "billion laughs" file)."""


def location(pos: Pos) -> Location:
    """A Location for a recorded position."""
    return Location(pos[0], pos[1], pos[2])


class Positions(Mapping[KeyPath, Location]):
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

    def get(self, key: KeyPath, default: Location | None = None) -> Location | None:  # type: ignore[override]
        # NOTE: one lookup instead of Mapping.get's __getitem__ + KeyError: ``locate`` asks
        # for one key per measurement and finding.
        made = self._made.get(key)
        if made is None:
            raw = self._raw.get(key)
            if raw is None:
                return default
            made = self._made[key] = location(raw)
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
    from archcheck.files.read import read_text

    text = read_text(path, f"{what} {file}", error=error)
    with _yaml_errors(text, file, error, what) as loader:
        reader = _Reader(loader, file, error, what)
        node = loader.get_single_node()
        data = None if node is None else reader.read_document(node)
    return data, Positions(reader.positions)


MAX_DEPTH = 200
"""Deeper YAML than this is refused (as the compose loader does): no real file nests so deep,
and PyYAML's composer recurses once per level (10k levels exhaust Python's stack)."""


def too_deep(text: str, file: str, limit: int = MAX_DEPTH) -> Location | None:
    """Where ``text`` first nests deeper than ``limit`` collections, else None.

    PyYAML's event parser does not recurse, so this finds the place a RecursionError of the
    composer cannot tell."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=SAFE_LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > limit:
                    mark = event.start_mark
                    return Location(file, mark.line + 1, mark.column + 1) if mark else None
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:  # libyaml stops at its own limit (1,000 levels)
        mark = exc.problem_mark
        if mark is not None and "nesting depth" in str(exc.problem):
            return Location(file, mark.line + 1, mark.column + 1)
        return None
    except yaml.YAMLError:
        return None
    return None


def reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> tuple[str, Location]:
    """PyYAML's "unacceptable character" (a control character: no mark, only an offset) as a
    message and the FILE:LINE:COL of that character."""
    position = min(max(exc.position, 0), len(text))
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
    message = (
        f"unacceptable character U+{code:04X} ({exc.reason}): remove it, or write it as an "
        "escape in a double-quoted string"
    )
    return message, Location(file, line, column)


@contextmanager
def _yaml_errors(
    text: str,
    file: str,
    error: Callable[[str, Location | None], ArchcheckError],
    what: str,
) -> Iterator[_Loader]:
    """A loader of ``text``; PyYAML's errors as ``error``s pointing at the line (the loader's
    constructor already refuses control characters); the loader disposed of either way."""
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        yield loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = location((file, mark.line + 1, mark.column + 1)) if mark else None
        raise error(f"{what} is not valid YAML: {exc.problem}; fix the syntax", loc) from exc
    except yaml.reader.ReaderError as exc:
        message, where = reader_error(exc, text, file)
        raise error(f"{what} is not valid YAML: {message}", where) from exc
    except yaml.YAMLError as exc:
        raise error(f"{what} is not valid YAML: {exc}; fix the syntax", None) from exc
    except RecursionError as exc:
        where = too_deep(text, file) or location((file, 1, 1))
        raise error(f"{what} nests more than {MAX_DEPTH} levels deep; flatten it", where) from exc
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml_documents(
    text: str, file: str, error: Callable[[str, Location | None], ArchcheckError], *, what: str
) -> list[tuple[Any, Positions]]:
    """Every document of a multi-document YAML stream (``---``), each with its own positions.

    Empty documents (a trailing ``---``) are left out; keys are as strict as in ``load_yaml``.
    """
    documents: list[tuple[Any, Positions]] = []
    with _yaml_errors(text, file, error, what) as loader:
        while loader.check_node():
            node = loader.get_node()
            if node is None or (isinstance(node, yaml.ScalarNode) and node.value == ""):
                continue
            reader = _Reader(loader, file, error, what)
            reader.positions[()] = _mark(file, node)
            documents.append((reader.read_document(node), Positions(reader.positions)))
    return documents


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE_TAGS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


class _Reader:
    """Builds the data and records every key's position in one pass over the nodes.

    Scalars are built by PyYAML's own constructors and merge keys flattened by its own
    ``flatten_mapping``, so the data is what ``yaml.safe_load`` gives; anything unusual (other
    tags, non-scalar keys) is left to PyYAML's constructor. A collection node met twice means
    aliases: then, once, the document's expanded size is checked before going on.
    """

    def __init__(
        self,
        loader: yaml.SafeLoader,
        file: str,
        error: Callable[[str, Location | None], ArchcheckError],
        what: str,
    ) -> None:
        self.loader = loader
        self.file = file
        self.error = error
        self.what = what
        self.positions: dict[KeyPath, Pos] = {(): (file, 1, 1)}
        self._constructors: dict[Any, Any] = loader.yaml_constructors
        self._root: yaml.Node | None = None
        self._seen: set[int] | None = set()
        """Ids of the collection nodes read so far; None once the aliases were checked."""

    def read_document(self, root: yaml.Node) -> Any:
        """The value of the document's root node."""
        self._root = root
        return self.read(root, ())

    def read(self, node: yaml.Node, path: KeyPath) -> Any:
        """The value of ``node``, recording the positions of everything under ``path``."""
        kind = type(node)
        if kind is yaml.ScalarNode:
            if node.tag == _STR:
                return node.value
            constructor = self._constructors.get(node.tag)
            if constructor is None:
                return self.loader.construct_object(node, deep=True)
            return constructor(self.loader, node)
        if self._seen is not None:
            if id(node) in self._seen:
                self._check_aliases()
            else:
                self._seen.add(id(node))
        if kind is yaml.SequenceNode and node.tag == _SEQ:
            return [self._item(item, (*path, index)) for index, item in enumerate(node.value)]
        if kind is yaml.MappingNode and node.tag == _MAP:
            return self._mapping(node, path)
        data = self.loader.construct_object(node, deep=True)
        self._children(node, path)
        return data

    def _item(self, node: yaml.Node, path: KeyPath) -> Any:
        self.positions[path] = (self.file, node.start_mark.line + 1, node.start_mark.column + 1)
        return self.read(node, path)

    def _entry(self, key_node: yaml.Node, value_node: yaml.Node, path: KeyPath) -> Any:
        mark = key_node.start_mark
        self.positions[path] = (self.file, mark.line + 1, mark.column + 1)
        return self.read(value_node, path)

    def _mapping(self, node: yaml.Node, path: KeyPath) -> Any:
        pairs = node.value
        for key_node, _ in pairs:
            if key_node.tag in _MERGE_TAGS:
                self.loader.flatten_mapping(cast("yaml.MappingNode", node))
                pairs = node.value
                break
            if type(key_node) is not yaml.ScalarNode:
                data = self.loader.construct_object(node, deep=True)
                self._children(node, path)
                return data
        mapping: dict[Any, Any] = {}
        seen: set[str] = set()
        for key_node, value_node in pairs:
            key = self.read(key_node, ())
            name = str(key_node.value)
            if name == "<<":
                mapping[key] = self.loader.construct_object(value_node, deep=True)
                continue
            self._unique(name, seen, key_node)
            mapping[key] = self._entry(key_node, value_node, (*path, name))
        return mapping

    def _children(self, node: yaml.Node, path: KeyPath) -> None:
        """Record the positions under a node PyYAML's constructor built (its values unused)."""
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                name = str(key_node.value)
                if name != "<<":
                    self._unique(name, seen, key_node)
                    self._entry(key_node, value_node, (*path, name))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._item(item, (*path, index))

    def _unique(self, name: str, seen: set[str], key_node: yaml.Node) -> None:
        if name in seen:
            raise self.error(
                f"duplicate key {name!r} in {self.what}; keep one of them",
                location(_mark(self.file, key_node)),
            )
        seen.add(name)

    def _check_aliases(self) -> None:
        """Refuse a document whose aliases expand beyond ``MAX_EXPANDED_NODES``."""
        self._seen = None
        assert self._root is not None
        if _expanded_size(self._root) > MAX_EXPANDED_NODES:
            raise self.error(
                f"{self.what} expands to more than {MAX_EXPANDED_NODES:,} values through its"
                " aliases; write the values out instead of nesting aliases",
                location(_mark(self.file, self._root)),
            )


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document has once every alias is expanded, in time linear in the
    number of distinct nodes (each node's size is computed once). An alias inside its own
    anchor expands without end: more than ``MAX_EXPANDED_NODES``."""
    sizes: dict[int, int] = {}
    pending: set[int] = set()
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
            pending.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            continue
        if id(node) in pending:
            return MAX_EXPANDED_NODES + 1
        pending.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def locate(positions: Mapping[KeyPath, Location], path: KeyPath) -> Location | None:
    """The Location of ``path`` or of its nearest written ancestor."""
    key = tuple(path)
    while key:
        found = positions.get(key)
        if found is not None:
            return found
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
    # NOTE: a Location (a dataclass) reports an unknown key as an unexpected keyword argument.
    if first["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
        message = "unknown key"
    at = locate(where, loc) if isinstance(where, Mapping) else where(loc)
    return error(f"{what}: {dotted}: {message}; {hint}", at)


def _is_union_tag(part: object) -> bool:
    # NOTE: pydantic adds the member type's name to ``loc`` for unions ("float", "function-after").
    return isinstance(part, str) and (
        part in {"float", "int", "str", "bool"} or "[" in part or part.startswith("function-")
    )
