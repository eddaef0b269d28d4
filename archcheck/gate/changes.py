"""What CI gates on: the judged report narrowed to what is new or worse.

``archcheck.pipeline.judge`` is what every command shows (suppressed items marked, never
gating); ``only_changes`` narrows it to what is new or worse than a baseline file
(``--baseline``) or a git revision (``--diff-base``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archcheck.engine.ruleset import Ruleset
    from archcheck.model import Report, System
    from archcheck.pipeline import AnalyzeOptions


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
    from archcheck.gate.baseline import baseline_of, compare, load_baseline

    if baseline is not None:
        report = compare(report, load_baseline(baseline), against=str(baseline))
    if diff_base is not None:
        from archcheck.gate.diffbase import report_at
        from archcheck.model import Note as note

        base, why = report_at(diff_base, options, system.compose_files, ruleset.config_path)
        report = compare(report, baseline_of(base), against=diff_base)
        if why is not None:
            report = report.model_copy(update={"notes": (*report.notes, note(text=why))})
    return report
