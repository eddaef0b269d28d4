"""Cron schedules: one grammar for every place that reads one (``x-archcheck``, Go source,
``scaffold --cron``).

A schedule is a cron spec of 5 fields (or 6, with seconds first), optionally after a
``TZ=``/``CRON_TZ=`` prefix, or a descriptor (``@daily``, ``@every 1m30s``). The scaffolded
worker runs robfig/cron's standard parser, which takes neither a seconds field nor
``@reboot``: ``runs_on_standard_parser`` says whether it can run a schedule as written.
"""

from __future__ import annotations

import re

from archcheck.structs import dataclass

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


_K8S_DESCRIPTORS = {
    "yearly": "0 0 1 1 *", "annually": "0 0 1 1 *", "monthly": "0 0 1 * *",
    "weekly": "0 0 * * 0", "daily": "0 0 * * *", "midnight": "0 0 * * *", "hourly": "0 * * * *",
}  # fmt: skip
_DURATION_PART = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_S = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class ClusterSchedule:
    """A schedule as a Kubernetes CronJob states it: 5 fields plus ``spec.timeZone``."""

    schedule: str
    time_zone: str | None
    """From a ``CRON_TZ=``/``TZ=`` prefix (Kubernetes rejects the prefix in the schedule)."""
    realigned: bool = False
    """``@every`` became wall-clock runs (``@every 30m`` -> ``*/30 * * * *``): same rate, the
    runs start on the clock instead of counting from the worker's start."""


def kubernetes_schedule(spec: str) -> ClusterSchedule | str:
    """``spec`` as a CronJob schedule, or why a CronJob cannot run it as written."""
    text = spec.strip()
    zone = _TIMEZONE.match(text)
    time_zone = zone.group(0).split("=", 1)[1].strip() if zone else None
    body = _TIMEZONE.sub("", text)
    shape = parse_schedule(text)
    if shape is None:
        return "it is not a cron schedule"
    if shape.descriptor == "reboot":
        return "@reboot runs once at start-up, which a CronJob has no equivalent for"
    if shape.descriptor == "every":
        every = _every(body.split()[1])
        return ClusterSchedule(every, time_zone, realigned=True) if every else (
            f"{body} is neither whole minutes dividing an hour nor whole hours dividing a"
            " day, which 5 cron fields cannot repeat evenly"
        )
    if shape.descriptor is not None:
        return ClusterSchedule(_K8S_DESCRIPTORS[shape.descriptor], time_zone)
    if shape.fields == 6:
        return "it has a seconds field; Kubernetes schedules have 5 fields"
    if any(c in body for c in "LW#"):
        return "Quartz-style L, W and # are not Kubernetes cron syntax"
    return ClusterSchedule(" ".join(body.split()), time_zone)


def _every(duration: str) -> str | None:
    """``@every D`` as 5 fields, when D divides an hour into whole minutes or a day into
    whole hours (``@every 24h`` -> daily at midnight)."""
    seconds = sum(float(n) * _UNIT_S[u] for n, u in _DURATION_PART.findall(duration))
    minutes = round(seconds / 60)
    if minutes < 1 or abs(seconds - minutes * 60) > 1e-6:
        return None
    if minutes < 60 and 60 % minutes == 0:
        return "* * * * *" if minutes == 1 else f"*/{minutes} * * * *"
    hours, rest = divmod(minutes, 60)
    if rest or 24 % hours:
        return None
    return {1: "0 * * * *", 24: "0 0 * * *"}.get(hours, f"0 */{hours} * * *")


def shortest_gap_minutes(schedule: str) -> int:
    """The shortest time between two runs of a 5-field schedule, in minutes (8 years of
    calendar, so leap days count; day of month and day of week combine as in robfig/cron)."""
    import datetime
    import itertools

    fields = schedule.split()
    minute, hour, dom, month, dow = (
        _expand(f, low, high, names) for f, (low, high, names) in zip(fields, _BOUNDS[1:], strict=True)
    )
    times = sorted(h * 60 + m for h in hour[0] for m in minute[0])
    gaps = [b - a for a, b in itertools.pairwise(times)]
    either = not (dom[1] or dow[1])  # neither field is `*`: a day matches on either
    day = datetime.date(2024, 1, 1)
    previous: int | None = None
    for n in range(8 * 366):
        d = day + datetime.timedelta(days=n)
        in_dom, in_dow = d.day in dom[0], (d.weekday() + 1) % 7 in dow[0]
        if d.month in month[0] and ((in_dom or in_dow) if either else (in_dom and in_dow)):
            if previous is not None:
                gaps.append((n - previous) * 1440 - times[-1] + times[0])
            previous = n
    return min(gaps) if gaps else 8 * 366 * 1440


def _expand(field: str, low: int, high: int, names: dict[str, int]) -> tuple[set[int], bool]:
    """The values a valid field (``parse_schedule``) matches, and whether it is robfig's
    ``*`` (a star without a step above 1)."""
    values: set[int] = set()
    star = False
    for part in field.split(","):
        span, slash, step_text = part.partition("/")
        step = int(step_text) if slash else 1
        if span in ("*", "?"):
            start, end = low, high
            star = star or step == 1
        else:
            first, dash, last = span.partition("-")
            start = _value(first, names) or 0
            end = (_value(last, names) or 0) if dash else (high if slash else start)
        values.update(range(start, end + 1, step))
    return values, star
