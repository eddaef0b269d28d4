"""Rules as data: integrity of rules/*.yaml, `.archcheck.yaml` overrides, and `rules` commands."""

from __future__ import annotations

import json
import shutil
import string
from pathlib import Path

import pytest
from support import REPO, run_cli

from archcheck.engine import load_ruleset
from archcheck.engine.registry import CHECKS
from archcheck.errors import ConfigError, RuleDefinitionError
from archcheck.files.bundled import rules_dir

SHOP = REPO / "fixtures" / "shop"


def test_every_rule_is_complete_and_every_check_is_used() -> None:
    ruleset = load_ruleset()
    ids = [r.id for r in ruleset.rules]
    assert len(ids) == len(set(ids)) and len(ids) >= 19
    used = {r.check for r in ruleset.rules}
    assert used == set(CHECKS), f"unused checks: {set(CHECKS) - used}"
    for rule in ruleset.rules:
        assert rule.name == rule.name.lower() and " " not in rule.name
        for part in ("what", "why", "example", "fix"):
            assert getattr(rule.docs, part).strip(), (rule.id, part)
        names = {n for _, n, _, _ in string.Formatter().parse(rule.message) if n}
        assert "service" in names, rule.id
        assert Path(rule.file).name.startswith(rule.id)


def test_decision_matrix_defaults_are_the_reviews() -> None:
    r = load_ruleset().by_id
    assert (r["AC001"].params.inline_max, r["AC001"].params.high_above) == (100, 1000)  # type: ignore[attr-defined]
    assert (r["AC002"].params.inline_max_ms, r["AC002"].params.high_above_ms) == (50, 100)  # type: ignore[attr-defined]
    assert (r["AC004"].params.inline_max_s, r["AC004"].params.separate_above_s) == (10, 60)  # type: ignore[attr-defined]


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".archcheck.yaml"
    path.write_text(text)
    return path


def test_config_overrides_params_severity_and_enabled(tmp_path: Path) -> None:
    path = config(tmp_path, (
        "version: 1\nfail_on: medium\nrules:\n"
        "  AC001: {params: {inline_max: 200}}\n"
        "  AC103: {severity: low}\n"
        "  AC110: {enabled: false}\n"
    ))
    ruleset = load_ruleset(path)
    assert ruleset.fail_on == "medium"
    assert ruleset.by_id["AC001"].params.inline_max == 200  # type: ignore[attr-defined]
    assert ruleset.by_id["AC001"].params.high_above == 1000  # type: ignore[attr-defined]
    assert ruleset.by_id["AC103"].severity == "low"
    assert not ruleset.by_id["AC110"].enabled
    assert ruleset.by_id["AC001"].overridden == ("params.inline_max",)


BAD_CONFIGS = [
    ("version: 1\nrulez: {}\n", 2, "rulez: unknown key"),
    ("rules:\n  AC999: {enabled: false}\n", 2, "unknown rule id 'AC999'"),
    ("rules:\n  AC001:\n    params:\n      inline_max: -5\n", 4, "greater than 0"),
    ("rules:\n  AC001:\n    params:\n      inline_mx: 5\n", 4, "inline_mx: unknown key"),
    ("rules:\n  AC103: {severity: critical}\n", 2, "severity"),
    ("rules:\n  AC001: {severity: low}\n", 2, "decision-matrix criterion"),
    ("fail_on: sometimes\n", 1, "fail_on"),
    ("rules:\n  AC001: {}\n  AC001: {}\n", 3, "duplicate key 'AC001'"),
    ("- a\n", 1, "must be a mapping"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD_CONFIGS, ids=[b[2] for b in BAD_CONFIGS])
def test_bad_config_names_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = config(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_ruleset(path)
    assert caught.value.location is not None
    assert (caught.value.location.file, caught.value.location.line) == (str(path), line)


def test_config_next_to_the_compose_file_is_used(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("docker-compose.yml", "metrics.yaml"):
        shutil.copy(SHOP / name, tmp_path / name)
    compose = str(tmp_path / "docker-compose.yml")
    code, out, _ = run_cli(["analyze", compose, "--format", "json", "--no-discover"], capsys)
    assert code == 1
    # raise the thresholds so pricing's events stay below "high"
    config(tmp_path, (
        "rules:\n"
        "  AC001: {params: {inline_max: 5000, high_above: 10000}}\n"
        "  AC002: {params: {inline_max_ms: 500, high_above_ms: 1000}}\n"
        "  AC003: {enabled: false}\n"
    ))
    code, out, _ = run_cli(["analyze", compose, "--format", "json", "--no-discover"], capsys)
    doc = json.loads(out)
    pricing = {v["kind"]: v for v in doc["verdicts"] if v["service"] == "pricing-service"}
    assert (pricing["events"]["decision"], pricing["events"]["priority"]) == ("separate", "medium")
    assert code == 0
    assert any("overrides params.inline_max" in n for n in doc["notes"])


def test_bad_config_through_the_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = config(tmp_path, "rules:\n  AC001:\n    treshold: 5\n")
    code, _, err = run_cli(
        ["analyze", str(SHOP / "docker-compose.yml"), "--config", str(path)], capsys
    )
    assert code == 2
    assert err.startswith(f"error: {path}:3:5: ") and "unknown key" in err


def test_missing_config_file_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(
        ["analyze", str(SHOP / "docker-compose.yml"), "--config", str(tmp_path / "nope.yaml")],
        capsys,
    )
    assert code == 2 and "nope.yaml:1:1: config file not found" in err


def test_broken_rule_file_names_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder, ignore=shutil.ignore_patterns("sources"))
    target = folder / "AC001-event-volume-over-inline-limit.yaml"
    target.write_text(target.read_text().replace("inline_max: 100", "inline_max: -1"))
    with pytest.raises(RuleDefinitionError, match="greater than 0") as caught:
        load_ruleset(rules_dir=folder)
    assert caught.value.location is not None and caught.value.location.line == 7
    target.write_text(
        target.read_text().replace("inline_max: -1", "inline_max: 100").replace(
            'message: "{service}', 'message: "{servise}'
        )
    )
    with pytest.raises(RuleDefinitionError, match=r"unknown field.*servise"):
        load_ruleset(rules_dir=folder)


def test_rules_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["rules", "list"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("AC001  event-volume-over-inline-limit")
    assert any(line.startswith("AC103  container-name-with-replicas") and "high" in line
               for line in lines)


def test_rules_list_shows_disabled(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = config(tmp_path, "rules:\n  AC110: {enabled: false}\n")
    _, out, _ = run_cli(["rules", "list", "--config", str(path)], capsys)
    [line] = [x for x in out.splitlines() if x.startswith("AC110")]
    assert "[disabled]" in line


def test_rules_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["rules", "explain", "ac103"], capsys)
    assert code == 0
    for heading in ("What:", "Why:", "Example:", "Fix:"):
        assert heading in out
    assert "container_name" in out
    code, out, _ = run_cli(["rules", "explain", "AC001"], capsys)
    assert "inline_max: 100" in out and "Parameters" in out


def test_rules_explain_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["rules", "explain", "AC777"], capsys)
    assert code == 2 and "no rule 'AC777'" in err and "AC001" in err


def test_docs_list_every_rule() -> None:
    text = (REPO / "docs" / "rules.md").read_text()
    for rule in load_ruleset().rules:
        assert f"| {rule.id} |" in text, f"docs/rules.md does not list {rule.id}"
    for page in ("analyze", "rules", "metrics-snapshot", "report-json", "x-archcheck"):
        assert (REPO / "docs" / f"{page}.md").is_file()
