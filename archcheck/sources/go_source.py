"""Find the background work a Go service runs inline: tickers, cron jobs, Dapr subscriptions.

Compose shows containers, not what runs inside them. This source parses each service's Go code
with tree-sitter (a real Go parser; no pattern matching over text), reduces every file to plain,
picklable ``FileFacts`` (so files parse in worker processes), then joins the facts per service,
resolving package-level constants (``1*time.Minute``, ``const TopicStockUpdated = "..."``)
across files. What cannot be resolved statically stays ``None`` ("unknown"), never guessed.
"""

from __future__ import annotations

import codecs
import contextlib
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from archcheck.errors import ArchcheckError
from archcheck.files.read import read_bytes, read_text
from archcheck.model import Location, Workload

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Query

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Larger files are skipped with a note: hand-written Go that schedules work is never this big."""

SKIPPED_DIRS = frozenset({"vendor", "testdata", "node_modules"})
"""Go's own tools ignore ``vendor/`` and ``testdata/``; dot- and underscore-dirs are skipped too."""

PARALLEL_MIN_FILES = 200
"""Below this many files, starting worker processes costs more than parsing serially."""

_CHUNK = 64


# --- constant expressions -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lit:
    """A string or number literal."""

    value: str | float


@dataclass(frozen=True, slots=True)
class Ref:
    """A named constant: in the same package (``package`` None) or in an imported one."""

    package: str | None
    name: str


@dataclass(frozen=True, slots=True)
class BinOp:
    """``left op right`` on constants (``5 * time.Minute``, ``prefix + ".updated"``)."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Opaque:
    """An expression only known at run time (a struct field, a parameter, a call)."""

    text: str


Expr = Lit | Ref | BinOp | Opaque

_NS = {
    "Nanosecond": 1.0,
    "Microsecond": 1e3,
    "Millisecond": 1e6,
    "Second": 1e9,
    "Minute": 60e9,
    "Hour": 3600e9,
}
"""Go's ``time`` unit constants, in nanoseconds (a ``time.Duration`` is an int64 of them)."""

ConstLookup = Callable[[Ref, str], "tuple[Expr, str] | None"]
"""(reference, directory it appears in) -> (definition, directory of the definition)."""


def evaluate(expr: Expr, directory: str, lookup: ConstLookup, depth: int = 0) -> str | float | None:
    """The constant value of ``expr`` (durations in nanoseconds), or None when not constant."""
    if depth > 32:  # NOTE: const cycles do not compile; this only guards against broken input.
        return None
    if isinstance(expr, Lit):
        return expr.value
    if isinstance(expr, Ref):
        if expr.package == "time" and expr.name in _NS:
            return _NS[expr.name]
        found = lookup(expr, directory)
        return None if found is None else evaluate(found[0], found[1], lookup, depth + 1)
    if isinstance(expr, BinOp):
        left = evaluate(expr.left, directory, lookup, depth + 1)
        right = evaluate(expr.right, directory, lookup, depth + 1)
        if isinstance(left, str) and isinstance(right, str):
            return left + right if expr.op == "+" else None
        if isinstance(left, float | int) and isinstance(right, float | int):
            if expr.op == "*":
                return float(left) * float(right)
            if expr.op == "+":
                return float(left) + float(right)
            if expr.op == "-":
                return float(left) - float(right)
            if expr.op == "/" and right:
                return float(left) / float(right)
        return None
    return None


def format_duration(nanoseconds: float) -> str:
    """Go-style short duration (``1m``, ``1h30m``, ``500ms``), as robfig/cron's ``@every`` takes."""
    if nanoseconds <= 0:
        return "0s"
    if nanoseconds < 1e9:
        return f"{nanoseconds / 1e6:g}ms"
    seconds = nanoseconds / 1e9
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{int(hours)}h")
    if minutes:
        parts.append(f"{int(minutes)}m")
    if secs:
        parts.append(f"{secs:g}s")
    return "".join(parts)


# --- per-file facts -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Site:
    """A 1-based position in a Go file (plain data, so facts cross process boundaries)."""

    file: str
    line: int
    column: int

    def location(self) -> Location:
        return Location(file=self.file, line=self.line, column=self.column)


@dataclass(frozen=True, slots=True)
class ScheduleFact:
    """A ticker (``time.NewTicker/Tick/AfterFunc``) or a robfig/cron ``AddFunc/AddJob``."""

    site: Site
    via: str
    """``time.NewTicker``, ``time.Tick``, ``time.AfterFunc``, ``cron.AddFunc``, ``cron.AddJob``."""
    every: Expr | None = None
    """A ticker's interval."""
    spec: Expr | None = None
    """A cron job's spec string."""
    name: str | None = None
    handler: str | None = None
    in_goroutine: bool = False
    in_loop: bool = False
    """Registered inside a ``for`` loop: with a run-time schedule it stands for many jobs."""


@dataclass(frozen=True, slots=True)
class SubscriptionFact:
    """A Dapr subscription declared in code (``common.Subscription`` or ``/dapr/subscribe``)."""

    site: Site
    via: str
    pubsub: Expr | None = None
    topic: Expr | None = None
    route: Expr | None = None
    dead_letter_topic: Expr | None = None
    handler: str | None = None
    function: str | None = None
    """The function a literal is written in: a ``map`` literal only counts inside the handler
    of ``/dapr/subscribe`` (elsewhere a ``{"topic": ...}`` map is just data)."""
    name: str | None = None
    """A name from the handler the code spells (never from a receiver, parameter or loop
    variable: those stand for whatever is passed in)."""
    in_loop: bool = False


@dataclass(frozen=True, slots=True)
class RouteFact:
    """An HTTP route registration: where Dapr delivers events for a route."""

    path: str
    handler: str | None
    site: Site


@dataclass(frozen=True, slots=True)
class FileFacts:
    """Everything one Go file tells; ``directory`` identifies its package."""

    path: str
    directory: str
    package: str = ""
    imports: tuple[str, ...] = ()
    """Import paths: which packages of the module this file's package reaches."""
    consts: dict[str, Expr] = field(default_factory=dict)
    schedules: tuple[ScheduleFact, ...] = ()
    subscriptions: tuple[SubscriptionFact, ...] = ()
    routes: tuple[RouteFact, ...] = ()
    worker_mode: Site | None = None
    """Where the code reads ``WORKER_MODE`` or defines a ``-mode`` flag."""
    notes: tuple[str, ...] = ()


# --- parsing ------------------------------------------------------------------------------

_TIME_CALLS = frozenset({"NewTicker", "Tick", "AfterFunc"})
_CRON_CALLS = frozenset({"AddFunc", "AddJob"})
_SUB_CALLS = frozenset({"AddTopicEventHandler", "AddBulkTopicEventHandler"})
_ENV_CALLS = frozenset({"Getenv", "LookupEnv"})
_FLAG_CALLS = frozenset({"String", "StringVar", "StringP", "StringVarP"})
_ROUTE_CALLS = frozenset(
    {"HandleFunc", "Handle", "HandlePrefix", "POST", "Post", "PUT", "Put", "Any", "Route"}
)
_METHODS = _TIME_CALLS | _CRON_CALLS | _SUB_CALLS | _ENV_CALLS | _FLAG_CALLS | _ROUTE_CALLS
_NOISE_OPERANDS = frozenset({"log", "fmt", "logger", "l", "ticker", "t", "timer", "slog", "zap"})
_NOISE_METHODS = frozenset(
    {
        "Info", "Infof", "Infow", "Debug", "Debugf", "Debugw", "Warn", "Warnf", "Warnw",
        "Error", "Errorf", "Errorw", "Log", "Print", "Printf", "Println", "Stop", "Reset",
        "Done", "Err", "WithContext", "Now", "Since", "Add", "Wait", "Lock", "Unlock",
    }
)  # fmt: skip
_GENERIC_NAMES = frozenset(
    {"ticker", "t", "tk", "tick", "tc", "timer", "c", "cr", "cron", "run", "start", "execute",
     "do", "handle", "process", "func", "main", "job", "task", "sync", "worker", "f", "fn", "go"}
)  # fmt: skip
_GENERIC_SUFFIXES = ("Ticker", "Timer", "Job", "Worker", "Task", "Cron", "Handler")

_STATE: dict[str, object] = {}


def _parser() -> tuple[Parser, Query, Query]:
    """One parser and compiled queries per process (created on first use, after fork)."""
    key = f"parser:{os.getpid()}"
    cached = _STATE.get(key)
    if cached is None:
        import tree_sitter_go
        from tree_sitter import Language, Parser, Query

        language = Language(tree_sitter_go.language())
        names = " ".join(f'"{name}"' for name in sorted(_METHODS))
        calls = Query(
            language,
            "(call_expression function: (selector_expression operand: (_) @recv"
            f" field: (field_identifier) @method (#any-of? @method {names}))"
            " arguments: (argument_list) @args) @call",
        )
        literals = Query(
            language, "(composite_literal type: (_) @type body: (literal_value) @body)"
        )
        cached = (Parser(language), calls, literals)
        _STATE[key] = cached
    return cached  # type: ignore[return-value]


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


class _File:
    """Extraction state for one file: its bytes, imports and the facts found so far."""

    def __init__(self, path: str, source: bytes) -> None:
        self.path = path
        self.source = source
        self.imports: dict[str, str] = {}

    def site(self, node: Node) -> Site:
        row, col = node.start_point
        prefix = self.source[node.start_byte - col : node.start_byte]
        return Site(self.path, row + 1, len(prefix.decode("utf-8", "replace")) + 1)

    def expr(self, node: Node | None) -> Expr | None:
        """The constant expression ``node`` spells, or None when there is no node."""
        if node is None:
            return None
        kind = node.type
        if kind == "interpreted_string_literal":
            return Lit(_go_string(node))
        if kind == "raw_string_literal":
            return Lit(_text(node)[1:-1])
        if kind in ("int_literal", "float_literal"):
            return _number(_text(node))
        if kind == "identifier":
            name = _text(node)
            return Opaque(name) if name in ("true", "false", "nil", "iota") else Ref(None, name)
        if kind == "selector_expression":
            operand, fld = node.child_by_field_name("operand"), node.child_by_field_name("field")
            if operand is not None and fld is not None and operand.type == "identifier":
                package = self.imports.get(_text(operand))
                if package is not None:
                    return Ref(package, _text(fld))
            return Opaque(_text(node)[:80])
        if kind == "binary_expression":
            left = self.expr(node.child_by_field_name("left"))
            right = self.expr(node.child_by_field_name("right"))
            operator = node.child_by_field_name("operator")
            if left is not None and right is not None and operator is not None:
                return BinOp(operator.type, left, right)
        if kind == "parenthesized_expression" and node.named_child_count == 1:
            return self.expr(node.named_children[0])
        if kind == "call_expression":  # conversions: time.Duration(n), int64(n)
            function, args = (
                node.child_by_field_name("function"),
                node.child_by_field_name("arguments"),
            )
            target = self.expr(function)
            conversion = target in (Ref("time", "Duration"), Ref(None, "int64"), Ref(None, "int"))
            if conversion and args is not None and args.named_child_count == 1:
                return self.expr(args.named_children[0])
        return Opaque(_text(node)[:80])


def _go_string(node: Node) -> str:
    parts = []
    for child in node.named_children:
        raw = _text(child)
        if child.type == "escape_sequence":
            with contextlib.suppress(UnicodeDecodeError):
                raw = codecs.decode(raw, "unicode_escape")
        parts.append(raw)
    return "".join(parts)


def _number(text: str) -> Expr:
    cleaned = text.replace("_", "")
    try:
        return Lit(float(int(cleaned, 0)))
    except ValueError:
        try:
            return Lit(float(cleaned))
        except ValueError:
            return Opaque(text)


def _default_alias(import_path: str) -> str:
    """The name an import is used by when it has none: the last element, minus ``/vN``."""
    parts = import_path.split("/")
    last = parts[-1]
    if len(parts) > 1 and last[:1] == "v" and last[1:].isdigit():
        last = parts[-2]
    return last.split(".")[0] if last.startswith("yaml.") else last.replace("-", "_")


def kebab(identifier: str) -> str:
    """``stockSync`` -> ``stock-sync``; ``syncHTTPCache`` -> ``sync-http-cache``."""
    words: list[str] = []
    current = ""
    for index, char in enumerate(identifier):
        if char in "_-. ":
            if current:
                words.append(current)
            current = ""
            continue
        nxt = identifier[index + 1] if index + 1 < len(identifier) else ""
        starts_word = (
            char.isupper()
            and current
            and (not current[-1].isupper() or (nxt.islower() and nxt != ""))
        )
        if starts_word:
            words.append(current)
            current = ""
        current += char
    if current:
        words.append(current)
    return "-".join(word.lower() for word in words)


def _job_name(identifier: str | None) -> str | None:
    """A workload name from a Go identifier, or None when it says nothing (``ticker``, ``Run``,
    ``s``: one or two letters never say what the work is)."""
    if not identifier:
        return None
    last = identifier.rsplit(".", 1)[-1]
    if last.startswith("New") and last[3:4].isupper():
        last = last[3:]
    for suffix in _GENERIC_SUFFIXES:
        if last.endswith(suffix) and len(last) > len(suffix):
            last = last[: -len(suffix)]
            break
    if len(last) < 3 or last.lower() in _GENERIC_NAMES:
        return None
    return kebab(last)


def _name_from_handler(handler: str | None, bound: Collection[str] = ()) -> str | None:
    """``s.priceSync.Run`` -> ``price-sync``; ``j.warmupCache`` -> ``warmup-cache``.

    ``bound`` are the receivers, parameters and loop variables in scope: a handler's operand
    among them (``hd`` in ``s.handle(hd)``... or ``h`` alone) names nothing, it stands for
    whatever is passed in.
    """
    if not handler:
        return None
    parts = handler.split(".")
    if parts[0] in bound:
        parts = parts[1:]
    for part in reversed(parts):
        name = _job_name(part)
        if name:
            return name
    return None


def _bound_names(node: Node) -> frozenset[str]:
    """Receivers, parameters and ``range`` variables visible at ``node``."""
    names: set[str] = set()
    for parent in _ancestors(node):
        if parent.type in ("function_declaration", "method_declaration", "func_literal"):
            for role in ("receiver", "parameters"):
                params = parent.child_by_field_name(role)
                for decl in () if params is None else params.named_children:
                    names.update(_text(n) for n in decl.children_by_field_name("name"))
        elif parent.type == "for_statement":
            for clause in parent.named_children:
                left = clause.child_by_field_name("left") if clause.type == "range_clause" else None
                if left is not None:
                    names.update(_text(n) for n in _walk(left) if n.type == "identifier")
    return frozenset(names)


def _in_loop(node: Node) -> bool:
    """Whether ``node`` runs once per iteration of a ``for`` body in its function (a
    ``for range time.Tick(d)`` header runs once)."""
    child = node
    for parent in _ancestors(node):
        if parent.type == "for_statement" and child == parent.child_by_field_name("body"):
            return True
        if parent.type in ("function_declaration", "method_declaration"):
            return False
        child = parent
    return False


def _ancestors(node: Node) -> Iterator[Node]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _enclosing_function(node: Node) -> Node | None:
    for parent in _ancestors(node):
        if parent.type in ("function_declaration", "method_declaration", "func_literal"):
            return parent
    return None


def _function_name(node: Node) -> str | None:
    """The declared name of the function around ``node`` (through func literals), if any."""
    for parent in _ancestors(node):
        if parent.type in ("function_declaration", "method_declaration"):
            name = parent.child_by_field_name("name")
            return None if name is None else _text(name)
    return None


def _receiver_type(node: Node) -> str | None:
    for parent in _ancestors(node):
        if parent.type == "method_declaration":
            receiver = parent.child_by_field_name("receiver")
            if receiver is None:
                return None
            types = [n for n in _walk(receiver) if n.type == "type_identifier"]
            return _text(types[0]) if types else None
    return None


def _walk(node: Node) -> Iterator[Node]:
    """Named descendants in document order (iterative: deep trees must not hit recursion limits)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))


def _first_call(node: Node) -> str | None:
    """The first meaningful call in a body: the work a ticker or a func literal does."""
    for candidate in _walk(node):
        if candidate.type != "call_expression":
            continue
        function = candidate.child_by_field_name("function")
        if function is None or function.type == "func_literal":
            continue
        text = _text(function)
        head, _, tail = text.rpartition(".")
        if tail in _NOISE_METHODS or head.rsplit(".", 1)[-1] in _NOISE_OPERANDS:
            continue
        if not head and tail in ("make", "len", "append", "panic", "close", "new", "cap"):
            continue
        return text
    return None


def _handler(node: Node | None) -> str | None:
    """What a handler argument names: ``h.StockUpdated``, a func literal's first call..."""
    if node is None:
        return None
    if node.type in ("identifier", "selector_expression"):
        return _text(node)
    if node.type == "func_literal":
        body = node.child_by_field_name("body")
        return None if body is None else _first_call(body)
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        return None if function is None else _text(function)
    if node.type == "unary_expression":
        operand = node.child_by_field_name("operand")
        return _handler(operand)
    if node.type == "composite_literal":
        kind = node.child_by_field_name("type")
        return None if kind is None else _text(kind)
    return None


def _assigned_name(call: Node) -> str | None:
    """``ticker := time.NewTicker(...)`` -> ``ticker``; ``j.ticker = ...`` -> ``j.ticker``."""
    parent = call.parent
    if parent is not None and parent.type == "expression_list":
        parent = parent.parent
    if parent is None or parent.type not in (
        "short_var_declaration", "assignment_statement", "var_spec"
    ):  # fmt: skip
        return None
    left = parent.child_by_field_name("left") or parent.child_by_field_name("name")
    if left is None:
        return None
    if left.type == "expression_list" and left.named_child_count:
        left = left.named_children[0]
    return _text(left)


def _ticker_work(call: Node, variable: str | None) -> str | None:
    """The call a ticker drives: the body of ``case <-v.C:``, ``for range v.C`` or ``time.Tick``."""
    # time.Tick(...) used directly as a range or receive operand.
    for parent in _ancestors(call):
        if parent.type == "range_clause":
            loop = parent.parent
            body = None if loop is None else loop.child_by_field_name("body")
            return None if body is None else _first_call(body)
        if parent.type == "communication_case":
            return _case_call(parent)
        if parent.type in ("block", "statement_list", "function_declaration"):
            break
    scope = _enclosing_function(call)
    if variable is None or scope is None:
        return None
    channel = f"{variable}.C"
    for node in _walk(scope):
        if node.type == "communication_case":
            communication = node.child_by_field_name("communication")
            if communication is not None and _text(communication).replace(" ", "").endswith(
                f"<-{channel}"
            ):
                return _case_call(node)
        elif node.type == "range_clause":
            right = node.child_by_field_name("right")
            if right is not None and _text(right) == channel:
                loop = node.parent
                body = None if loop is None else loop.child_by_field_name("body")
                return None if body is None else _first_call(body)
    return None


def _case_call(case: Node) -> str | None:
    for child in case.named_children:
        if child.type == "statement_list":
            return _first_call(child)
    return None


def _keyed(body: Node, file: _File) -> dict[str, Node]:
    """Keyed elements of a literal value: lower-cased key -> value node."""
    fields: dict[str, Node] = {}
    for element in body.named_children:
        if element.type != "keyed_element":
            continue
        key, value = element.child_by_field_name("key"), element.child_by_field_name("value")
        if key is None or value is None or not key.named_child_count:
            continue
        key_node = key.named_children[0]
        name = file.expr(key_node)
        label = name.value if isinstance(name, Lit) else _text(key_node)
        inner = value.named_children[0] if value.named_child_count else value
        fields[str(label).lower()] = inner
    return fields


def _type_name(node: Node) -> str:
    """The last identifier of a type (``common.Subscription`` -> ``Subscription``)."""
    if node.type in ("pointer_type", "slice_type", "array_type"):
        element = node.child_by_field_name("element") or (
            node.named_children[-1] if node.named_child_count else None
        )
        return "" if element is None else _type_name(element)
    if node.type == "qualified_type":
        name = node.child_by_field_name("name")
        return "" if name is None else _text(name)
    return _text(node) if node.type == "type_identifier" else ""


def _read_header(root: Node, file: _File) -> tuple[str, dict[str, Expr]]:
    """The package name and package-level constants; records the imports on ``file``."""
    package = ""
    consts: dict[str, Expr] = {}
    for child in root.named_children:
        if child.type == "package_clause" and child.named_child_count:
            package = _text(child.named_children[0])
        elif child.type == "import_declaration":
            for spec in _walk(child):
                if spec.type != "import_spec":
                    continue
                path_node, alias = (
                    spec.child_by_field_name("path"),
                    spec.child_by_field_name("name"),
                )
                if path_node is None:
                    continue
                import_path = _go_string(path_node) if path_node.named_child_count else ""
                name = _text(alias) if alias is not None else _default_alias(import_path)
                if name not in ("_", "."):
                    file.imports[name] = import_path
        elif child.type == "const_declaration":
            for spec in child.named_children:
                value = spec.child_by_field_name("value")
                if spec.type != "const_spec" or value is None:
                    continue
                names = spec.children_by_field_name("name")
                for name_node, value_node in zip(names, value.named_children, strict=False):
                    expr = file.expr(value_node)
                    if expr is not None:
                        consts[_text(name_node)] = expr
    return package, consts


def extract_facts(path: str, source: bytes, directory: str = "") -> FileFacts:
    """Parse one Go file and list what it schedules, subscribes to and routes."""
    parser, calls_query, literals_query = _parser()
    from tree_sitter import QueryCursor

    tree = parser.parse(source)
    root = tree.root_node
    file = _File(path, source)
    notes: list[str] = []
    if root.has_error:
        bad = _first_error(root)
        notes.append(
            f"{file.site(bad).location()}: Go syntax error; only what parses around it is "
            "reported. Fix the file (`gofmt -e` shows the error)."
        )
    package, consts = _read_header(root, file)

    literals = _subscription_literals(root, file, literals_query, QueryCursor)
    schedules: list[ScheduleFact] = []
    subscriptions: list[SubscriptionFact] = []
    routes: list[RouteFact] = []
    worker_mode: Site | None = None
    consumed: set[int] = set()
    cron_imported = any("robfig/cron" in p for p in file.imports.values())
    for _, match in QueryCursor(calls_query).matches(root):
        call, recv, method, args = (match[k][0] for k in ("call", "recv", "method", "args"))
        name = _text(method)
        arguments = args.named_children
        receiver = file.imports.get(_text(recv)) if recv.type == "identifier" else None
        if name in _TIME_CALLS and receiver == "time" and arguments:
            variable = _assigned_name(call)
            work = _handler(arguments[1]) if name == "AfterFunc" and len(arguments) > 1 else None
            work = work or _ticker_work(call, variable)
            job = (
                _job_name(variable)
                or _name_from_handler(work, _bound_names(call))
                or _job_name(_function_name(call))
                or _job_name(_receiver_type(call))
            )
            schedules.append(
                ScheduleFact(
                    site=file.site(call),
                    via=f"time.{name}",
                    every=file.expr(arguments[0]),
                    name=job,
                    handler=work,
                    in_goroutine=any(p.type == "go_statement" for p in _ancestors(call)),
                    in_loop=_in_loop(call),
                )
            )
        elif name in _CRON_CALLS and len(arguments) >= 2:
            cron_spec = file.expr(arguments[0])
            if not cron_imported and not isinstance(cron_spec, Lit | Ref):
                continue
            work = _handler(arguments[1])
            schedules.append(
                ScheduleFact(
                    site=file.site(call),
                    via=f"cron.{name}",
                    spec=cron_spec,
                    name=_name_from_handler(work, _bound_names(call)),
                    handler=work,
                    in_goroutine=any(p.type == "go_statement" for p in _ancestors(call)),
                    in_loop=_in_loop(call),
                )
            )
        elif name in _SUB_CALLS and arguments:
            literal = _resolve_literal(arguments[0], literals)
            base = literals.get(literal.id) if literal is not None else None
            if literal is not None:
                consumed.add(literal.id)
            handler = _handler(arguments[1]) if len(arguments) > 1 else None
            fields = base or SubscriptionFact(site=file.site(call), via=name)
            subscriptions.append(
                SubscriptionFact(
                    site=file.site(call),
                    via=name,
                    pubsub=fields.pubsub,
                    topic=fields.topic,
                    route=fields.route,
                    dead_letter_topic=fields.dead_letter_topic,
                    handler=handler,
                    name=_name_from_handler(handler, _bound_names(call)),
                    in_loop=_in_loop(call),
                )
            )
        elif name in _ENV_CALLS and receiver == "os" and arguments:
            env_name = file.expr(arguments[0])
            if env_name == Lit("WORKER_MODE") and worker_mode is None:
                worker_mode = file.site(call)
        elif name in _FLAG_CALLS and receiver in ("flag", "github.com/spf13/pflag") and arguments:
            flag_name = file.expr(arguments[1] if name.startswith("StringVar") else arguments[0])
            if flag_name in (Lit("mode"), Lit("worker-mode")) and worker_mode is None:
                worker_mode = file.site(call)
        elif name in _ROUTE_CALLS and len(arguments) >= 2:
            path_expr = file.expr(arguments[0])
            if isinstance(path_expr, Lit) and str(path_expr.value).startswith("/"):
                routes.append(
                    RouteFact(str(path_expr.value), _handler(arguments[-1]), file.site(call))
                )
    subscriptions.extend(fact for node_id, fact in literals.items() if node_id not in consumed)
    directory = directory or str(Path(path).parent)
    return FileFacts(
        path=path,
        directory=directory,
        package=package,
        imports=tuple(sorted(set(file.imports.values()))),
        consts=consts,
        schedules=tuple(schedules),
        subscriptions=tuple(subscriptions),
        routes=tuple(routes),
        worker_mode=worker_mode,
        notes=tuple(notes),
    )


def _first_error(root: Node) -> Node:
    node = root
    while True:
        if node.is_error or node.is_missing:
            return node
        nxt = next((c for c in node.children if c.has_error or c.is_missing), None)
        if nxt is None:
            return node
        node = nxt


def _subscription_literals(
    root: Node, file: _File, query: Query, cursor: type
) -> dict[int, SubscriptionFact]:
    """Composite literals that describe a Dapr subscription, by node id."""
    found: dict[int, SubscriptionFact] = {}
    for _, match in cursor(query).matches(root):
        kind, body = match["type"][0], match["body"][0]
        literal = body.parent
        if literal is None:
            continue
        element_type = kind
        elements = [body]
        if kind.type in ("slice_type", "array_type"):
            element_type = kind.child_by_field_name("element") or kind
            elements = [
                e.named_children[0]
                for e in body.named_children
                if e.type == "literal_element" and e.named_child_count
            ]
        if element_type.type == "map_type":
            via = "map"
        elif _type_name(element_type).endswith("Subscription"):
            via = "literal"
        else:
            continue
        for element in elements:
            target = element if element.type == "literal_value" else None
            if element.type == "composite_literal":
                target = element.child_by_field_name("body")
            if target is None:
                continue
            fields = _keyed(target, file)
            if "topic" not in fields:
                continue
            owner = literal if target is body else target
            found[owner.id] = SubscriptionFact(
                site=file.site(owner),
                via=via,
                function=_function_name(owner),
                pubsub=file.expr(fields.get("pubsubname")),
                topic=file.expr(fields.get("topic")),
                route=file.expr(fields.get("route")),
                dead_letter_topic=file.expr(
                    fields.get("deadlettertopic") or fields.get("dead_letter_topic")
                ),
            )
    return found


def _resolve_literal(argument: Node, literals: Mapping[int, SubscriptionFact]) -> Node | None:
    """The composite literal an ``AddTopicEventHandler`` argument refers to, if it is in the file."""
    node = argument
    if node.type == "unary_expression":
        operand = node.child_by_field_name("operand")
        node = operand if operand is not None else node
    if node.type == "composite_literal":
        return node if node.id in literals else None
    if node.type != "identifier":
        return None
    name = _text(node)
    scopes = [s for s in (_enclosing_function(argument),) if s is not None]
    root = argument
    while root.parent is not None:
        root = root.parent
    best: Node | None = None
    for scope in [*scopes, root]:
        for candidate in _walk(scope):
            if candidate.type not in ("short_var_declaration", "var_spec", "assignment_statement"):
                continue
            if candidate.start_byte > argument.start_byte and scope is not root:
                continue
            left = candidate.child_by_field_name("left") or candidate.child_by_field_name("name")
            right = candidate.child_by_field_name("right") or candidate.child_by_field_name("value")
            if left is None or right is None or _text(left).split(",")[0].strip() != name:
                continue
            value = right.named_children[0] if right.named_child_count else right
            if value.type == "unary_expression":
                value = value.child_by_field_name("operand") or value
            if value.type == "composite_literal" and value.id in literals:
                best = value
        if best is not None:
            return best
    return None


# --- finding files ------------------------------------------------------------------------


def list_go_files(root: Path) -> tuple[list[Path], list[str]]:
    """The ``.go`` files under ``root`` that ``go build`` would see, plus notes on what was skipped.

    Skips ``vendor/``, ``testdata/``, ``_test.go`` files, dot- and underscore-directories, and
    symlinks that lead out of ``root`` (they would scan someone else's code, or loop).
    """
    files: list[Path] = []
    notes: list[str] = []
    top = root.resolve()
    for folder, dirnames, filenames in os.walk(root):
        current = Path(folder)
        keep = []
        for name in sorted(dirnames):
            if name in SKIPPED_DIRS or name[:1] in "._":
                continue
            if (current / name).is_symlink():
                notes.append(f"{current / name}: symlinked directory not followed")
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.endswith(".go") or name.endswith("_test.go"):
                continue
            path = current / name
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(top) or not target.is_file():
                    notes.append(f"{path}: symlink leads out of {root}; skipped")
                    continue
            files.append(path)
    return files, notes


def _display(path: Path, relative_to: Path | None) -> str:
    if relative_to is not None:
        try:
            return path.relative_to(relative_to).as_posix()
        except ValueError:
            pass
    return str(path)


def _scan_one(path: Path, display: str) -> FileFacts:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return FileFacts(
                path=display,
                directory=str(path.parent),
                notes=(
                    f"{display}: {size} bytes is over the {MAX_FILE_BYTES} byte limit; skipped",
                ),
            )
        source = read_bytes(path, "Go source", limit=MAX_FILE_BYTES)
    except ArchcheckError as exc:
        return FileFacts(
            path=display, directory=str(path.parent), notes=(f"{display}: {exc.message}",)
        )
    except OSError as exc:
        return FileFacts(
            path=display, directory=str(path.parent), notes=(f"{display}: cannot read: {exc}",)
        )
    if _is_generated(source):
        return FileFacts(path=display, directory=str(path.parent))
    return extract_facts(display, source, str(path.parent))


def _is_generated(source: bytes) -> bool:
    """Go's convention (go.dev/s/generatedcode): a ``// Code generated ... DO NOT EDIT.`` line
    before the package clause. Checked line by line on the header comments only."""
    for raw in source[:4096].splitlines():
        line = raw.strip()
        if line.startswith(b"package"):
            return False
        if line.startswith(b"// Code generated ") and line.endswith(b" DO NOT EDIT."):
            return True
    return False


def _scan_chunk(chunk: Sequence[tuple[str, str]]) -> list[FileFacts]:
    return [_scan_one(Path(path), display) for path, display in chunk]


def scan_files(
    files: Sequence[Path], *, relative_to: Path | None = None, jobs: int | None = None
) -> list[FileFacts]:
    """Facts for each file, in order; parsed in worker processes when there are many.

    NOTE: processes, not threads: tree-sitter parsing and the Python walk over its tree are
    CPU-bound and hold the GIL.
    """
    items = [(str(path), _display(path, relative_to)) for path in files]
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    if workers <= 1 or len(items) < PARALLEL_MIN_FILES:
        return _scan_chunk(items)
    chunks = [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [facts for chunk in pool.map(_scan_chunk, chunks) for facts in chunk]


# --- joining facts into workloads ---------------------------------------------------------


@dataclass(frozen=True)
class GoDiscovery:
    """What the Go source of each service shows."""

    workloads: tuple[Workload, ...] = ()
    notes: tuple[str, ...] = ()
    worker_mode: dict[str, Location] = field(default_factory=dict)
    """Service -> where its code reads ``WORKER_MODE`` or a ``-mode`` flag."""
    worker_entrypoints: dict[str, Location] = field(default_factory=dict)
    """Service -> its existing ``cmd/worker`` main package."""
    routes: dict[str, dict[str, str]] = field(default_factory=dict)
    """Service -> HTTP path -> handler: where Dapr's declared routes land in the code."""
    files_scanned: int = 0


class _Constants:
    """Package-level constants of the scanned files, keyed by package directory."""

    def __init__(self, facts: Iterable[FileFacts]) -> None:
        self.by_dir: dict[str, dict[str, Expr]] = {}
        for item in facts:
            self.by_dir.setdefault(item.directory, {}).update(item.consts)

    def lookup(self, ref: Ref, directory: str) -> tuple[Expr, str] | None:
        if ref.package is None:
            found = self.by_dir.get(directory, {}).get(ref.name)
            return None if found is None else (found, directory)
        segments = ref.package.split("/")
        for keep in range(len(segments), min(2, len(segments)) - 1, -1):
            suffix = "/" + "/".join(segments[-keep:])
            matches = [d for d in self.by_dir if d.replace(os.sep, "/").endswith(suffix)]
            if len(matches) == 1:
                found = self.by_dir[matches[0]].get(ref.name)
                return None if found is None else (found, matches[0])
            if matches:
                return None
        return None


@dataclass
class _Joined:
    """One service's facts joined: workloads, notes, and where its code reads a worker mode."""

    workloads: list[Workload] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    worker_mode: Location | None = None


def workloads_from_facts(
    service: str,
    facts: Sequence[FileFacts],
    constants: _Constants | None = None,
    runs_in: Mapping[str, str] | None = None,
) -> _Joined:
    """Join one service's file facts into workloads.

    ``runs_in`` maps package directories only a worker binary reaches to that binary: their
    workloads get ``runs_in``. A registration the code does not identify (a run-time topic or
    schedule inside a loop, or nothing in the code to name it by) is not a workload: it gets a
    note, never a name made up from a variable or a line number.
    """
    constants = constants or _Constants(facts)
    runs_in = runs_in or {}
    routes = {route.path: route for item in facts for route in item.routes}
    subscribe = routes.get("/dapr/subscribe")
    subscribe_handler = (subscribe.handler or "").rsplit(".", 1)[-1] if subscribe else None
    joined = _Joined()
    workloads = joined.workloads
    seen: set[tuple[str, str]] = set()

    def value(expr: Expr | None, directory: str) -> str | float | None:
        return None if expr is None else evaluate(expr, directory, constants.lookup)

    def text(expr: Expr | None, directory: str) -> str | None:
        result = value(expr, directory)
        return result if isinstance(result, str) else None

    def add(workload: Workload) -> None:
        key = (workload.kind, workload.name)
        if key in seen:
            suffix = 2
            while (workload.kind, f"{workload.name}-{suffix}") in seen:
                suffix += 1
            workload = workload.model_copy(update={"name": f"{workload.name}-{suffix}"})
        seen.add((workload.kind, workload.name))
        workloads.append(workload)

    def skip(site: Site, what: str, why: str, declare: str, worker: str | None) -> None:
        where = f"the compose service that runs {worker}" if worker else "the service"
        joined.notes.append(
            f"{site.location()}: {service}: {what} {why}; not counted as a workload (declare it"
            f" under x-archcheck {declare}: of {where} to have it judged)"
        )

    subscribed: dict[tuple[str | None, str], int] = {}
    for item in facts:
        worker = runs_in.get(item.directory)
        for sub in item.subscriptions:
            if sub.via == "map" and (
                subscribe_handler is None
                or (subscribe_handler and sub.function not in (None, subscribe_handler))
            ):
                continue
            topic = text(sub.topic, item.directory)
            pubsub = text(sub.pubsub, item.directory)
            route = text(sub.route, item.directory)
            handler = sub.handler or (routes[route].handler if route in routes else None)
            if topic is not None and (pubsub, topic) in subscribed:
                index = subscribed[(pubsub, topic)]
                if workloads[index].handler is None and handler is not None:
                    workloads[index] = workloads[index].model_copy(update={"handler": handler})
                continue
            name = topic or sub.name or _route_name(route, routes)
            if topic is None and (sub.in_loop or name is None):
                why = "registered in a loop" if sub.in_loop else "with no handler name in the code"
                skip(sub.site, "Dapr subscription whose topic is known only at run time,", why,
                     "events", worker)  # fmt: skip
                continue
            if topic is not None:
                subscribed[(pubsub, topic)] = len(workloads)
            add(
                Workload(
                    service=service,
                    kind="events",
                    name=name or topic or "",
                    topic=topic,
                    pubsub=pubsub,
                    route=route,
                    handler=handler,
                    dead_letter_topic=text(sub.dead_letter_topic, item.directory),
                    runs_in=worker,
                    origin="go",
                    location=sub.site.location(),
                )
            )
        for job in item.schedules:
            if job.spec is not None:
                schedule = text(job.spec, item.directory)
            else:
                every = value(job.every, item.directory)
                schedule = f"@every {format_duration(every)}" if isinstance(every, float) else None
            what = f"{job.via} job" + (f" ({schedule})" if schedule else "")
            if schedule is None and job.in_loop:
                skip(job.site, f"{what} whose schedule is known only at run time,",
                     "registered in a loop", "cron", worker)  # fmt: skip
                continue
            if job.name is None:
                skip(job.site, what, "with nothing in the code to name it by", "cron", worker)
                continue
            add(
                Workload(
                    service=service,
                    kind="cron",
                    name=job.name,
                    schedule=schedule,
                    handler=job.handler,
                    runs_in=worker,
                    origin="go",
                    location=job.site.location(),
                )
            )
    mode = next(
        (i.worker_mode for i in facts if i.worker_mode is not None and i.directory not in runs_in),
        None,
    )
    joined.worker_mode = mode.location() if mode else None
    return joined


def _route_name(route: str | None, routes: Mapping[str, RouteFact]) -> str | None:
    """A name from the handler an HTTP route registration names (its operand, usually the
    handler struct's receiver or parameter, never counts)."""
    found = routes.get(route or "")
    if found is None or not found.handler or "." not in found.handler:
        return None
    return _name_from_handler(found.handler.split(".", 1)[1])


def worker_binaries(root: Path, facts: Sequence[FileFacts]) -> list[str]:
    """Directories of the worker binaries under ``root``: ``main`` packages in a sub-folder
    named like a worker (``cmd/worker``, ``cmd/pricing-worker``); ``root``'s own is the
    service's."""
    top = root.resolve()
    mains = {i.directory for i in facts if i.package == "main"}
    return sorted(d for d in mains if "worker" in Path(d).name.lower() and Path(d).resolve() != top)


def _go_module(root: Path) -> tuple[str, Path] | None:
    """The module path of ``root``'s ``go.mod`` (or its nearest parent's) and its folder.

    NOTE: go.mod is not Go source; its ``module`` directive is one line of words.
    """
    top = root.resolve()
    for folder in (top, *top.parents):
        gomod = folder / "go.mod"
        if gomod.is_file():
            with contextlib.suppress(ArchcheckError):
                for line in read_text(gomod, "go.mod").splitlines():
                    words = line.split("//", 1)[0].split()
                    if len(words) == 2 and words[0] == "module":
                        return words[1].strip('"`'), folder
            return None
    return None


def worker_packages(root: Path, facts: Sequence[FileFacts]) -> dict[str, str]:
    """Package directory -> the worker binary (``cmd/worker``) that alone reaches it.

    A worker binary is a ``main`` package in a folder named like a worker. A package belongs
    to it when the module's imports lead there from the worker binaries and from no other
    ``main`` package (the API's own, a migration...). Without a ``go.mod`` imports cannot be
    followed: then only the worker's main package and ``internal/worker/`` count.
    """
    mains = sorted({i.directory for i in facts if i.package == "main"})
    workers = worker_binaries(root, facts)
    if not workers:
        return {}
    top = root.resolve()

    def label(directory: str) -> str:
        path = Path(directory).resolve()
        return path.relative_to(top).as_posix() if path.is_relative_to(top) else path.name

    module = _go_module(root)
    if module is None:
        fallback = top / "internal" / "worker"
        owner = ", ".join(label(w) for w in workers)
        return {
            i.directory: label(i.directory) if i.directory in workers else owner
            for i in facts
            if i.directory in workers or Path(i.directory).resolve().is_relative_to(fallback)
        }
    path, folder = module
    by_resolved: dict[Path, str] = {}
    edges: dict[str, set[Path]] = {}
    for item in facts:
        by_resolved.setdefault(Path(item.directory).resolve(), item.directory)
        targets = edges.setdefault(item.directory, set())
        for imported in item.imports:
            if imported == path or imported.startswith(path + "/"):
                targets.add(folder / imported[len(path) :].lstrip("/"))

    def reach(start: str) -> set[str]:
        found, stack = {start}, [start]
        while stack:
            for target in edges.get(stack.pop(), ()):
                directory = by_resolved.get(target)
                if directory is not None and directory not in found:
                    found.add(directory)
                    stack.append(directory)
        return found

    others: set[str] = set()
    for main in mains:
        if main not in workers:
            others |= reach(main)
    owners: dict[str, list[str]] = {}
    for worker in workers:
        for directory in reach(worker) - others:
            owners.setdefault(directory, []).append(label(worker))
    return {directory: ", ".join(names) for directory, names in owners.items()}


def discover_go_workloads(
    roots: Mapping[str, Path], *, relative_to: Path | None = None, jobs: int | None = None
) -> GoDiscovery:
    """Scan each service's source root and join the facts into workloads, per service.

    A file shared by several roots is parsed once; ``relative_to`` shortens the paths in
    locations (the project directory), so reports stay readable and stable across machines.
    """
    per_service: dict[str, list[Path]] = {}
    notes: list[str] = []
    unique: dict[Path, None] = {}
    for service, root in roots.items():
        if not root.is_dir():
            notes.append(f"{service}: Go source folder {root} does not exist; nothing discovered")
            continue
        files, skipped = list_go_files(root)
        notes.extend(skipped)
        per_service[service] = files
        unique.update(dict.fromkeys(files))
    scanned = dict(
        zip(unique, scan_files(list(unique), relative_to=relative_to, jobs=jobs), strict=True)
    )
    for facts in scanned.values():
        notes.extend(facts.notes)
    constants = _Constants(scanned.values())
    workloads: list[Workload] = []
    worker_mode: dict[str, Location] = {}
    entrypoints: dict[str, Location] = {}
    routes: dict[str, dict[str, str]] = {}
    for service, files in per_service.items():
        routes[service] = {
            route.path: route.handler
            for path in files
            for route in scanned[path].routes
            if route.handler is not None
        }
        own = [scanned[path] for path in files]
        joined = workloads_from_facts(service, own, constants, worker_packages(roots[service], own))
        workloads.extend(joined.workloads)
        notes.extend(joined.notes)
        if joined.worker_mode is not None:
            worker_mode[service] = joined.worker_mode
        workers = worker_binaries(roots[service], own)
        entry = next((i for i in own if i.package == "main" and i.directory in workers), None)
        if entry is not None:
            entrypoints[service] = Site(entry.path, 1, 1).location()
    return GoDiscovery(
        workloads=tuple(workloads),
        notes=tuple(notes),
        worker_mode=worker_mode,
        worker_entrypoints=entrypoints,
        routes=routes,
        files_scanned=len(unique),
    )
