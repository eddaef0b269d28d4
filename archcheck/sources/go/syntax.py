"""The one tree-sitter layer for Go: every Go reader in archcheck parses through this module.

The grammar is ``tree-sitter-golang`` (it follows ``go/parser`` up to Go 1.27: range-over-func,
generic type aliases, ``new(expr)``); the older ``tree-sitter-go`` grammar rejects valid Go 1.26.
Node kinds are the grammar's (``call_expression``, ``selector_expression``, ``arguments``...).

Two ways in, by cost:

- ``read_header(source)``: package name, imports and ``//go:build`` line from a small lexer over
  the file's first declarations, no tree. Building the package graph of a large module needs
  only this.
- ``GoSource.parse(source)``: the full tree, with helpers that speak Go (decoded string
  literals, 1-based character columns, the import alias table, enclosing functions).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

from archcheck.structs import dataclass, field

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Query, Tree

GRAMMAR = "tree-sitter-golang"
"""The PyPI distribution of the grammar (its version is part of every cache key)."""

FUNCTIONS = ("function_declaration", "method_declaration", "function_literal")
"""Node kinds that open a function body."""


@cache
def _parser() -> Parser:
    """One parser per process (created on first use: worker processes build their own)."""
    import tree_sitter_golang
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_golang.language()))


@cache
def query(pattern: str) -> Query:
    """A compiled tree-sitter query over the Go grammar (compiled once per process)."""
    import tree_sitter_golang
    from tree_sitter import Language, Query

    return Query(Language(tree_sitter_golang.language()), pattern)


def captures(pattern: str, node: Node) -> dict[str, list[Node]]:
    """Every capture of ``pattern`` under ``node``, by capture name."""
    from tree_sitter import QueryCursor

    return QueryCursor(query(pattern)).captures(node)


def match_groups(patterns: tuple[str, ...], node: Node) -> list[list[dict[str, Node]]]:
    """The matches of each pattern under ``node``, from one pass over the tree (one query of
    several patterns), each list in document order."""
    from tree_sitter import QueryCursor

    groups: list[list[dict[str, Node]]] = [[] for _ in patterns]
    for index, match in QueryCursor(query("\n".join(patterns))).matches(node):
        groups[index].append({name: nodes[0] for name, nodes in match.items() if nodes})
    for group in groups:
        group.sort(key=lambda m: min(n.start_byte for n in m.values()))
    return groups


def matches(pattern: str, node: Node) -> list[dict[str, Node]]:
    """Each match of ``pattern`` under ``node`` (its first node per capture), in document order.

    NOTE: a query runs in C; walking every node in Python is what makes a parse slow.
    """
    from tree_sitter import QueryCursor

    found = [
        {name: nodes[0] for name, nodes in match.items() if nodes}
        for _, match in QueryCursor(query(pattern)).matches(node)
    ]
    return sorted(found, key=lambda m: min(n.start_byte for n in m.values()))


@cache
def grammar_version() -> str:
    """The installed version of the Go grammar (part of every cache key of extracted facts).

    Read from the one ``tree_sitter_golang-VERSION.dist-info`` folder on ``sys.path``, as
    ``importlib.metadata`` would find it, without its import (15 ms of CPU on every run);
    anything else (none, several, an egg) asks ``importlib.metadata``.
    """
    import os
    import sys

    prefix = GRAMMAR.replace("-", "_") + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")  # noqa: PTH208 -- hundreds of names: no Path each
            found = [n for n in names if n.lower().startswith(prefix)]
        except OSError:
            continue
        if len(found) == 1 and found[0].startswith(prefix) and found[0].endswith(".dist-info"):
            return found[0].removeprefix(prefix).removesuffix(".dist-info")
        if found:
            break
    from importlib.metadata import version

    return version(GRAMMAR)


def parse(source: bytes) -> Tree:
    return _parser().parse(source)


# --- node helpers -----------------------------------------------------------------------------


def text(node: Node | None) -> str:
    return "" if node is None else (node.text or b"").decode("utf-8", "replace")


def walk(node: Node) -> Iterator[Node]:
    """Named descendants in document order, ``node`` first (iterative: deep trees are fine)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))


def ancestors(node: Node) -> Iterator[Node]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def enclosing_function(node: Node) -> Node | None:
    """The innermost function declaration, method or function literal around ``node``."""
    return next((p for p in ancestors(node) if p.type in FUNCTIONS), None)


def declared_function(node: Node) -> Node | None:
    """The named function or method ``node`` is written in (through function literals)."""
    return next(
        (p for p in ancestors(node) if p.type in ("function_declaration", "method_declaration")),
        None,
    )


def name_of(node: Node | None) -> str | None:
    """The ``name`` field of a declaration, if it has one."""
    found = None if node is None else node.child_by_field_name("name")
    return None if found is None else text(found)


def unwrap(node: Node) -> Node:
    """``(x)``, ``&x`` and ``*x`` -> ``x``: the value an argument stands for."""
    while True:
        if node.type == "parenthesized_expression" and node.named_child_count == 1:
            node = node.named_children[0]
        elif node.type == "unary_expression" and text(node)[:1] in "&*":
            operand = node.child_by_field_name("operand")
            if operand is None:
                return node
            node = operand
        else:
            return node


def first_error(root: Node) -> Node | None:
    """The first syntax error or missing token under ``root``, or None when it all parses."""
    if not root.has_error:
        return None
    node = root
    while True:
        if node.is_error or node.is_missing:
            return node
        nxt = next((c for c in node.children if c.has_error or c.is_missing), None)
        if nxt is None:
            return node
        node = nxt


def string_value(node: Node | None) -> str | None:
    """The value of a Go string literal (escapes decoded, raw strings without ``\\r``)."""
    if node is None:
        return None
    if node.type == "raw_string_literal":
        return "".join(text(c) for c in node.named_children).replace("\r", "")
    if node.type != "interpreted_string_literal":
        return None
    parts = []
    for child in node.named_children:
        raw = text(child)
        if child.type == "escape_sequence":
            raw = _unescape(raw)
        parts.append(raw)
    return "".join(parts)


_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "'": "'", '"': '"',
}  # fmt: skip


def _unescape(escape: str) -> str:
    body = escape[1:]
    if body in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[body]
    try:
        if body[:1] in "xuU":
            return chr(int(body[1:], 16))
        if body[:1].isdigit():
            return chr(int(body, 8))
    except ValueError:
        pass
    return codecs.decode(escape, "unicode_escape", errors="replace")


def default_alias(import_path: str) -> str:
    """The name an import is used by when it has none, as goimports assumes it: the last
    element (the one before a ``/vN``), without a ``go-`` prefix, cut at the first character
    that cannot be in an identifier (``amqp091-go`` -> ``amqp091``, ``nats.go`` -> ``nats``)."""
    parts = import_path.split("/")
    base = parts[-1]
    if len(parts) > 1 and base[:1] == "v" and base[1:].isdigit():
        base = parts[-2]
    base = base.removeprefix("go-")
    cut = next((i for i, c in enumerate(base) if not (c.isalnum() or c == "_")), len(base))
    return base[:cut]


# --- a parsed file ------------------------------------------------------------------------------


@dataclass
class GoSource:
    """One parsed Go file: its tree, package name and import table."""

    source: bytes
    tree: Tree
    package: str = ""
    imports: dict[str, str] = field(default_factory=dict)
    """Alias in this file -> import path (blank and dot imports left out)."""

    @classmethod
    def parse(cls, source: bytes) -> GoSource:
        tree = parse(source)
        file = cls(source, tree)
        for child in tree.root_node.named_children:
            if child.type == "package_clause":
                file.package = name_of(child) or ""
            elif child.type == "import_declaration":
                for spec in walk(child):
                    if spec.type != "import_spec":
                        continue
                    path = string_value(spec.child_by_field_name("path")) or ""
                    alias = name_of(spec) or default_alias(path)
                    if alias not in ("_", "."):
                        file.imports[alias] = path
        return file

    @property
    def root(self) -> Node:
        return self.tree.root_node

    def position(self, node: Node) -> tuple[int, int]:
        """1-based line and column, the column counted in characters as editors do."""
        row, col = node.start_point
        prefix = self.source[node.start_byte - col : node.start_byte]
        return row + 1, len(prefix.decode("utf-8", "replace")) + 1

    def package_of(self, node: Node) -> str | None:
        """The import path ``pkg`` names in ``pkg.X``, when ``node`` is such an identifier."""
        return self.imports.get(text(node)) if node.type in ("identifier",) else None

    def calls(self) -> Iterator[Node]:
        return (n for n in walk(self.root) if n.type == "call_expression")


# --- the cheap header reader -------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """What a file's first lines say: enough to place it in the package graph."""

    package: str
    imports: tuple[str, ...]
    constraint: str | None = None
    """The ``//go:build`` expression, if any."""
    aliases: tuple[tuple[str, str], ...] = ()
    """(import path, name) of each import given a name (``t "time"``, ``_``, ``.``)."""


_TOKEN = re.compile(
    rb"""
    (?P<space>\s+)
  | (?P<line>//[^\n]*)
  | (?P<block>/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|`[^`]*`)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def read_header(source: bytes) -> Header:
    """Package clause, imports and build constraint, read with a small lexer (no tree).

    NOTE: this only reads the header grammar Go fixes (``package`` first, then ``import``
    declarations before anything else), so it is exact for every file ``go build`` accepts.
    """
    package = ""
    imports: list[str] = []
    aliases: list[tuple[str, str]] = []
    alias: str | None = None
    constraint: str | None = None
    state = "start"  # start -> package -> imports; "(" lists; "spec" after an alias
    position = 0
    depth = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            break
        position = match.end()
        kind = match.lastgroup
        token = match.group()
        if kind == "space" or kind == "block":
            continue
        if kind == "line":
            if state == "start" and token.startswith(b"//go:build "):
                constraint = token[len(b"//go:build ") :].decode("utf-8", "replace").strip()
            continue
        if state == "start":
            if token != b"package":
                break
            state = "package"
        elif state == "package":
            package = token.decode("utf-8", "replace")
            state = "top"
        elif state == "top":
            if token == b"import":
                state = "import"
            elif token != b";":
                break
        elif state in ("import", "list"):
            if token == b"(" and state == "import":
                state, depth = "list", 1
            elif token == b")" and state == "list":
                state = "top"
            elif kind == "string":
                imports.append(_header_string(token))
                if alias is not None:
                    aliases.append((imports[-1], alias))
                    alias = None
                state = "top" if state == "import" and depth == 0 else state
            elif token == b";" and state == "import":
                state = "top"
            elif kind == "word" or token == b".":
                alias = token.decode("utf-8", "replace")
    return Header(package, tuple(imports), constraint, tuple(aliases))


def _header_string(token: bytes) -> str:
    value = token[1:-1].decode("utf-8", "replace")
    if token[:1] == b"`" or "\\" not in value:  # NOTE: nearly every import path
        return value
    return codecs.decode(value, "unicode_escape", "replace")


# --- build constraints --------------------------------------------------------------------------

_CONSTRAINT_TOKEN = re.compile(r"\s*(\|\||&&|!|\(|\)|[A-Za-z0-9_.]+)")

DEFAULT_TAGS = frozenset({"linux", "amd64", "unix", "gc", "cgo"})
"""What a Linux container build satisfies (``go1.N`` tags are always satisfied)."""


def build_satisfied(constraint: str | None, tags: frozenset[str] = DEFAULT_TAGS) -> bool:
    """Whether a ``//go:build`` expression holds for ``tags``; an unreadable one holds (the
    file is read rather than silently dropped)."""
    if not constraint:
        return True
    tokens = [t for t in _CONSTRAINT_TOKEN.findall(constraint) if t]
    position = 0

    def atom() -> bool:
        nonlocal position
        token = tokens[position]
        position += 1
        if token == "!":
            return not atom()
        if token == "(":
            value = either()
            position += 1  # ")"
            return value
        return token in tags or (token.startswith("go1.") and token[4:].isdigit())

    def both() -> bool:
        nonlocal position
        value = atom()
        while position < len(tokens) and tokens[position] == "&&":
            position += 1
            value = atom() and value
        return value

    def either() -> bool:
        nonlocal position
        value = both()
        while position < len(tokens) and tokens[position] == "||":
            position += 1
            value = both() or value
        return value

    try:
        return either()
    except IndexError:
        return True


_GOOS_GOARCH = re.compile(
    r"_(aix|android|darwin|dragonfly|freebsd|illumos|ios|js|netbsd|openbsd|plan9|solaris|wasip1|"
    r"windows|386|arm|arm64|loong64|mips|mips64|mips64le|mipsle|ppc64|ppc64le|riscv64|s390x|wasm)"
    r"(_[a-z0-9]+)?\.go$"
)


def filename_excluded(name: str) -> bool:
    """Whether ``go build`` on linux/amd64 leaves a file out by its name
    (``x_windows.go``, ``x_darwin_arm64.go``, ``x_test.go``)."""
    return name.endswith("_test.go") or _GOOS_GOARCH.search(name) is not None
