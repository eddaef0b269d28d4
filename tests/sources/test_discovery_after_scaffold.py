"""Discovery after `archcheck scaffold`: the generated worker's code is the worker's.

The scaffold writes ``cmd/worker/`` and ``internal/worker/`` into a copy of the pricing fixture;
that code registers its handlers and jobs in loops, with topics and schedules that come from
methods at run time. `archcheck analyze` on the merged project (the fixture's compose file plus
the generated ``docker-compose.workers.yml``) must not invent workloads from it, must not count
the worker's work as the API's inline work, and must see the split. Nothing is compiled here
(tests/scaffold/test_scaffold_go.py builds the same code with the Go toolchain).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from support import REPO, run_cli

FIXTURE = REPO / "fixtures" / "go" / "pricing"
API = "pricing-service"


def analyze(svc: Path, capsys: pytest.CaptureFixture[str], *files: str) -> dict[str, Any]:
    argv = ["analyze", *(a for f in files for a in ("-f", str(svc / f)))]
    code, out, err = run_cli([*argv, "--format", "json", "--fail-on", "never"], capsys)
    assert code == 0, err
    report: dict[str, Any] = json.loads(out)
    return report


@pytest.fixture
def split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, dict[str, Any]]:
    """The fixture copy after `archcheck scaffold pricing`, and its report from before (both
    run in the copy, so report paths are relative to it)."""
    svc = tmp_path / "pricing"
    shutil.copytree(FIXTURE, svc)
    monkeypatch.chdir(svc)
    before = analyze(svc, capsys, "docker-compose.yml")
    code, _, err = run_cli(["scaffold", "pricing"], capsys)
    assert code == 0, err
    assert (svc / "cmd/worker/main.go").is_file()
    assert (svc / "docker-compose.workers.yml").is_file()
    return svc, before


def workload_table(report: dict[str, Any]) -> set[tuple[str, str, str, str | None]]:
    return {
        (w["kind"], w["name"], w["origin"], w["location"]["file"] if w["location"] else None)
        for w in report["workloads"]
        if w["service"] == API
    }


def call_lines(path: Path, method: str) -> list[int]:
    """Lines of ``path`` that call ``.method(`` (found in the test, to not trust the code)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [n for n, line in enumerate(lines, 1) if f".{method}(" in line]


def test_generated_worker_adds_no_invented_or_inline_workloads(
    split: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    svc, before = split
    after = analyze(svc, capsys, "docker-compose.yml", "docker-compose.workers.yml")
    # The API's code did not change, so neither does what it is reported to run: the worker's
    # generic code adds no workload (no `s`, `dead-letter`, `addjob-80`...).
    assert workload_table(after) == workload_table(before)
    assert not any(re.search(r"-\d+$", w["name"]) for w in after["workloads"])
    worker_dirs = ("cmd/worker/", "internal/worker/")
    for w in after["workloads"]:
        in_worker = w["location"] and w["location"]["file"].startswith(worker_dirs)
        assert not in_worker or w["runs_in"] == "cmd/worker", w

    # Each generic registration is a located note instead.
    server = "internal/worker/event/server.go"
    scheduler = "internal/worker/cron/scheduler.go"
    sites = [f"{server}:{n}:" for n in call_lines(svc / server, "AddTopicEventHandler")]
    sites += [f"{scheduler}:{n}:" for n in call_lines(svc / scheduler, "AddJob")]
    assert len(sites) == 3
    for site in sites:
        note = next((n for n in after["notes"] if n.startswith(site)), None)
        assert note is not None, (site, after["notes"])
        assert "known only at run time" in note and "not counted as a workload" in note


def test_verdicts_see_the_split(
    split: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    svc, before = split
    after = analyze(svc, capsys, "docker-compose.yml", "docker-compose.workers.yml")
    summaries = {(v["service"], v["kind"]): v["summary"] for v in after["verdicts"]}
    assert summaries[(API, "events")].startswith("already separated in pricing-event-worker")
    assert summaries[(API, "cron")].startswith("already separated in pricing-cron-worker")
    was = {(v["service"], v["kind"]): v["summary"] for v in before["verdicts"]}
    assert was[(API, "events")].startswith("move ")
    # The override sets WORKER_MODE=api: the API is not reported as running the workers' work.
    assert not [f for f in after["findings"] if f["rule_id"] == "AC105"]
    assert any(
        n.startswith(f"{API}: the code already has a worker entry point") for n in after["notes"]
    )


def test_a_job_added_to_the_worker_is_the_workers(
    split: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    """A job with a literal schedule in the worker's package is a workload run by the worker,
    judged with the API's cron jobs."""
    svc, _ = split
    (svc / "internal/worker/cron/report.go").write_text(
        "package cron\n\n"
        'import "github.com/robfig/cron/v3"\n\n'
        "// ScheduleReport sends the nightly price report.\n"
        "func ScheduleReport(c *cron.Cron, r *Reporter) {\n"
        '\tc.AddFunc("0 3 * * *", r.sendPriceReport)\n'
        "}\n",
        encoding="utf-8",
    )
    after = analyze(svc, capsys, "docker-compose.yml", "docker-compose.workers.yml")
    report = next(w for w in after["workloads"] if w["name"] == "send-price-report")
    assert (report["service"], report["kind"], report["schedule"], report["runs_in"]) == (
        API,
        "cron",
        "0 3 * * *",
        "cmd/worker",
    )
    assert report["location"]["file"] == "internal/worker/cron/report.go"
    cron = next(v for v in after["verdicts"] if (v["service"], v["kind"]) == (API, "cron"))
    assert "send-price-report" in cron["workloads"]
    assert any("which runs cron send-price-report" in n for n in after["notes"])


COMPOSE = """
services:
  shop:
    build: ./shop
    deploy: {resources: {limits: {cpus: "1", memory: 256M}}}
    restart: always
  shop-cron-worker:
    build: ./shop
    environment: {WORKER_MODE: cron}
    deploy: {resources: {limits: {cpus: "0.5", memory: 128M}}}
    restart: always
"""

GO = {
    "go.mod": "module example.com/shop\n\ngo 1.22\n",
    "cmd/shop/main.go": "package main\n\nfunc main() {}\n",
    "cmd/worker/main.go": (
        'package main\n\nimport "example.com/shop/internal/worker"\n\n'
        "func main() { worker.Run() }\n"
    ),
    "internal/worker/jobs.go": (
        'package worker\n\nimport "github.com/robfig/cron/v3"\n\n'
        'func Run() {\n\tc := cron.New()\n\tc.AddFunc("@hourly", compactLedger)\n}\n'
    ),
}


def test_api_that_runs_no_job_itself_is_not_flagged_for_running_the_workers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """AC105 (the API still runs what a worker runs) looks at what the API's own code runs:
    WORKER_MODE unset means "all", but the only job is in the worker binary's code."""
    (tmp_path / "docker-compose.yml").write_text(COMPOSE, encoding="utf-8")
    for name, text in GO.items():
        path = tmp_path / "shop" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    report = analyze(tmp_path, capsys, "docker-compose.yml")
    assert [(w["name"], w["runs_in"]) for w in report["workloads"]] == [
        ("compact-ledger", "cmd/worker")
    ]
    assert not [f for f in report["findings"] if f["rule_id"] == "AC105"]

    # The same job also started by the API's own binary: now the API runs it too.
    (tmp_path / "shop/cmd/shop/main.go").write_text(
        'package main\n\nimport "example.com/shop/internal/worker"\n\n'
        "func main() { worker.Run() }\n",
        encoding="utf-8",
    )
    report = analyze(tmp_path, capsys, "docker-compose.yml")
    assert [(w["name"], w["runs_in"]) for w in report["workloads"]] == [("compact-ledger", None)]
    flagged = [f for f in report["findings"] if f["rule_id"] == "AC105"]
    assert [(f["service"], f["evidence"]["kind"]) for f in flagged] == [("shop", "cron")]
