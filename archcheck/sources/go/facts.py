"""One Go file -> plain facts: the calls that may register work, tickers, routes, constants.

Facts are independent of where the file lives (positions only, no path), so they are cached
by file content and cross process boundaries. Which library a call belongs to is decided by
the *type* of its receiver, as far as the file shows it: the value was made by a package
function (``c := cron.New()``), declared with a package type (``ch *amqp.Channel``, a struct
field, a function result) or returned by a method on such a value. What only another file of
the package shows (a struct field declared elsewhere) stays ``pending`` and is settled when
the package's facts are joined.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from archcheck.sources.go import syntax
from archcheck.sources.go.consts import BinOp, Expr, FieldRef, Lit, Opaque, Ref
from archcheck.sources.go.libraries import Catalog
from archcheck.sources.go.syntax import GoSource, text, walk
from archcheck.structs import dataclass, field

if TYPE_CHECKING:
    from tree_sitter import Node

VERSION = 1
"""Bump when the facts change shape or meaning: it is part of the cache key."""


@dataclass(frozen=True)
class Pos:
    line: int
    column: int


@dataclass(frozen=True)
class Arg:
    """One argument of a call, as far as it is constant or names something."""

    expr: Expr | None = None
    handler: str | None = None
    fields: tuple[tuple[str, Expr], ...] = ()
    """Keyed fields of a struct or map literal (keys lower-cased), also through a variable."""
    items: tuple[Expr, ...] = ()
    """Elements of a ``[]string{...}`` literal."""
    call: str | None = None
    """``F`` when the argument is a call ``pkg.F(first, ...)`` (``gocron.DurationJob(d)``)."""
    first: Expr | None = None
    first_handler: str | None = None
    closure: bool = False
    """A function literal: its ``handler`` is only its first call, the function around the
    registration (``RegisterTokenCleanupCron``) names it better."""


@dataclass(frozen=True)
class Call:
    """A call that may register work: ``recv.Method(...)`` or ``pkg.Function(...)``."""

    pos: Pos
    name: str
    function: bool
    origin: str | None
    """Import path of the receiver's type (or of the function), when the file shows it."""
    pending: str | None
    """``field:x`` / ``func:x`` / ``var:x``: what another file of the package may settle."""
    args: tuple[Arg, ...]
    chain: tuple[tuple[str, Arg | None], ...] = ()
    """Methods called before this one on the same value, innermost first (gocron v1)."""
    bound: frozenset[str] = frozenset()
    in_loop: bool = False
    function_name: str | None = None
    receiver_type: str | None = None


@dataclass(frozen=True)
class Tick:
    """A ``time.NewTicker``/``time.Tick``/``time.After`` that drives a loop, and its work."""

    pos: Pos
    via: str
    every: Expr | None
    handler: str | None
    names: tuple[str, ...]
    """Candidate names, best first: the ticker variable, the function, the work, the type."""
    in_process: bool
    """The work calls only in-process code (caches, gauges, locks), as far as this file shows."""
    event_loop: bool = False
    """The ticker is one case of a ``select`` whose other cases handle events: a timer that
    serves an event loop (flushes, reaping, heartbeats), not scheduled work of its own."""
    callees: tuple[str, ...] = ()
    """Functions of the same package the work calls: they decide ``in_process`` at join."""


@dataclass(frozen=True)
class Route:
    path: Expr
    handler: str | None
    pos: Pos


@dataclass(frozen=True)
class TopicLiteral:
    """A struct or map literal with a ``topic`` key (what ``/dapr/subscribe`` returns)."""

    pos: Pos
    function: str | None
    fields: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True)
class OptionCall:
    """``pkg.F(constant)``: a setter called with a constant (``consumer.QueueName("q")``)."""

    package: str
    function: str
    value: Expr
    pos: Pos


@dataclass(frozen=True)
class Summary:
    in_process: bool
    callees: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    """Its parameter names in order (``_`` for an unnamed one): a function that passes them
    on to a scheduler or consumer registers work for its callers."""


@dataclass(frozen=True)
class FileFacts:
    package: str = ""
    imports: tuple[str, ...] = ()
    consts: dict[str, Expr] = field(default_factory=dict)
    calls: tuple[Call, ...] = ()
    ticks: tuple[Tick, ...] = ()
    routes: tuple[Route, ...] = ()
    topic_literals: tuple[TopicLiteral, ...] = ()
    option_calls: tuple[OptionCall, ...] = ()
    setters: dict[str, str] = field(default_factory=dict)
    """Struct field -> the function that sets it from its parameter."""
    summaries: dict[str, Summary] = field(default_factory=dict)
    field_types: dict[str, str] = field(default_factory=dict)
    """Struct field name -> import path of its type."""
    func_results: dict[str, str] = field(default_factory=dict)
    var_types: dict[str, str] = field(default_factory=dict)
    worker_mode: Pos | None = None
    error: Pos | None = None
    """Where the file stops parsing as Go this grammar knows, if it does."""


# --- what counts as in-process work -------------------------------------------------------------

MAX_EXPR_DEPTH = 64
"""Operators in one constant expression beyond which it is not followed (and not cached)."""
MAX_LITERAL = 4096
"""Characters in a joined string constant beyond which it is not kept: no topic, spec or
interval is that long (swaggo's generated ``docTemplate`` is 428 KB)."""

IN_PROCESS_PACKAGES = frozenset(
    {"sync", "sync/atomic", "time", "runtime", "runtime/debug", "math", "math/rand",
     "math/rand/v2", "sort", "slices", "maps", "strings", "strconv", "fmt", "log", "log/slog",
     "errors", "bytes", "unicode", "container/list", "container/heap", "expvar", "context",
     "go.uber.org/zap", "github.com/sirupsen/logrus", "github.com/rs/zerolog",
     "github.com/rs/zerolog/log", "github.com/go-kratos/kratos/v2/log"}
)  # fmt: skip
IN_PROCESS_PREFIXES = (
    "github.com/prometheus/client_golang/", "go.opentelemetry.io/otel/metric",
    "github.com/uber-go/tally", "github.com/rcrowley/go-metrics", "github.com/VictoriaMetrics/metrics",
)  # fmt: skip
IN_PROCESS_METHODS = frozenset(
    {"Lock", "Unlock", "RLock", "RUnlock", "TryLock", "Set", "Inc", "Dec", "Add", "Sub",
     "Observe", "Record", "Update", "Store", "Load", "Swap", "CompareAndSwap", "Len", "Range",
     "Reset", "Stop", "Now", "Since", "Until", "Before", "After", "Unix", "UnixNano", "IsZero",
     "Info", "Infof", "Infow", "Debug", "Debugf", "Debugw", "Warn", "Warnf", "Warnw", "Warning",
     "Error", "Errorf", "Errorw", "Print", "Printf", "Println", "Log", "Logf", "Trace", "Tracef",
     "With", "WithField", "WithFields", "WithError", "Msg", "Msgf", "Str", "Int", "Dur", "Err",
     "Gauge", "Counter", "Histogram", "Timer", "Tagged", "WithLabelValues", "Done",
     "Value", "String", "Seconds", "Milliseconds", "Minutes", "Hours", "Wait", "Signal",
     "Broadcast", "Front", "Back", "Remove", "PushBack", "PushFront", "Next", "Prev", "Key",
     "Emit", "RecordDuration", "UpdateGauge", "IncCounter"}
)  # fmt: skip
BUILTINS = frozenset(
    {"delete", "len", "cap", "append", "make", "new", "copy", "close", "clear", "min", "max",
     "panic", "print", "println", "recover", "int", "int64", "float64", "string", "uint64"}
)  # fmt: skip

_ROUTE_CALLS = frozenset(
    {"HandleFunc", "Handle", "HandlePrefix", "POST", "Post", "PUT", "Put", "Any", "Route",
     "AddBindingInvocationHandler", "GET", "Get"}
)  # fmt: skip
_FLAG_CALLS = frozenset({"String", "StringVar", "StringP", "StringVarP"})


def _joined(op: str, left: Expr, right: Expr) -> Lit | None:
    """Two string literals joined by ``+``, as Go folds them."""
    if op != "+" or not isinstance(left, Lit) or not isinstance(right, Lit):
        return None
    if isinstance(left.value, str) and isinstance(right.value, str):
        return Lit(left.value + right.value)
    return None


class _Extractor:
    def __init__(self, source: bytes, catalog: Catalog) -> None:
        self.file = GoSource.parse(source)
        self.catalog = catalog
        self.triggers = catalog.triggers
        self.arguments = {n for lib in catalog.libraries.values() for n in lib.arguments}
        self.interesting = (
            self.triggers
            | _ROUTE_CALLS
            | _FLAG_CALLS
            | {"NewTicker", "Tick", "After", "Getenv", "LookupEnv"}
        )
        self.struct_fields: dict[str, str] = {}
        self.results: dict[str, str] = {}
        self.local_results: dict[str, Node] = {}
        self.vars: dict[str, Node] = {}
        self.functions: set[str] = set()
        self.groups: list[list[dict[str, Node]]] = []
        self.may_declare: dict[tuple[int, str], bool] = {}
        """(function body, name) -> whether the body's text may declare the name."""

    def package_named(self, operand: Node) -> str | None:
        """The import path ``operand`` names (``time`` in ``time.Tick``), unless a local
        variable of that name shadows the import."""
        if operand.type != "identifier":
            return None
        package = self.file.imports.get(text(operand))
        if package is None or self.binding(operand, text(operand)) is not None:
            return None
        return package

    # -- positions and constants

    def pos(self, node: Node) -> Pos:
        line, column = self.file.position(node)
        return Pos(line, column)

    def binary(self, node: Node) -> Expr | None:
        """``a op b op c ...`` down its left spine without recursion (a generated file joins
        hundreds of string pieces), string pieces joined as they are read."""
        spine: list[tuple[str, Node | None]] = []
        while node.type == "binary_expression":
            operator = node.child_by_field_name("operator")
            left = node.child_by_field_name("left")
            if operator is None or left is None:
                return None
            spine.append((operator.type, node.child_by_field_name("right")))
            node = left
        value = self.expr(node)
        depth = 0
        for op, right_node in reversed(spine):
            right = self.expr(right_node)
            if value is None or right is None:
                return None
            joined = _joined(op, value, right)
            if joined is not None:
                value = joined
            else:
                value, depth = BinOp(op, value, right), depth + 1
            if depth > MAX_EXPR_DEPTH or (
                isinstance(value, Lit) and len(str(value.value)) > MAX_LITERAL
            ):
                return Opaque("a long constant expression")  # never a topic, spec or interval
        return value

    def expr(self, node: Node | None) -> Expr | None:
        if node is None:
            return None
        kind = node.type
        if kind in ("interpreted_string_literal", "raw_string_literal"):
            return Lit(syntax.string_value(node) or "")
        if kind in ("int_literal", "float_literal"):
            return _number(text(node))
        if kind == "identifier":
            name = text(node)
            return Opaque(name) if name in ("true", "false", "nil", "iota") else Ref(None, name)
        if kind == "selector_expression":
            operand, fld = node.child_by_field_name("operand"), node.child_by_field_name("field")
            if operand is not None and fld is not None and operand.type == "identifier":
                package = self.file.imports.get(text(operand))
                if package is not None:
                    return Ref(package, text(fld))
                return FieldRef(text(fld))
            if fld is not None and operand is not None and operand.type == "selector_expression":
                return FieldRef(text(fld))
            return Opaque(text(node)[:80])
        if kind == "binary_expression":
            return self.binary(node)
        if kind == "parenthesized_expression" and node.named_child_count == 1:
            return self.expr(node.named_children[0])
        if kind == "call_expression":  # conversions: time.Duration(n), int64(n)
            function = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            target = self.expr(function)
            conversion = target in (Ref("time", "Duration"), Ref(None, "int64"), Ref(None, "int"))
            if conversion and args is not None and args.named_child_count == 1:
                return self.expr(args.named_children[0])
        return Opaque(text(node)[:80])

    # -- types

    def type_origin(self, node: Node | None) -> str | None:
        """Import path of the package a type comes from (through pointers, slices, maps)."""
        while node is not None:
            kind = node.type
            if kind == "qualified_identifier":
                package = node.child_by_field_name("package")
                return self.file.imports.get(text(package))
            if kind in ("pointer_type", "slice_type", "array_type", "channel_type", "map_type"):
                node = node.child_by_field_name("element") or (
                    node.named_children[-1] if node.named_child_count else None
                )
            elif kind in ("generic_type", "parenthesized_type"):
                node = node.child_by_field_name("type") or (
                    node.named_children[0] if node.named_child_count else None
                )
            else:
                return None
        return None

    def read_declarations(self) -> tuple[dict[str, Expr], dict[str, str]]:
        consts: dict[str, Expr] = {}
        var_types: dict[str, str] = {}
        for child in self.file.root.named_children:
            if child.type == "const_declaration":
                for spec in child.named_children:
                    value = spec.child_by_field_name("value")
                    if spec.type != "const_spec" or value is None:
                        continue
                    names = spec.children_by_field_name("name")
                    for name_node, value_node in zip(names, value.named_children, strict=False):
                        expr = self.expr(value_node)
                        if expr is not None:
                            consts[text(name_node)] = expr
            elif child.type == "var_declaration":
                for spec in walk(child):
                    if spec.type != "var_spec":
                        continue
                    value = spec.child_by_field_name("value")
                    for index, name_node in enumerate(spec.children_by_field_name("name")):
                        name = text(name_node)
                        values = [] if value is None else value.named_children
                        if index < len(values):
                            self.vars[name] = values[index]
                        origin = self.type_origin(spec.child_by_field_name("type"))
                        if origin is None and index < len(values):
                            origin = self.origin(values[index])[0]
                        if origin is not None:
                            var_types[name] = origin
            elif child.type == "type_declaration":
                for node in walk(child):
                    if node.type == "field_declaration":
                        origin = self.type_origin(node.child_by_field_name("type"))
                        names = node.children_by_field_name("name")
                        if origin is not None:
                            for name_node in names:
                                self.struct_fields[text(name_node)] = origin
                            if not names:  # embedded: the type's name is the field's
                                kind = node.child_by_field_name("type")
                                inner = syntax.unwrap(kind) if kind is not None else None
                                label = text(inner).rsplit(".", 1)[-1].lstrip("*")
                                self.struct_fields[label] = origin
            elif child.type in ("function_declaration", "method_declaration"):
                name = syntax.name_of(child) or ""
                self.functions.add(name)
                result = child.child_by_field_name("result")
                if result is not None and result.type == "parameters":
                    first = result.named_children[0] if result.named_child_count else None
                    result = None if first is None else first.child_by_field_name("type")
                origin = self.type_origin(result)
                if origin is not None:
                    self.results[name] = origin
        return consts, var_types

    # -- where a value comes from

    def origin(self, node: Node, depth: int = 0) -> tuple[str | None, str | None]:
        """(import path of the value's type, or what another file may settle)."""
        if depth > 12:
            return None, None
        node = syntax.unwrap(node)
        kind = node.type
        if kind == "identifier":
            name = text(node)
            binding = self.binding(node, name)
            if binding is not None:
                value, declared = binding
                if declared is not None:
                    return self.type_origin(declared), None
                if value is not None:
                    return self.origin(value, depth + 1)
                return None, None
            if name in self.vars:
                return self.origin(self.vars[name], depth + 1)
            return None, f"var:{name}"
        if kind == "call_expression":
            function = node.child_by_field_name("function")
            if function is None:
                return None, None
            if function.type == "selector_expression":
                operand = function.child_by_field_name("operand")
                method = text(function.child_by_field_name("field"))
                if operand is not None and operand.type == "identifier":
                    package = self.file.imports.get(text(operand))
                    if package is not None and self.binding(operand, text(operand)) is None:
                        return package, None
                if operand is None:
                    return None, None
                found, pending = self.origin(operand, depth + 1)
                if found is not None and self.catalog.imported((found,)):
                    return found, None
                if method in self.results:
                    return self.results[method], None
                return found, pending or f"func:{method}"
            if function.type == "identifier":
                name = text(function)
                if name in self.results:
                    return self.results[name], None
                return None, f"func:{name}"
            return None, None
        if kind == "selector_expression":
            operand = node.child_by_field_name("operand")
            name = text(node.child_by_field_name("field"))
            if operand is None:
                return None, None
            if operand.type == "identifier" and text(operand) in self.file.imports:
                return None, None
            found, _ = self.origin(operand, depth + 1)
            if found is not None and self.catalog.imported((found,)):
                return found, None
            if name in self.struct_fields:
                return self.struct_fields[name], None
            return None, f"field:{name}"
        if kind == "composite_literal":
            return self.type_origin(node.child_by_field_name("type")), None
        if kind == "type_assertion_expression":
            return self.type_origin(node.child_by_field_name("type")), None
        if kind == "index_expression":
            operand = node.child_by_field_name("operand")
            return (None, None) if operand is None else self.origin(operand, depth + 1)
        return None, None

    def binding(self, use: Node, name: str) -> tuple[Node | None, Node | None] | None:
        """Where ``name`` is declared around ``use``: (its value, its declared type)."""
        for scope in syntax.ancestors(use):
            if scope.type in syntax.FUNCTIONS:
                for role in ("receiver", "parameters"):
                    params = scope.child_by_field_name(role)
                    for decl in () if params is None else params.named_children:
                        if name in (text(n) for n in decl.children_by_field_name("name")):
                            return None, decl.child_by_field_name("type")
                body = scope.child_by_field_name("body")
                found = None if body is None else self._declared_in(body, name, use)
                if found is not None:
                    return found
            elif scope.type == "for_statement":
                for clause in scope.named_children:
                    if clause.type != "range_clause":
                        continue
                    left = clause.child_by_field_name("left")
                    if left is not None and name in (text(n) for n in left.named_children):
                        return None, None
        return None

    def _declared_in(
        self, body: Node, name: str, use: Node
    ) -> tuple[Node | None, Node | None] | None:
        """The nearest declaration of ``name`` in scope at ``use``: the last one among the
        statements before it, innermost block first (only those blocks, never a whole walk)."""
        key = (body.id, name)
        may = self.may_declare.get(key)
        if may is None:  # NOTE: a regex over the body's bytes is far cheaper than the tree
            may = self.may_declare[key] = _may_declare(body.text or b"", name)
        if not may:
            return None
        child = use
        for parent in syntax.ancestors(use):
            best = None
            for sibling in parent.named_children:
                if sibling.start_byte >= child.start_byte:
                    break
                found = self._declares(sibling, name)
                best = found if found is not None else best
            if best is not None:
                return best
            if parent == body:
                return None
            child = parent
        return None

    def _declares(self, statement: Node, name: str) -> tuple[Node | None, Node | None] | None:
        if statement.type in ("short_var_declaration", "assignment"):
            left = statement.child_by_field_name("left")
            right = statement.child_by_field_name("right")
            if left is None or right is None:
                return None
            names = [text(n) for n in left.named_children]
            if name not in names:
                return None
            values = right.named_children
            index = names.index(name)
            if len(values) == len(names):
                return values[index], None
            if values and index == 0:
                return values[0], None
            return (None, None) if statement.type == "short_var_declaration" else None
        if statement.type == "var_declaration":
            for spec in walk(statement):
                if spec.type != "var_spec":
                    continue
                names = [text(n) for n in spec.children_by_field_name("name")]
                if name in names:
                    value = spec.child_by_field_name("value")
                    values = [] if value is None else value.named_children
                    index = names.index(name)
                    declared = spec.child_by_field_name("type")
                    return (values[index] if index < len(values) else None), declared
        return None

    # -- arguments

    def argument(self, node: Node) -> Arg:
        inner = syntax.unwrap(node)
        literal = inner
        if inner.type == "identifier":
            binding = self.binding(inner, text(inner))
            if binding is not None and binding[0] is not None:
                literal = syntax.unwrap(binding[0])
            elif binding is None and text(inner) in self.vars:
                literal = syntax.unwrap(self.vars[text(inner)])
        fields: tuple[tuple[str, Expr], ...] = ()
        items: tuple[Expr, ...] = ()
        if literal.type == "composite_literal":
            body = literal.child_by_field_name("value")
            if body is not None:
                fields = self.keyed(body)
                items = tuple(
                    e
                    for child in body.named_children
                    if child.type != "keyed_element"
                    for e in (self.expr(child),)
                    if e is not None
                )
        call = first = first_handler = None
        if inner.type == "call_expression":
            function = inner.child_by_field_name("function")
            args = inner.child_by_field_name("arguments")
            if function is not None and function.type in ("selector_expression", "identifier"):
                call = text(function).rsplit(".", 1)[-1]
                if call in self.arguments and args is not None and args.named_child_count:
                    first = self.expr(args.named_children[0])
                    first_handler = self.handler(args.named_children[0])
        closure = inner.type == "function_literal"
        return Arg(
            self.expr(inner), self.handler(node), fields, items, call, first, first_handler, closure
        )

    def keyed(self, body: Node) -> tuple[tuple[str, Expr], ...]:
        fields: list[tuple[str, Expr]] = []
        for element in body.named_children:
            if element.type != "keyed_element":
                continue
            key = element.child_by_field_name("key")
            value = element.child_by_field_name("element") or element.child_by_field_name("value")
            if key is None or value is None:
                continue
            label = self.expr(key)
            name = label.value if isinstance(label, Lit) else text(key)
            if value.type == "literal_value":  # []string{"a"} written as {"a"} in a literal
                items = [self.expr(c) for c in value.named_children]
                first = next((i for i in items if i is not None), None)
                if first is not None:
                    fields.append((str(name).lower(), first))
                continue
            if value.type == "composite_literal":
                inner = value.child_by_field_name("value")
                items = [] if inner is None else [self.expr(c) for c in inner.named_children]
                first = next((i for i in items if i is not None), None)
                if first is not None:
                    fields.append((str(name).lower(), first))
                continue
            expr = self.expr(value)
            if expr is not None:
                fields.append((str(name).lower(), expr))
        return tuple(fields)

    def handler(self, node: Node | None) -> str | None:
        """What a handler argument names: ``h.StockUpdated``, a function literal's first call."""
        if node is None:
            return None
        node = syntax.unwrap(node)
        if node.type in ("identifier", "selector_expression"):
            return text(node)
        if node.type == "function_literal":
            body = node.child_by_field_name("body")
            return None if body is None else first_call(body)
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            if function is None:
                return None
            if text(function).rsplit(".", 1)[-1] in ("HandlerFunc", "FuncJob", "NewTask"):
                args = node.child_by_field_name("arguments")
                if args is not None and args.named_child_count:
                    return self.handler(args.named_children[0])
            return text(function)
        if node.type == "composite_literal":
            kind = node.child_by_field_name("type")
            return None if kind is None else text(kind)
        return None

    # -- the walk

    def run(self) -> FileFacts:
        names = " ".join(f'"{n}"' for n in sorted(self.interesting))
        self.groups = syntax.match_groups(
            (
                (
                    "(call_expression function: (selector_expression operand: (_) @operand"
                    " field: (field_identifier) @name) arguments: (arguments) @args"
                    f" (#any-of? @name {names})) @call"
                ),
                (
                    "(call_expression function: (selector_expression operand: (identifier) @operand"
                    " field: (field_identifier) @name) arguments: (arguments ."
                    " [(interpreted_string_literal) (raw_string_literal) (identifier)"
                    " (selector_expression) (binary_expression)] @value .)) @call"
                ),
                "(call_expression) @call",
                (
                    "(assignment left: (expression_list . (selector_expression field:"
                    " (field_identifier) @field) .) right: (expression_list . (identifier) @value .))"
                ),
                '(keyed_element key: (_) @key (#match? @key "^[\\"`]?[Tt][Oo][Pp][Ii][Cc][\\"`]?$")) @el',
            ),
            self.file.root,
        )
        consts, var_types = self.read_declarations()
        calls: list[Call] = []
        ticks: list[Tick] = []
        routes: list[Route] = []
        options: list[OptionCall] = []
        worker_mode: Pos | None = None
        for match in self.groups[0]:
            node, operand, args_node = match["call"], match["operand"], match["args"]
            function = node.child_by_field_name("function")
            name = text(match["name"])
            args = args_node.named_children
            if function is None:
                continue
            package = self.package_named(operand)
            if package == "time" and name in ("NewTicker", "Tick", "After") and args:
                tick = self.tick(node, name, args[0])
                if tick is not None:
                    ticks.append(tick)
                continue
            if package == "os" and name in ("Getenv", "LookupEnv") and args:
                if self.expr(args[0]) == Lit("WORKER_MODE") and worker_mode is None:
                    worker_mode = self.pos(node)
                continue
            if package in ("flag", "github.com/spf13/pflag") and name in _FLAG_CALLS and args:
                flag_name = self.expr(
                    args[1] if name.startswith("StringVar") and len(args) > 1 else args[0]
                )
                if flag_name in (Lit("mode"), Lit("worker-mode")) and worker_mode is None:
                    worker_mode = self.pos(node)
                continue
            if name in _ROUTE_CALLS and len(args) >= 2:
                path = self.expr(args[0])
                if path is not None and not isinstance(path, Opaque | FieldRef):
                    routes.append(Route(path, self.handler(args[-1]), self.pos(node)))
            if name not in self.triggers:
                continue
            if package is not None:
                calls.append(self.call(node, name, True, package, None, args, function))
                continue
            origin, pending = self.origin(operand)
            calls.append(self.call(node, name, False, origin, pending, args, function))
        for match in self.groups[1]:
            package = self.file.imports.get(text(match["operand"]))
            if package is None or "." not in package.split("/")[0]:
                continue
            value = self.expr(match["value"])
            if isinstance(value, Lit | Ref | BinOp) and self.package_named(match["operand"]):
                options.append(
                    OptionCall(package, text(match["name"]), value, self.pos(match["call"]))
                )
        error = syntax.first_error(self.file.root)
        return FileFacts(
            package=self.file.package,
            imports=tuple(sorted(set(self.file.imports.values()))),
            consts=consts,
            calls=tuple(calls),
            ticks=tuple(ticks),
            routes=tuple(routes),
            topic_literals=tuple(self.topic_literals()),
            option_calls=tuple(options),
            setters=self.setters(),
            summaries=self.summaries(),
            field_types=dict(self.struct_fields),
            func_results=dict(self.results),
            var_types=var_types,
            worker_mode=worker_mode,
            error=None if error is None else self.pos(error),
        )

    def call(
        self,
        node: Node,
        name: str,
        function: bool,
        origin: str | None,
        pending: str | None,
        args: list[Node],
        selector: Node,
    ) -> Call:
        chain: list[tuple[str, Arg | None]] = []
        operand = selector.child_by_field_name("operand")
        while operand is not None and operand.type == "call_expression":
            inner = operand.child_by_field_name("function")
            if inner is None or inner.type != "selector_expression":
                break
            inner_args = operand.child_by_field_name("arguments")
            first = (
                inner_args.named_children[0]
                if inner_args and inner_args.named_child_count
                else None
            )
            chain.append(
                (
                    text(inner.child_by_field_name("field")),
                    None if first is None else self.argument(first),
                )
            )
            operand = inner.child_by_field_name("operand")
        declared = syntax.declared_function(node)
        return Call(
            pos=self.pos(node),
            name=name,
            function=function,
            origin=origin,
            pending=None if origin is not None else pending,
            args=tuple(self.argument(a) for a in args),
            chain=tuple(chain),
            bound=bound_names(node),
            in_loop=in_loop(node),
            function_name=syntax.name_of(declared),
            receiver_type=receiver_type(declared),
        )

    def tick(self, call: Node, via: str, interval: Node) -> Tick | None:
        """The ticker's loop and its work, or None when nothing loops on it (a timeout, a
        ticker stopped before use, a one-shot ``time.After``)."""
        variable = assigned_name(call)
        work = drives_loop(call, variable)
        if work is None:
            return None
        calls = [n for stmt in work for n in walk(stmt) if n.type == "call_expression"]
        in_process, callees = self.classify(calls)
        case = work[0].parent if work else None
        event_loop = (
            case is not None
            and case.type == "communication_clause"
            and any(
                _does_work(other)
                for other in (case.parent.named_children if case.parent else ())
                if other.type == "communication_clause" and other != case
            )
        )
        handler = next((h for stmt in work for h in (first_call(stmt),) if h), None)
        declared = syntax.declared_function(call)
        names = tuple(
            n
            for n in (
                _clean(variable),
                syntax.name_of(declared),
                handler,
                receiver_type(declared),
            )
            if n
        )
        return Tick(
            pos=self.pos(call),
            via=f"time.{via}",
            every=self.expr(interval),
            handler=handler,
            names=names,
            in_process=in_process,
            callees=callees,
            event_loop=event_loop,
        )

    def classify(
        self, calls: list[Node], declared: Node | None = None
    ) -> tuple[bool, tuple[str, ...]]:
        """(only in-process calls, the same-package functions called)."""
        callees: list[str] = []
        for call in calls:
            function = call.child_by_field_name("function")
            if function is None:
                continue
            if function.type == "identifier":
                name = text(function)
                if name in BUILTINS:
                    continue
                callees.append(name)
                continue
            if function.type == "function_literal":
                continue
            if function.type != "selector_expression":
                return False, ()
            operand = function.child_by_field_name("operand")
            method = text(function.child_by_field_name("field"))
            package = (
                self.file.imports.get(text(operand))
                if operand is not None and operand.type == "identifier"
                else None
            )
            if package is not None:
                if package in IN_PROCESS_PACKAGES or package.startswith(IN_PROCESS_PREFIXES):
                    continue
                return False, ()
            if method in IN_PROCESS_METHODS:
                continue
            if operand is not None and operand.type == "identifier":
                receiver = receiver_name(declared or syntax.declared_function(call))
                if receiver is not None and text(operand) == receiver:
                    callees.append(method)
                    continue
            return False, ()
        return True, tuple(dict.fromkeys(callees))

    def summaries(self) -> dict[str, Summary]:
        """Per top-level function: whether its calls are only in-process (for tickers' work)."""
        declarations = [
            c for c in self.file.root.named_children
            if c.type in ("function_declaration", "method_declaration")
        ]  # fmt: skip
        calls: dict[int, list[Node]] = {}
        starts = [d.start_byte for d in declarations]
        for match in self.groups[2]:
            call = match["call"]
            index = bisect.bisect_right(starts, call.start_byte) - 1
            if index >= 0 and call.end_byte <= declarations[index].end_byte:
                calls.setdefault(index, []).append(call)
        found: dict[str, Summary] = {}
        for index, declaration in enumerate(declarations):
            name = syntax.name_of(declaration)
            if name is not None:
                in_process, callees = self.classify(calls.get(index, []), declaration)
                found[name] = Summary(in_process, callees, parameter_names(declaration))
        return found

    def setters(self) -> dict[str, str]:
        """Fields a top-level function sets from one of its parameters (``c.queue = name``)."""
        found: dict[str, str] = {}
        for match in self.groups[3]:
            declared = next(
                (p for p in syntax.ancestors(match["field"]) if p.type == "function_declaration"),
                None,
            )
            params = None if declared is None else declared.child_by_field_name("parameters")
            names = {
                text(n)
                for decl in ([] if params is None else params.named_children)
                for n in decl.children_by_field_name("name")
            }
            if text(match["value"]) in names:
                found.setdefault(text(match["field"]), syntax.name_of(declared) or "")
        return found

    def topic_literals(self) -> Iterator[TopicLiteral]:
        seen: set[int] = set()
        for match in self.groups[4]:
            node = match["el"].parent
            if node is None or node.type != "literal_value" or node.id in seen:
                continue
            seen.add(node.id)
            declared = syntax.declared_function(node)
            yield TopicLiteral(self.pos(node), syntax.name_of(declared), self.keyed(node))


def _may_declare(body: bytes, name: str) -> bool:
    """Whether ``body`` may declare or assign ``name`` (``name :=``, ``x, name =``, ``var``)."""
    word = re.escape(name.encode())
    return (
        re.search(rb"\b" + word + rb"\s*(?:,\s*[\w.]+\s*)*:?=(?!=)", body) is not None
        or re.search(rb"\bvar\s*(?:\(|" + word + rb"\b)", body) is not None
    )


# --- tree helpers ---------------------------------------------------------------------------

_NOISE_OPERANDS = frozenset(
    {"log", "fmt", "logger", "l", "ticker", "t", "timer", "slog", "zap", "lo"}
)
_NOISE_METHODS = IN_PROCESS_METHODS - {"Update", "Record", "Emit", "Add", "Set", "Store", "Load"}


def first_call(node: Node) -> str | None:
    """The first meaningful call in a body: the work a ticker or a function literal does."""
    for candidate in walk(node):
        if candidate.type != "call_expression":
            continue
        function = candidate.child_by_field_name("function")
        if function is None or function.type == "function_literal":
            continue
        called = text(function)
        head, _, tail = called.rpartition(".")
        if tail in _NOISE_METHODS or head.rsplit(".", 1)[-1] in _NOISE_OPERANDS:
            continue
        if not head and tail in BUILTINS:
            continue
        return called
    return None


def parameter_names(declaration: Node) -> tuple[str, ...]:
    """A function's parameters in order, ``_`` standing for an unnamed one."""
    params = declaration.child_by_field_name("parameters")
    names: list[str] = []
    for decl in () if params is None else params.named_children:
        if decl.type not in ("parameter_declaration", "variadic_parameter_declaration"):
            continue
        spelled = [text(n) for n in decl.children_by_field_name("name")]
        names.extend(spelled or ["_"])
    return tuple(names)


def bound_names(node: Node) -> frozenset[str]:
    """Receivers, parameters and ``range`` variables visible at ``node``."""
    names: set[str] = set()
    for parent in syntax.ancestors(node):
        if parent.type in syntax.FUNCTIONS:
            for role in ("receiver", "parameters"):
                params = parent.child_by_field_name(role)
                for decl in () if params is None else params.named_children:
                    names.update(text(n) for n in decl.children_by_field_name("name"))
        elif parent.type == "for_statement":
            for clause in parent.named_children:
                left = clause.child_by_field_name("left") if clause.type == "range_clause" else None
                if left is not None:
                    names.update(text(n) for n in walk(left) if n.type == "identifier")
    return frozenset(names)


def in_loop(node: Node) -> bool:
    """Whether ``node`` runs once per iteration of a ``for`` body in its function."""
    child = node
    for parent in syntax.ancestors(node):
        if parent.type == "for_statement" and child == parent.child_by_field_name("body"):
            return True
        if parent.type in syntax.FUNCTIONS:
            return False
        child = parent
    return False


def enclosing_loop(node: Node) -> Node | None:
    """The ``for`` whose body runs ``node`` each iteration, within its function."""
    child = node
    for parent in syntax.ancestors(node):
        if parent.type == "for_statement" and child == parent.child_by_field_name("body"):
            return parent
        if parent.type in syntax.FUNCTIONS:
            return None
        child = parent
    return None


def receiver_type(declared: Node | None) -> str | None:
    if declared is None or declared.type != "method_declaration":
        return None
    receiver = declared.child_by_field_name("receiver")
    types = [] if receiver is None else [n for n in walk(receiver) if n.type == "type_identifier"]
    return text(types[0]) if types else None


def receiver_name(declared: Node | None) -> str | None:
    if declared is None or declared.type != "method_declaration":
        return None
    receiver = declared.child_by_field_name("receiver")
    for decl in () if receiver is None else receiver.named_children:
        for name in decl.children_by_field_name("name"):
            return text(name)
    return None


def assigned_name(call: Node) -> str | None:
    """``ticker := time.NewTicker(...)`` -> ``ticker``; ``j.ticker = ...`` -> ``j.ticker``."""
    parent = call.parent
    if parent is not None and parent.type == "expression_list":
        parent = parent.parent
    if parent is None:
        return None
    if parent.type in ("short_var_declaration", "assignment"):
        left = parent.child_by_field_name("left")
        return None if left is None or not left.named_child_count else text(left.named_children[0])
    if parent.type == "var_spec":
        return syntax.name_of(parent)
    if parent.type == "keyed_element":
        key = parent.child_by_field_name("key")
        return None if key is None else text(key)
    return None


def _clean(variable: str | None) -> str | None:
    return None if variable is None else variable.rsplit(".", 1)[-1]


_EXITS = frozenset({"return_statement", "break_statement", "goto_statement"})


def drives_loop(call: Node, variable: str | None) -> list[Node] | None:
    """The statements a ticker runs each period, or None when it drives no loop.

    Counted: ``for range time.Tick(d)`` / ``for range t.C``; a ``case <-t.C:`` of a ``select``
    inside a ``for``; a bare ``<-t.C`` in a ``for`` body. Not counted: a case that only leaves
    (a timeout), a ticker nothing receives from in a loop.
    """
    for parent in syntax.ancestors(call):
        if parent.type == "range_clause":
            loop = parent.parent
            body = None if loop is None else loop.child_by_field_name("body")
            return None if body is None else list(body.named_children)
        if parent.type == "communication_clause":
            return _case_work(parent)
        if parent.type == "receive_statement" or (
            parent.type == "unary_expression" and text(parent).startswith("<-")
        ):
            continue
        if parent.type in (
            "block",
            "function_declaration",
            "method_declaration",
            "expression_list",
        ):
            break
    scope = syntax.enclosing_function(call)
    if variable is None or scope is None:
        return None
    channel = f"{variable}.C"
    for node in walk(scope):
        if node.type == "communication_clause":
            communication = node.child_by_field_name("communication")
            if communication is not None and text(communication).replace(" ", "").endswith(
                f"<-{channel}"
            ):
                work = _case_work(node)
                if work is not None:
                    return work
        elif node.type == "range_clause":
            right = node.child_by_field_name("right")
            if right is not None and text(right) == channel:
                loop = node.parent
                body = None if loop is None else loop.child_by_field_name("body")
                return None if body is None else list(body.named_children)
        elif node.type == "unary_expression" and text(node).replace(" ", "") == f"<-{channel}":
            statement = node.parent
            while (
                statement is not None
                and statement.parent is not None
                and statement.parent.type != "block"
            ):
                statement = statement.parent
            block = None if statement is None else statement.parent
            loop = None if block is None else block.parent
            if loop is not None and loop.type == "for_statement" and block is not None:
                return [s for s in block.named_children if s != statement]
    return None


def _case_work(case: Node) -> list[Node] | None:
    """A ``select`` case's statements, when the select runs in a loop and the case does more
    than leave it."""
    select = case.parent
    loop = None if select is None else enclosing_loop(select)
    if loop is None or any(c.type == "range_clause" for c in loop.named_children):
        return None  # no loop, or one driven by what it ranges over: the timer is a timeout
    communication = case.child_by_field_name("communication")
    statements = [c for c in case.named_children if c != communication and c.type != "comment"]
    if not statements or all(s.type in _EXITS for s in statements):
        return None
    if statements[-1].type in _EXITS and not any(
        n.type == "call_expression" and first_call(n) for s in statements[:-1] for n in walk(s)
    ):
        return None
    return statements


def _does_work(case: Node) -> bool:
    """Whether a ``select`` case calls something (beyond leaving, logging or cancelling)."""
    communication = case.child_by_field_name("communication")
    return any(
        n.type == "call_expression" and first_call(n)
        for child in case.named_children
        if child != communication
        for n in walk(child)
    )


def _number(value: str) -> Expr:
    cleaned = value.replace("_", "")
    try:
        return Lit(float(int(cleaned, 0)))
    except ValueError:
        try:
            return Lit(float(cleaned))
        except ValueError:
            return Opaque(value)


def extract(source: bytes, catalog: Catalog) -> FileFacts:
    """Parse one Go file and list what it may run in the background."""
    return _Extractor(source, catalog).run()
