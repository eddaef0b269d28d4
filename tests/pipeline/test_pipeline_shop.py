"""Acceptance: `archcheck analyze` on the review's shop reaches the review's own verdicts, and on
the review's own compose example flags its defects. Runs the real CLI, compose loader, rules.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from support import REPO, run_cli

SHOP = REPO / "fixtures" / "shop"
REVIEW = REPO / "fixtures" / "review-example"


def analyze(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return run_cli(["analyze", *args], capsys)


def as_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = analyze(capsys, *args, "--format", "json")
    assert code in (0, 1), err
    return code, json.loads(out)


def verdicts(doc: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    return {(v["service"], v["kind"]): (v["decision"], v["priority"]) for v in doc["verdicts"]}


def copy_shop(tmp_path: Path) -> Path:
    for name in ("docker-compose.yml", "metrics.yaml"):
        shutil.copy(SHOP / name, tmp_path / name)
    return tmp_path / "docker-compose.yml"


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def test_shop_reaches_the_reviews_verdicts(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = as_json(capsys, str(SHOP / "docker-compose.yml"))
    assert code == 1  # pricing is high and --fail-on defaults to high
    summary = {s["service"]: (s["decision"], s["priority"]) for s in doc["summary"]["services"]}
    assert summary["pricing-service"] == ("separate", "high")
    assert summary["catalog-service"] == ("separate", "medium")
    assert summary["warehouse-service"] == ("inline", "low")
    found = verdicts(doc)
    assert found[("pricing-service", "events")] == ("separate", "high")
    assert found[("pricing-service", "cron")][0] == "separate"
    assert found[("catalog-service", "cron")] == ("separate", "medium")
    assert found[("catalog-service", "events")] == ("inline", "low")
    assert found[("warehouse-service", "events")] == ("inline", "low")
    pricing = {v["kind"]: v for v in doc["verdicts"] if v["service"] == "pricing-service"}
    assert {"stock-updated", "price-changed"} <= set(pricing["events"]["workloads"])
    assert {"price-sync", "cache-warmup"} <= set(pricing["cron"]["workloads"])
    # the shop's compose file is clean: migrations are run-once and awaited
    assert [f for f in doc["findings"] if f["severity"] == "high"] == []


def test_shop_evidence_points_at_the_snapshot_lines(capsys: pytest.CaptureFixture[str]) -> None:
    _, doc = as_json(capsys, str(SHOP / "docker-compose.yml"))
    [events] = [v for v in doc["verdicts"] if v["service"] == "pricing-service"
                and v["kind"] == "events"]
    volume = next(e for e in events["evidence"] if e["criterion"] == "event volume")
    assert volume["value"] == 1800 and volume["unit"] == "1/min"
    assert volume["location"]["file"].endswith("metrics.yaml")
    assert volume["location"]["line"] == line_of(SHOP / "metrics.yaml", "events_per_minute: 1500")


@pytest.mark.parametrize(("fail_on", "code"), [("never", 0), ("high", 1), ("medium", 1)])
def test_fail_on(capsys: pytest.CaptureFixture[str], fail_on: str, code: int) -> None:
    got, _, err = analyze(capsys, str(SHOP / "docker-compose.yml"), "--fail-on", fail_on)
    assert got == code, err


def test_fail_on_medium_counts_medium_findings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    compose = copy_shop(tmp_path)
    # warehouse only: its verdicts are inline; a medium finding decides the exit code.
    text = compose.read_text().replace('    restart: "no"\n', "    restart: on-failure\n", 1)
    compose.write_text(text)
    code, out, _ = analyze(capsys, str(compose), "--fail-on", "never", "--format", "json")
    assert code == 0
    assert any(f["rule_id"] == "AC101" for f in json.loads(out)["findings"])


def test_bad_fail_on_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = analyze(capsys, str(SHOP / "docker-compose.yml"), "--fail-on", "urgent")
    assert code == 2 and "--fail-on" in err and "high, medium, low or never" in err


def test_snapshot_found_by_convention(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    compose = copy_shop(tmp_path)
    compose.write_text(compose.read_text().replace("  metrics: metrics.yaml\n", ""))
    _, doc = as_json(capsys, str(compose))
    assert verdicts(doc)[("pricing-service", "events")] == ("separate", "high")


def test_without_metrics_nothing_is_inline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    compose = copy_shop(tmp_path)
    compose.write_text(compose.read_text().replace("  metrics: metrics.yaml\n", ""))
    (tmp_path / "metrics.yaml").unlink()
    code, doc = as_json(capsys, str(compose))
    decisions = {d for d, _ in verdicts(doc).values()}
    # nothing is silently inline; pricing still separates on what compose declares: a
    # dead-letter topic with two event types (high) and two cron schedules (medium)
    assert "inline" not in decisions
    assert verdicts(doc)[("pricing-service", "events")] == ("separate", "high")
    assert verdicts(doc)[("pricing-service", "cron")] == ("separate", "medium")
    assert verdicts(doc)[("warehouse-service", "events")][0] == "insufficient-data"
    [wh] = [v for v in doc["verdicts"] if v["service"] == "warehouse-service"]
    missing = [e for e in wh["evidence"] if e["outcome"] == "insufficient-data"]
    assert {e["source"] for e in missing} >= {"events_per_minute", "processing_ms_p95"}
    assert all("metrics snapshot" in e["how_to_get"] for e in missing)
    assert code == 1
    code, _, _ = analyze(capsys, str(compose), "--fail-on", "never")
    assert code == 0


def test_later_metrics_win_and_the_report_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    later = tmp_path / "later.yaml"
    later.write_text(
        "version: 1\nservices:\n  warehouse-service:\n    workloads:\n"
        "      order-created: {events_per_minute: 2000}\n"
    )
    _, doc = as_json(
        capsys, str(SHOP / "docker-compose.yml"),
        "--metrics", str(SHOP / "metrics.yaml"), "--metrics", str(later),
    )
    assert verdicts(doc)[("warehouse-service", "events")] == ("separate", "high")
    assert any("later input wins" in n and "2000" in n and "40" in n for n in doc["notes"])


def test_metrics_for_unknown_services_are_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text("version: 1\nservices:\n  billing-service: {cpu_usage_ratio: 0.5}\n")
    code, doc = as_json(
        capsys, str(SHOP / "docker-compose.yml"),
        "--metrics", str(SHOP / "metrics.yaml"), "--metrics", str(extra),
    )
    assert code == 1
    assert any("billing-service" in n and "not in the compose project" in n for n in doc["notes"])


def test_review_example_defects_are_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    compose = REVIEW / "docker-compose.yml"
    code, doc = as_json(capsys, str(compose))
    assert code == 1
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for f in doc["findings"]:
        by_rule.setdefault(f["rule_id"], []).append(f)
    [name_clash] = by_rule["AC103"]
    assert name_clash["service"] == "pricing-event-worker"
    assert name_clash["severity"] == "high"
    assert name_clash["location"]["file"] == compose.relative_to(Path.cwd()).as_posix()  # relative, as in every format
    assert name_clash["location"]["line"] == line_of(compose, "container_name: pricing-event-worker")
    [short_dep] = by_rule["AC102"]
    assert short_dep["service"] == "pricing-service"
    assert {f["service"] for f in by_rule["AC110"]} == {"pricing-event-worker", "pricing-cron-worker"}
    assert "AC105" not in by_rule  # the API sets WORKER_MODE=api
    # no metrics: the events verdict is not silently inline
    assert verdicts(doc)[("pricing-service", "events")][0] == "insufficient-data"


def test_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = analyze(capsys, str(SHOP / "docker-compose.yml"))
    assert code == 1
    assert "Recommendations by service" in out
    order = [out.index(s) for s in ("pricing-service [HIGH]", "catalog-service [MEDIUM]",
                                    "warehouse-service [LOW]")]
    assert order == sorted(order)
    assert "\x1b[" not in out  # no colours when not a terminal
    assert "--fail-on high" in err and "--fail-on" not in out


def test_verbose_text_shows_the_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = analyze(capsys, str(SHOP / "docker-compose.yml"), "-v")
    assert "event volume" in out and "1800/min" in out and "> 1000" in out
    assert "metrics.yaml:" in out


def test_markdown_report(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = analyze(capsys, str(SHOP / "docker-compose.yml"), "--format", "markdown")
    for heading in ("## Summary", "## Decision matrix", "## Recommendations by service",
                    "## Migration path", "quadrantChart"):
        assert heading in out
    points = dict(re.findall(r"^\s+(\S+ \S+): \[([\d.]+, [\d.]+)\]$", out, re.MULTILINE))
    assert len(points) == 4  # one point per event workload, not per service
    x, y = (float(p) for p in points["pricing-service stock-updated"].split(", "))
    assert x > 0.5 and y > 0.5  # busy and slow: top right
    x, y = (float(p) for p in points["warehouse-service order-created"].split(", "))
    assert x < 0.5 and y < 0.5
    assert "flowchart LR" in out and "pricing-cron-worker" in out
    assert out.index("Phase 1: pricing-service") < out.index("Phase 2: catalog-service")


def test_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, err = analyze(
        capsys, str(SHOP / "docker-compose.yml"), "--format", "json", "--output", str(target)
    )
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["project"] == "shop"
    assert str(target) in err


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = analyze(capsys, str(SHOP / "docker-compose.yml"), "--format", "pdf")
    assert code == 2 and "unknown --format 'pdf'" in err


def test_missing_metrics_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = analyze(
        capsys, str(SHOP / "docker-compose.yml"), "--metrics", str(tmp_path / "nope.yaml")
    )
    assert code == 2 and "nope.yaml:1:1: metrics file not found" in err and "Traceback" not in err


def test_quadrant_chart_fits_mermaids_grammar(capsys: pytest.CaptureFixture[str]) -> None:
    """mermaid's quadrant.jison: text is letters, digits, spaces and '-'; a coordinate is
    ``1`` or ``0(.\\d+)?``. Anything else is a parse error on GitHub."""
    _, out, _ = analyze(capsys, str(SHOP / "docker-compose.yml"), "--format", "markdown")
    chart = out.split("```mermaid\n", 1)[1].split("```", 1)[0].splitlines()
    assert chart[0] == "quadrantChart"
    text = re.compile(r"^[A-Za-z0-9 -]+$")
    coordinate = r"(1|0(\.\d+)?)"
    point = re.compile(rf"^\s+([A-Za-z0-9 -]+): \[{coordinate}, {coordinate}\]$")
    for line in chart[1:]:
        keyword, _, rest = line.strip().partition(" ")
        if keyword in ("title", "quadrant-1", "quadrant-2", "quadrant-3", "quadrant-4"):
            assert text.match(rest), line
        elif keyword in ("x-axis", "y-axis"):
            assert all(text.match(part) for part in rest.split(" --> ")), line
        else:
            assert point.match(line), line


def test_project_without_workloads(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  db: {image: postgres:16}\n  cache: {image: redis:7}\n")
    code, out, _ = analyze(capsys, str(compose))
    assert code == 0
    assert "nothing to decide" in out and "x-archcheck" in out
    code, doc = as_json(capsys, str(compose))
    assert code == 0 and doc["verdicts"] == [] and doc["summary"]["services"] == []
