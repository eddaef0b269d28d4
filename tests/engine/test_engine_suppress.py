"""Suppressions from .archcheck.yaml: validated strictly, located, applied per rule and service."""

from __future__ import annotations

from pathlib import Path

import pytest

from archcheck.engine.config import load_config
from archcheck.engine.suppress import apply_suppressions, located_suppressions
from archcheck.errors import ConfigError
from archcheck.model import Finding, Report, Verdict


def _report() -> Report:
    return Report(
        tool_version="t",
        project="p",
        findings=(
            Finding(
                rule_id="AC104", rule_name="a", severity="high", message="m", service="pricing"
            ),
            Finding(
                rule_id="AC104", rule_name="a", severity="high", message="m", service="catalog"
            ),
            Finding(rule_id="AC105", rule_name="b", severity="low", message="m", service="legacy"),
        ),
        verdicts=(
            Verdict(
                service="catalog", kind="cron", decision="separate", priority="medium", summary="s"
            ),
            Verdict(
                service="catalog", kind="events", decision="separate", priority="high", summary="s"
            ),
        ),
    )


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".archcheck.yaml"
    path.write_text(text)
    return path


def test_suppressions_are_applied_by_rule_service_and_verdict(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        "version: 1\n"
        "suppress:\n"
        "  - rule: AC104\n"
        "    service: pricing\n"
        "    reason: pinned by the platform team\n"
        "  - service: legacy\n"
        "    reason: retired in Q3\n"
        "  - rule: verdict.cron\n"
        "    service: catalog\n"
        "    reason: split planned\n"
        "  - rule: AC999\n"
        "    reason: typo\n",
    )
    loaded = load_config(path)
    with pytest.raises(ConfigError) as info:
        located_suppressions(
            loaded.config.suppress, {"AC104", "AC105"}, lambda i: loaded.locate("suppress", i)
        )
    assert "AC999" in info.value.message and "archcheck rules list" in info.value.message
    assert info.value.location is not None and info.value.location.line == 11

    located = located_suppressions(
        loaded.config.suppress[:3], {"AC104", "AC105"}, lambda i: loaded.locate("suppress", i)
    )
    report = apply_suppressions(_report(), located)
    reasons = [f.suppression.reason if f.suppression else None for f in report.findings]
    assert reasons == ["pinned by the platform team", None, "retired in Q3"]
    assert [v.suppression is not None for v in report.verdicts] == [True, False]
    first = report.findings[0].suppression
    assert first is not None and first.location is not None
    assert (first.location.file, first.location.line) == (str(path), 3)
    assert report.notes == ()


def test_stale_suppressions_are_noted() -> None:
    from archcheck.model import Suppression

    report = apply_suppressions(_report(), [Suppression(reason="r", service="gone")])
    assert len(report.notes) == 1 and "matches nothing" in report.notes[0].text


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ("  - rule: AC104\n", "reason"),
        ("  - rule: AC104\n    reason: '  '\n", "needs a reason"),
        ("  - reason: because\n", "name a rule, a service or both"),
        ("  - rule: AC104\n    reason: r\n    until: 2027\n", "until"),
    ],
)
def test_bad_suppressions_are_config_errors(tmp_path: Path, entry: str, fragment: str) -> None:
    path = _config(tmp_path, "suppress:\n" + entry)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert fragment in str(info.value)
    assert info.value.location is not None and info.value.location.line >= 2
