"""Cron schedules: one grammar for every place that reads one (``x-archcheck``, Go source,
``scaffold --cron``).

A schedule is a cron spec of 5 fields (or 6, with seconds first), optionally after a
``TZ=``/``CRON_TZ=`` prefix, or a descriptor (``@daily``, ``@every 1m30s``). The scaffolded
worker runs robfig/cron's standard parser, which takes neither a seconds field nor
``@reboot``: ``runs_on_standard_parser`` says whether it can run a schedule as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GO_DURATION = re.compile(r"([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))*")
_TIMEZONE = re.compile(r"^(CRON_)?TZ=\S+\s+")
_FIELD = re.compile(r"[\d*/,\-A-Za-z?LW#]+")
_DESCRIPTOR = re.compile(
    r"@(yearly|annually|monthly|weekly|daily|midnight|hourly|reboot|every\s+\S+)"
)


@dataclass(frozen=True)
class Schedule:
    """A schedule's shape: how many fields, or which descriptor."""

    fields: int
    """5 or 6 for a cron spec; 0 for a descriptor."""
    descriptor: str | None = None
    """``daily``, ``every``, ``reboot``... for a descriptor."""


def parse_schedule(spec: str) -> Schedule | None:
    """The shape of ``spec``, or None when it is not a schedule."""
    body = _TIMEZONE.sub("", spec.strip())
    descriptor = _DESCRIPTOR.fullmatch(body)
    if descriptor is not None:
        words = descriptor.group(1).split()
        if words[0] == "every" and not _GO_DURATION.fullmatch(words[1]):
            return None
        return Schedule(0, words[0])
    fields = body.split()
    if len(fields) not in (5, 6) or not all(_FIELD.fullmatch(f) for f in fields):
        return None
    bounds = _BOUNDS[-len(fields):]
    if not all(_in_bounds(f, low, high, names) for f, (low, high, names) in zip(fields, bounds,
                                                                                  strict=True)):
        return None
    return Schedule(len(fields))


_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
_BOUNDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}), (0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, _MONTHS), (0, 6, _DAYS),
)  # fmt: skip
"""second, minute, hour, day of month, month, day of week: robfig/cron's bounds."""


def _in_bounds(field: str, low: int, high: int, names: dict[str, int]) -> bool:
    """Each ``,`` part of a field is ``*``/``?`` or a value or ``a-b`` range within the bounds,
    with an optional ``/step`` above 0 (robfig/cron rejects ``*/0`` and ``99`` at start-up).
    Quartz-style ``L``, ``W`` and ``#`` are left to ``runs_on_standard_parser``."""
    if any(c in field for c in "LW#"):
        return True
    for part in field.split(","):
        span, slash, step = part.partition("/")
        if slash and (not step.isdigit() or int(step) == 0):
            return False
        if span in ("*", "?"):
            continue
        start, dash, end = span.partition("-")
        values = [_value(start, names), _value(end, names) if dash else _value(start, names)]
        if any(v is None or not low <= v <= high for v in values):
            return False
        if values[0] > values[1]:  # type: ignore[operator]
            return False
    return True


def _value(text: str, names: dict[str, int]) -> int | None:
    if text.isdigit():
        return int(text)
    return names.get(text.lower())


def valid_schedule(spec: str) -> bool:
    """Whether ``spec`` is a schedule at all (what ``x-archcheck`` accepts)."""
    return parse_schedule(spec) is not None


def runs_on_standard_parser(spec: str) -> bool:
    """Whether robfig/cron's standard parser (the scaffolded worker's) accepts ``spec``."""
    shape = parse_schedule(spec)
    if shape is None or shape.fields not in (0, 5) or shape.descriptor == "reboot":
        return False
    return not any(c in _TIMEZONE.sub("", spec.strip()) for c in "LW#")
