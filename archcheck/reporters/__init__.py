"""Reporters: one module per output format, each a pure ``render(report, *, ruleset, verbose)``.

``FORMATS`` maps a ``--format`` name to its module; modules are imported only when used so the
CLI starts fast. Reporters never compute verdicts: they only arrange what the Report says.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archcheck.errors import UsageError
from archcheck.model import PRIORITY_RANK, Decision, Priority, Report

if TYPE_CHECKING:
    from archcheck.engine.ruleset import Ruleset

FORMATS: dict[str, str] = {
    "text": "archcheck.reporters.text",
    "json": "archcheck.reporters.json",
    "markdown": "archcheck.reporters.markdown",
    "sarif": "archcheck.reporters.sarif",
    "github": "archcheck.reporters.github",
    "junit": "archcheck.reporters.junit",
    "codeclimate": "archcheck.reporters.codeclimate",
}
"""``--format`` name -> module with ``render(report, *, ruleset, verbose) -> str``."""

Render = Callable[..., str]


def renderer(name: str) -> Render:
    """The ``render`` function of format ``name``; a UsageError for unknown names."""
    module = FORMATS.get(name)
    if module is None:
        raise UsageError(f"unknown --format {name!r}; use one of {', '.join(FORMATS)}")
    render: Render = importlib.import_module(module).render
    return render


def render(report: Report, name: str, *, ruleset: Ruleset | None = None, **kwargs: Any) -> str:
    """Render ``report`` in format ``name``."""
    return renderer(name)(report, ruleset=ruleset, **kwargs)


@dataclass(frozen=True)
class ServiceSummary:
    """One service's overall result: the most urgent of its verdicts."""

    service: str
    decision: Decision
    priority: Priority
    kinds: dict[str, tuple[Decision, Priority]]


def service_summaries(report: Report) -> list[ServiceSummary]:
    """Per service, in order of priority (high first) then name."""
    by_service: dict[str, dict[str, tuple[Decision, Priority]]] = {}
    for v in report.verdicts:
        by_service.setdefault(v.service, {})[v.kind] = (v.decision, v.priority)
    out: list[ServiceSummary] = []
    for service, kinds in by_service.items():
        decisions = {d for d, _ in kinds.values()}
        decision: Decision = (
            "separate"
            if "separate" in decisions
            else "insufficient-data"
            if "insufficient-data" in decisions
            else "inline"
        )
        priority = max((p for _, p in kinds.values()), key=lambda p: PRIORITY_RANK[p])
        out.append(ServiceSummary(service, decision, priority, kinds))
    out.sort(key=lambda s: (-PRIORITY_RANK[s.priority], s.service))
    return out
