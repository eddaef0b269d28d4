"""What the CI formats (SARIF, GitHub, JUnit, CodeClimate) share: one flat list of report items.

Findings and verdicts both become ``Item``s with a rule id, a level, a message, a location
relative to the working directory and a stable fingerprint, so each CI format is only the
mapping of an ``Item`` onto its own syntax.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from archcheck import links
from archcheck.model import (
    VERDICT_PREFIX,
    Finding,
    Location,
    Report,
    RuleDoc,
    Suppression,
    Verdict,
    fingerprint,
    gate_level,
    is_gating,
)
from archcheck.structs import dataclass

_KIND_WORDS = {"events": "event handlers", "cron": "cron jobs", "migration": "migrations"}
_LEVEL_NAME = {0: "none", 1: "low", 2: "medium", 3: "high"}


def verdict_rule_id(kind: str) -> str:
    """The pseudo-rule id under which verdicts for one workload kind are reported (and suppressed)."""
    return f"{VERDICT_PREFIX}{kind}"


def display_path(file: str) -> str:
    """``file`` relative to the working directory (with ``/``) when it lies below it.

    Absolute when it lies outside (another checkout, ``/tmp``). Every format shows paths this
    way: CI systems (GitHub code scanning, GitLab) match results to repository paths, which are
    relative to the checkout where archcheck runs.
    """
    return _relative(file, os.getcwd())  # noqa: PTH109  (a str: the cache key)


def display_text(text: str) -> str:
    """``text`` with the working directory's prefix taken out of the paths it mentions.

    Only where a path starts (``/a/x`` loses ``/a/`` when run in ``/a``; ``/b/a/x`` is kept;
    ``/a`` itself is ``.``).
    """
    cwd = os.getcwd().rstrip(os.sep)  # noqa: PTH109
    if cwd not in text:
        return text
    return _prefix_pattern(cwd).sub(lambda m: "" if m.group(1) else ".", text)


@lru_cache(maxsize=4)
def _prefix_pattern(cwd: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w.~/-])" + re.escape(cwd) + r"(?:(/)|(?![\w.~-]))")


@lru_cache(maxsize=256)
def _relative(file: str, cwd: str) -> str:
    path = Path(file)
    if not path.is_absolute():
        return path.as_posix()  # locations are relative to the working directory already
    for candidate in (path, path.resolve()):  # also below it through a symlinked folder
        if candidate.is_relative_to(cwd):
            return candidate.relative_to(cwd).as_posix()
    return path.as_posix()


@dataclass(frozen=True)
class Item:
    """A finding or a verdict, flattened for CI formats."""

    rule_id: str
    rule_name: str
    level: int
    """0 = no action asked (inline, insufficient data, split done), 1-3 = low, medium, high."""
    gating: bool
    """At or above the report's ``--fail-on`` (and not suppressed): it fails the run."""
    title: str
    message: str
    service: str | None
    location: Location | None
    suppression: Suppression | None
    change: str | None
    fingerprint: str
    verdict: Verdict | None = None

    @property
    def level_name(self) -> str:
        """``none``, ``low``, ``medium`` or ``high``."""
        return _LEVEL_NAME[self.level]

    @property
    def path(self) -> str | None:
        """The location's file relative to the working directory, if the item has one."""
        return display_path(self.location.file) if self.location else None


def _finding_item(finding: Finding, fail_on: str) -> Item:
    return Item(
        rule_id=finding.rule_id,
        rule_name=finding.rule_name,
        level=gate_level(finding),
        gating=is_gating(finding, fail_on),
        title=f"{finding.rule_id} {finding.rule_name}",
        message=finding.message,
        service=finding.service,
        location=finding.location,
        suppression=finding.suppression,
        change=finding.change,
        fingerprint=fingerprint(finding),
    )


def shown_decision(verdict: Verdict) -> str:
    """The decision as reports show it: ``separated`` when the split it asks for is done."""
    return "separated" if verdict.met else verdict.decision


def verdict_message(verdict: Verdict) -> str:
    """One line saying what the verdict asks for, for formats without structured evidence."""
    decision = shown_decision(verdict)
    if decision == "separate":
        decision += f", {verdict.priority} priority"
    return f"{verdict.service} {_KIND_WORDS.get(verdict.kind, verdict.kind)}: {decision}: {verdict.summary}"


def _verdict_item(verdict: Verdict, fail_on: str) -> Item:
    return Item(
        rule_id=verdict_rule_id(verdict.kind),
        rule_name=f"{verdict.kind}-workload-placement",
        level=gate_level(verdict),
        gating=is_gating(verdict, fail_on),
        title=f"{verdict.service} {verdict.kind}: {shown_decision(verdict)}",
        message=verdict_message(verdict),
        service=verdict.service,
        location=verdict.location,
        suppression=verdict.suppression,
        change=verdict.change,
        fingerprint=fingerprint(verdict),
        verdict=verdict,
    )


def report_items(report: Report) -> list[Item]:
    """Verdicts first (the answer archcheck exists for), then findings, in report order."""
    return [
        *(_verdict_item(v, report.fail_on) for v in report.verdicts),
        *(_finding_item(f, report.fail_on) for f in report.findings),
    ]


def quiet(item: Item) -> bool:
    """A verdict that asks for no change (inline, or a split already done): annotation
    formats leave it out unless ``-v``."""
    return item.verdict is not None and (item.verdict.decision == "inline" or item.verdict.met)


def suppressed_text(suppression: Suppression) -> str:
    """How a suppression is shown next to the item it covers."""
    location = suppression.location
    where = (
        f" ({display_path(location.file)}:{location.line}:{location.column})" if location else ""
    )
    return f"suppressed{where}: {suppression.reason}"


def marks(item: Finding | Verdict) -> str:
    """What text formats append to an item: `` [suppressed: reason]``, `` [new]``, `` [worse]``."""
    out = f" [{suppressed_text(item.suppression)}]" if item.suppression is not None else ""
    return out + (f" [{item.change}]" if item.change is not None else "")


def help_markdown(doc: RuleDoc) -> str:
    """A rule's docs as markdown: what, why, example, fix."""
    parts = [f"**{doc.id} {doc.name}**: {doc.what}"]
    if doc.why:
        parts.append(f"**Why.** {doc.why}")
    if doc.example:
        parts.append(f"**Example.**\n\n```yaml\n{doc.example.rstrip()}\n```")
    if doc.fix:
        parts.append(f"**Fix.** {doc.fix}")
    url = doc_url(doc.id, doc.name)
    more = f"[the rule's page]({url}) or " if url else ""
    parts.append(f"See {more}`archcheck rules explain {doc.id}` for the full text.")
    return "\n\n".join(parts)


_SHIPPED_RULE = re.compile(r"AC\d{3}")


def doc_url(rule_id: str, name: str) -> str | None:
    """The documentation page of a shipped rule (or of the verdicts); None for other ids."""
    if rule_id.startswith(VERDICT_PREFIX):
        return links.DECISION_MATRIX_URL
    return links.rule_doc_url(rule_id, name) if _SHIPPED_RULE.fullmatch(rule_id) else None


def help_text(doc: RuleDoc) -> str:
    """A rule's docs as plain text."""
    parts = [doc.what, doc.why, doc.example and f"Example:\n{doc.example.rstrip()}"]
    parts.append(doc.fix and f"Fix: {doc.fix}")
    return "\n\n".join(p for p in parts if p)




_KIND_WHAT = {
    "events": "Whether a service's event handlers (topic subscriptions) should move to a "
    "separate event-worker container.",
    "cron": "Whether a service's scheduled jobs should move to a separate cron-worker container.",
    "migration": "Whether a service's migrations should run as a separate run-once job.",
    "api": "Whether a service's request serving should be split.",
}
_VERDICT_WHY = (
    "Background work sharing the API container competes with requests for CPU and memory, "
    "cannot be scaled or deployed on its own, and hides its retries and failures. The decision "
    "matrix weighs event volume, processing time, retries and dead letters, cron run time, "
    "resource usage, scaling needs and environment."
)
_VERDICT_FIX = (
    "Run `archcheck scaffold SERVICE` to generate the worker and its compose service, then set "
    "WORKER_MODE=api on the API service so work is not processed twice."
)


def _verdict_doc(kind: str) -> RuleDoc:
    return RuleDoc(
        id=verdict_rule_id(kind),
        name=f"{kind}-workload-placement",
        level=3,
        what=_KIND_WHAT.get(kind, f"Where a service's {kind} workloads should run."),
        why=_VERDICT_WHY,
        fix=_VERDICT_FIX,
    )


def rule_docs(report: Report, items: list[Item]) -> list[RuleDoc]:
    """Docs for every rule that judged the report and every rule an item names, sorted by id."""
    docs = {doc.id: doc for doc in report.rules}
    for item in items:
        if item.rule_id in docs:
            continue
        if item.verdict is not None:
            docs[item.rule_id] = _verdict_doc(item.verdict.kind)
        else:
            docs[item.rule_id] = RuleDoc(
                id=item.rule_id, name=item.rule_name, level=item.level, what=item.rule_name
            )
    return [docs[key] for key in sorted(docs)]
