"""Constant expressions of Go source, kept symbolic until every file is read.

A file's facts record ``5 * time.Minute`` or ``prefix + ".updated"`` as an expression tree;
``evaluate`` folds it once the constants of every package are known. What is only known at run
time stays ``Opaque`` and evaluates to None ("unknown"), never a guess.
"""

from __future__ import annotations

from collections.abc import Callable

from archcheck.structs import dataclass


@dataclass(frozen=True)
class Lit:
    """A string or number literal."""

    value: str | float


@dataclass(frozen=True)
class Ref:
    """A named constant: in the same package (``package`` None) or in an imported one."""

    package: str | None
    name: str


@dataclass(frozen=True)
class BinOp:
    """``left op right`` on constants (``5 * time.Minute``, ``prefix + ".updated"``)."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Opaque:
    """An expression only known at run time (a struct field, a parameter, a call)."""

    text: str


@dataclass(frozen=True)
class FieldRef:
    """A struct field read (``c.queueName``): run-time, unless a setter of that field is
    called with a constant in the service's own code (functional options)."""

    name: str


Expr = Lit | Ref | BinOp | Opaque | FieldRef

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
