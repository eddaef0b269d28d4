"""From an evaluated system to the report CI gates on: suppressions, baseline, ``--diff-base``.

``judge`` is what every command shows (suppressed items marked, never gating);
``only_changes`` narrows it to what is new or worse than a baseline file or a git revision.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archcheck.engine.ruleset import Ruleset
    from archcheck.model import Report, System
    from archcheck.pipeline import AnalyzeOptions


def judge(system: System, ruleset: Ruleset) -> Report:
    """Evaluate the rules, name each finding's compose key and line, and mark suppressed items
    (``.archcheck.yaml``'s ``suppress:`` entries first, then ignore comments)."""
    from archcheck.baseline import with_keys
    from archcheck.engine import evaluate
    from archcheck.excerpts import with_excerpts
    from archcheck.ignore_comments import ignore_comments
    from archcheck.suppress import apply_suppressions

    report = with_excerpts(with_keys(system, evaluate(system, ruleset)))
    comments = ignore_comments(system, {rule.id for rule in ruleset.rules})
    return apply_suppressions(report, (*ruleset.suppressions, *comments))


def only_changes(
    report: Report,
    *,
    options: AnalyzeOptions,
    system: System,
    ruleset: Ruleset,
    baseline: Path | None = None,
    diff_base: str | None = None,
) -> Report:
    """``report`` narrowed to what is not in ``baseline`` and new or worse since ``diff_base``."""
    from archcheck.baseline import baseline_of, compare, load_baseline

    if baseline is not None:
        report = compare(report, load_baseline(baseline), against=str(baseline))
    if diff_base is not None:
        from archcheck.gitrev import report_at

        base, why = report_at(diff_base, options, system.compose_files, ruleset.config_path)
        report = compare(report, baseline_of(base), against=diff_base)
        if why is not None:
            report = report.model_copy(update={"notes": (*report.notes, why)})
    return report
