"""Suppressions: findings and verdicts a team has accepted, each with a written reason.

```yaml
# .archcheck.yaml
suppress:
  - rule: AC104                 # every service
    reason: replicas are pinned by the platform team
  - service: legacy-billing     # every rule
    reason: retired in Q3, see ADR-12
  - rule: verdict.events        # a verdict, for one service
    service: catalog-service
    reason: split planned with the stock-sync worker
```
A suppressed item stays in every report, marked with its reason, and never fails the gate.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TypeVar

from archcheck.errors import ConfigError
from archcheck.model import (
    VERDICT_PREFIX,
    Finding,
    Location,
    Note,
    Report,
    Suppression,
    Verdict,
)  # fmt: skip
from archcheck.records import Record, spec

_Item = TypeVar("_Item", Finding, Verdict)


def _reason_is_written(value: str) -> str:
    if not value.strip():
        raise ValueError("a suppression needs a reason: say why the finding is accepted")
    return value.strip()


class SuppressEntry(Record):
    """One ``suppress:`` entry: a rule, a service or both, and the reason (mandatory)."""

    rule: str | None = None
    """A rule id (``AC104``), ``verdict.<kind>`` or ``verdict.*``; None for every rule."""
    service: str | None = None
    """A compose service name; None for every service."""
    reason: str = spec(check=_reason_is_written)

    def check_record(self) -> None:
        if self.rule is None and self.service is None:
            raise ValueError("a suppression must name a rule, a service or both")



def covers(suppression: Suppression, item: Finding | Verdict) -> bool:
    """Whether ``suppression`` (a located ``suppress:`` entry or ignore comment) covers ``item``."""
    if suppression.service is not None and item.service != suppression.service:
        return False
    at = suppression.at
    if at is not None and (
        item.location is None or (item.location.file, item.location.line) != (at.file, at.line)
    ):
        return False
    rule = suppression.rule
    if rule is None:
        return True
    if isinstance(item, Finding):
        return item.rule_id == rule
    return rule in (f"{VERDICT_PREFIX}*", f"{VERDICT_PREFIX}{item.kind}")


def located_suppressions(
    entries: Sequence[SuppressEntry],
    known_rules: Collection[str],
    locate: Callable[[int], Location | None],
) -> tuple[Suppression, ...]:
    """The config's entries with where each is written; an unknown rule id is an error.

    ``locate(i)`` says where entry ``i`` is written. A typo in a rule id would silently
    suppress nothing, so it is rejected here, when the config is loaded.
    """
    located = []
    for index, entry in enumerate(entries):
        rule = entry.rule
        if rule is not None and rule not in known_rules and not rule.startswith(VERDICT_PREFIX):
            raise ConfigError(
                f"config: suppress[{index}] names unknown rule {rule!r}: use an id from "
                "`archcheck rules list`, or verdict.<events|cron|migration|api> for a verdict",
                locate(index),
            )
        located.append(
            Suppression(
                reason=entry.reason, rule=rule, service=entry.service, location=locate(index)
            )
        )
    return tuple(located)


def apply_suppressions(report: Report, suppressions: Sequence[Suppression]) -> Report:
    """``report`` with each covered finding and verdict marked suppressed (first entry wins).

    Entries that cover nothing are listed in the report's notes, so stale suppressions get
    cleaned up.
    """
    if not suppressions:
        return report
    used: set[int] = set()

    def mark(item: _Item) -> _Item:
        for index, suppression in enumerate(suppressions):
            if covers(suppression, item):
                used.add(index)
                return item.model_copy(update={"suppression": suppression})
        return item

    findings = tuple(map(mark, report.findings))
    verdicts = tuple(map(mark, report.verdicts))
    stale = tuple(
        Note(
            text=f"{s.location or '.archcheck.yaml'}: the suppression of {s.rule or 'every rule'}"
            f" on {_scope(s)} matches nothing; remove it",
            service=s.service,
            location=s.location,
        )
        for i, s in enumerate(suppressions)
        if i not in used
    )
    return report.model_copy(
        update={"findings": findings, "verdicts": verdicts, "notes": (*report.notes, *stale)}
    )


def _scope(suppression: Suppression) -> str:
    if suppression.at is not None:
        return f"line {suppression.at.line}"
    return suppression.service or "every service"
