"""The gate and the CI formats agree: what fails the run is what every format marks as failing.

``--fail-on`` decides the exit code, and so also the SARIF ``error`` results, the GitHub
``::error`` annotations, the JUnit failures and the CodeClimate ``critical``/``major`` issues.
A verdict whose split is already done (after ``archcheck scaffold``) passes.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support import REPO, run_cli

SHOP = REPO / "fixtures" / "shop"


def _failing_per_format(tmp_path: Path, capsys: pytest.CaptureFixture[str], fail_on: str) -> tuple[int, dict[str, int]]:
    files = {fmt: tmp_path / f"{fail_on}.{fmt}" for fmt in ("sarif", "junit", "codeclimate")}
    args = ["analyze", str(SHOP / "docker-compose.yml"), "--fail-on", fail_on, "--format", "github"]
    for fmt, path in files.items():
        args += ["-o", f"{fmt}={path}"]
    code, out, err = run_cli(args, capsys)
    assert code in (0, 1), err
    sarif = json.loads(files["sarif"].read_text())["runs"][0]["results"]
    junit = ET.fromstring(files["junit"].read_text())
    codeclimate = json.loads(files["codeclimate"].read_text())
    return code, {
        "sarif": sum(r["level"] == "error" for r in sarif),
        "github": sum(line.startswith("::error ") for line in out.splitlines()),
        "junit": int(junit.get("failures", "-1")),
        "codeclimate": sum(i["severity"] in ("critical", "major") for i in codeclimate),
    }


@pytest.mark.parametrize(
    ("fail_on", "code", "failing"),
    [
        ("never", 0, 0),
        ("high", 1, 1),  # pricing's events: the high-priority split
        ("medium", 1, 3),  # and pricing's and catalog's cron jobs
    ],
)
def test_every_ci_format_fails_exactly_what_the_gate_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fail_on: str, code: int, failing: int
) -> None:
    exit_code, counts = _failing_per_format(tmp_path, capsys, fail_on)
    assert exit_code == code
    assert counts == dict.fromkeys(counts, failing)


def test_below_fail_on_is_still_reported_but_as_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "never.sarif"
    code, _, err = run_cli(["analyze", str(SHOP / "docker-compose.yml"), "--fail-on", "never",
                            "--format", "sarif", "-o", str(path)], capsys)  # fmt: skip
    assert code == 0, err
    run = json.loads(path.read_text())["runs"][0]
    levels = {(r["properties"]["service"], r["ruleId"]): r["level"] for r in run["results"]}
    assert levels[("pricing-service", "verdict.events")] == "warning"
    assert levels[("warehouse-service", "verdict.events")] == "none"
    defaults = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
    assert "error" not in defaults.values()


def test_the_gate_turns_green_once_the_recommended_split_is_done(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``scaffold pricing``, then analysing with the workers' compose file passes for pricing."""
    shop = tmp_path / "shop"
    shutil.copytree(SHOP, shop)
    monkeypatch.chdir(shop)
    code, _, err = run_cli(["scaffold", "pricing", "-f", "docker-compose.yml"], capsys)
    assert code == 0, err
    files = ["-f", "docker-compose.yml", "-f", "docker-compose.workers.yml"]
    code, out, err = run_cli(["analyze", *files], capsys)
    assert code == 0, out + err  # pricing was the only split at --fail-on high
    assert "pricing-service [HIGH] separated" in out
    assert "already separated in pricing-event-worker: the recommendation is met" in out
    code, out, _ = run_cli(["analyze", *files, "--format", "json", "--fail-on", "medium"], capsys)
    assert code == 1  # catalog's stock-sync job still runs inline
    report = json.loads(out)
    pricing = {v["kind"]: v for v in report["verdicts"] if v["service"] == "pricing-service"}
    assert pricing["events"]["decision"] == "separate"
    assert pricing["events"]["separated_in"] == ["pricing-event-worker"]
    assert pricing["cron"]["separated_in"] == ["pricing-cron-worker"]
    assert report["summary"]["verdicts"]["met"] == 2
    assert {"service": "pricing-service", "decision": "separated", "priority": "high"} in report[
        "summary"
    ]["services"]
    code, out, _ = run_cli(["analyze", *files, "--format", "junit"], capsys)
    pricing_cases = [c for c in ET.fromstring(out).iter("testcase") if "pricing" in c.get("name", "")]
    assert pricing_cases and not any(c.find("failure") is not None for c in pricing_cases)
