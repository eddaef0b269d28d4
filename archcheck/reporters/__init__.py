"""Reporters: one module per output format, each a pure ``render(report, *, verbose)``.

A reporter is a function of the report alone: rule docs and the thresholds a chart draws
travel in the ``Report``, so no reporter reads rules, configs or files. ``FORMATS`` maps a
``--format`` name to its module; modules are imported only when used so the CLI starts fast.
"""

from __future__ import annotations

import importlib
import re
from typing import Protocol

from archcheck.errors import UsageError
from archcheck.model import PRIORITY_RANK, Note, Priority, Report
from archcheck.structs import dataclass

FORMATS: dict[str, str] = {
    "text": "archcheck.reporters.text",
    "json": "archcheck.reporters.json",
    "markdown": "archcheck.reporters.markdown",
    "sarif": "archcheck.reporters.sarif",
    "github": "archcheck.reporters.github",
    "junit": "archcheck.reporters.junit",
    "codeclimate": "archcheck.reporters.codeclimate",
    "html": "archcheck.reporters.html",
}
"""``--format`` name -> module whose ``render`` is a ``Reporter``."""


class Reporter(Protocol):
    """What every format module's ``render`` is: the report in, the text to write out."""

    def __call__(self, report: Report, *, verbose: bool = False) -> str: ...


def renderer(name: str) -> Reporter:
    """The ``render`` function of format ``name`` (its output made ``printable``); a
    UsageError for unknown names."""
    module = FORMATS.get(name)
    if module is None:
        raise UsageError(f"unknown --format {name!r}; use one of {', '.join(FORMATS)}")
    render: Reporter = importlib.import_module(module).render

    def shown(report: Report, *, verbose: bool = False) -> str:
        return printable(render(report, verbose=verbose))

    return shown


_CONTROL = re.compile(r"\x1b\[[0-9;]*m|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without the control characters a topic, job or file name may carry (they make
    JUnit XML malformed and let a name rewrite the terminal or forge an OSC-8 link): each
    becomes U+FFFD. Colour codes (SGR, ``ESC [ ... m``) stay: the text report uses them."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: m[0] if m[0].startswith("\x1b[") else "\ufffd", text)


@dataclass(frozen=True)
class ServiceSummary:
    """One service's overall result: the most urgent of its verdicts.

    ``decision`` is ``separated`` for a ``separate`` verdict whose split is already done.
    """

    service: str
    decision: str
    priority: Priority
    kinds: dict[str, tuple[str, Priority]]


_URGENCY = ("separate", "insufficient-data", "separated", "inline")


def service_summaries(report: Report) -> list[ServiceSummary]:
    """Per service, in order of priority (high first) then name."""
    from archcheck.reporters._items import shown_decision

    by_service: dict[str, dict[str, tuple[str, Priority]]] = {}
    for v in report.verdicts:
        by_service.setdefault(v.service, {})[v.kind] = (shown_decision(v), v.priority)
    out: list[ServiceSummary] = []
    for service, kinds in by_service.items():
        decisions = {d for d, _ in kinds.values()}
        decision = next(d for d in _URGENCY if d in decisions)
        priority = max((p for _, p in kinds.values()), key=lambda p: PRIORITY_RANK[p])
        out.append(ServiceSummary(service, decision, priority, kinds))
    out.sort(key=lambda s: (-PRIORITY_RANK[s.priority], s.service))
    return out


def findings_by_application(report: Report) -> dict[str, int]:
    """Findings per application service, a worker's, migration's or sidecar's counted under
    the service it works for (``Report.ownership``)."""
    owner = {o.service: o.owner for o in report.ownership if o.owner is not None}
    counts: dict[str, int] = {}
    for f in report.findings:
        if f.service:
            service = owner.get(f.service, f.service)
            counts[service] = counts.get(service, 0) + 1
    return counts


def notes_by_service(report: Report) -> list[tuple[str | None, list[Note]]]:
    """The notes grouped once for every format: system-wide ones first (``None``), then per
    application service in the order of ``service_summaries``, then any other service by name.
    A worker's, migration's or sidecar's notes go with the service it works for."""
    owner = {o.service: o.owner for o in report.ownership if o.owner is not None}
    groups: dict[str | None, list[Note]] = {}
    for note in report.notes:
        service = owner.get(note.service, note.service) if note.service else None
        groups.setdefault(service, []).append(note)
    order = {s.service: i for i, s in enumerate(service_summaries(report))}
    return sorted(
        groups.items(),
        key=lambda item: (item[0] is not None, order.get(item[0] or "", len(order)), item[0] or ""),
    )


_ROLE_WORDS = {
    "event-worker": "event worker", "cron-worker": "cron worker", "worker": "worker",
    "migration": "migration", "sidecar": "sidecar",
}  # fmt: skip


def workers_of(report: Report, service: str) -> list[str]:
    """``Works for it: pricing-cron-worker (cron worker; the same build (./pricing))``: one
    line per worker, migration or sidecar matched to ``service``, and how it was matched."""
    return [
        f"{_ROLE_WORDS.get(o.role, o.role).capitalize()} {o.service}: matched by {o.detail}"
        for o in report.ownership
        if o.owner == service
    ]
