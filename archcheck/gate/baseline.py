"""Baselines: accept what a system already has, and report and gate only what is new or worse.

A fingerprint names a finding by what it is (rule id, service, compose key, message with the
numbers and file positions taken out), never by where it is, so an unrelated edit that shifts
lines keeps every fingerprint. A verdict is named by its service and workload kind; whether it
got worse is decided by comparing its gate level (see ``gate_level``).

The same comparison serves ``analyze --baseline FILE`` (against ``.archcheck-baseline.json``)
and ``analyze --diff-base REF`` (against the report of the system as of a git revision).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Literal

from archcheck.errors import ArchcheckError
from archcheck.files.read import read_text
from archcheck.model import (
    POSITION,
    VERDICT_PREFIX,
    Finding,
    Fixed,
    Location,
    Note,
    Report,
    Verdict,
    fingerprint,
    gate_level,
    is_gating,
)
from archcheck.records import Invalid, Record

BASELINE_FILE = ".archcheck-baseline.json"
"""The default file ``archcheck baseline`` writes and ``analyze --baseline`` reads."""

def gating(report: Report, fail_on: str) -> list[Finding | Verdict]:
    """The verdicts and findings of ``report`` that make ``--fail-on fail_on`` exit 1."""
    items: list[Finding | Verdict] = [*report.verdicts, *report.findings]
    return [item for item in items if is_gating(item, fail_on)]


class BaselineEntry(Record):
    """One accepted finding or verdict; positions are deliberately not stored."""

    fingerprint: str
    type: Literal["finding", "verdict"]
    service: str | None = None
    rule_id: str | None = None
    key: str | None = None
    kind: str | None = None
    """For verdicts: the workload kind."""
    level: int
    """``gate_level`` when the baseline was written: a higher level later counts as worse."""
    summary: str
    """The message (positions taken out) or verdict summary, for people reading it in review."""


class Baseline(Record):
    """The ``.archcheck-baseline.json`` file (sorted, so that it diffs well in review)."""

    version: Literal[1] = 1
    tool_version: str
    project: str
    entries: tuple[BaselineEntry, ...] = ()


def _entry(item: Finding | Verdict) -> BaselineEntry:
    if isinstance(item, Finding):
        return BaselineEntry(
            fingerprint=fingerprint(item),
            type="finding",
            service=item.service,
            rule_id=item.rule_id,
            key=item.key,
            level=gate_level(item),
            summary=POSITION.sub("<pos>", item.message),
        )
    return BaselineEntry(
        fingerprint=fingerprint(item),
        type="verdict",
        service=item.service,
        kind=item.kind,
        level=gate_level(item),
        summary=f"{item.decision} ({item.priority}): {item.summary}",
    )


def baseline_of(report: Report) -> Baseline:
    """Everything ``report`` holds, as a baseline (suppressed items included)."""
    items: list[Finding | Verdict] = [*report.findings, *report.verdicts]
    entries = sorted(
        map(_entry, items),
        key=lambda e: (e.type, e.service or "", e.rule_id or e.kind or "", e.fingerprint),
    )
    return Baseline(
        tool_version=report.tool_version, project=report.project, entries=tuple(entries)
    )


def dump_baseline(baseline: Baseline) -> str:
    """The baseline as JSON text, stable for the same findings whatever their line numbers."""
    return json.dumps(baseline.model_dump(mode="json", exclude_none=True), indent=2) + "\n"


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file written by ``archcheck baseline``."""
    where = Location(file=str(path), line=1)
    text = read_text(path, f"baseline file {path}", missing=(
        f"create it with `archcheck baseline` (it writes {BASELINE_FILE}) and commit it"
    ))  # fmt: skip
    try:
        return Baseline.model_validate_json(text)
    except Invalid as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.error.errors()[:5]
        )
        raise ArchcheckError(
            f"not a valid archcheck baseline ({problems}): regenerate it with `archcheck baseline`",
            where,
        ) from None


def compare(report: Report, baseline: Baseline, *, against: str) -> Report:
    """``report`` with only what is new or worse than ``baseline``, each marked with its change.

    Items the baseline already holds at the same or a higher level are left out, and a note
    says how many; ``against`` names the baseline in that note (a file or a git revision).
    """
    remaining = Counter(e.fingerprint for e in baseline.entries)
    level = {e.fingerprint: e.level for e in baseline.entries}
    entry = {e.fingerprint: e for e in baseline.entries}
    hidden = 0
    fixed: list[Fixed] = []

    def keep(item: Finding | Verdict) -> Finding | Verdict | None:
        nonlocal hidden
        fp = fingerprint(item)
        if remaining[fp] <= 0:
            return item.model_copy(update={"change": "new"})
        remaining[fp] -= 1
        if gate_level(item) > level[fp]:
            return item.model_copy(update={"change": "worse"})
        if gate_level(item) < level[fp]:
            fixed.append(_fixed(entry[fp]))
        hidden += 1
        return None

    findings = tuple(f for f in map(keep, report.findings) if isinstance(f, Finding))
    verdicts = tuple(v for v in map(keep, report.verdicts) if isinstance(v, Verdict))
    for e in baseline.entries:
        if remaining[e.fingerprint] > 0 and e.level > 0:
            remaining[e.fingerprint] -= 1
            fixed.append(_fixed(e))
    notes = report.notes
    if hidden:
        notes = (
            *notes,
            Note(text=f"{hidden} finding(s) and verdict(s) unchanged since {against} are not shown"),
        )
    return report.model_copy(
        update={
            "findings": findings, "verdicts": verdicts, "notes": notes,
            "fixed": (*report.fixed, *fixed),
        }
    )  # fmt: skip


def _fixed(e: BaselineEntry) -> Fixed:
    """A baseline entry that the report no longer has at its level."""
    what = e.rule_id or f"{VERDICT_PREFIX}{e.kind}"
    return Fixed(service=e.service, what=what, summary=e.summary)
