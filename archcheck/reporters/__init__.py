"""Reporters: one module per output format, each a pure ``render(report, *, verbose)``.

A reporter is a function of the report alone: rule docs and the thresholds a chart draws
travel in the ``Report``, so no reporter reads rules, configs or files. ``FORMATS`` maps a
``--format`` name to its module; modules are imported only when used so the CLI starts fast.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol

from archcheck.errors import UsageError
from archcheck.model import PRIORITY_RANK, Priority, Report

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
    """The ``render`` function of format ``name``; a UsageError for unknown names."""
    module = FORMATS.get(name)
    if module is None:
        raise UsageError(f"unknown --format {name!r}; use one of {', '.join(FORMATS)}")
    render: Reporter = importlib.import_module(module).render
    return render


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
