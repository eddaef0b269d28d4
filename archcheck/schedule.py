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
        return Schedule(0, descriptor.group(1).split()[0])
    fields = body.split()
    if len(fields) in (5, 6) and all(_FIELD.fullmatch(f) for f in fields):
        return Schedule(len(fields))
    return None


def valid_schedule(spec: str) -> bool:
    """Whether ``spec`` is a schedule at all (what ``x-archcheck`` accepts)."""
    return parse_schedule(spec) is not None


def runs_on_standard_parser(spec: str) -> bool:
    """Whether robfig/cron's standard parser (the scaffolded worker's) accepts ``spec``."""
    shape = parse_schedule(spec)
    return shape is not None and shape.fields in (0, 5) and shape.descriptor != "reboot"
