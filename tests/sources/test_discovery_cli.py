"""`archcheck analyze` with discovery: the shop's workloads point at their Go and Dapr lines,
code-only workloads are decided on what is known, and bad discovery flags exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
from support import REPO, require_tool, run_cli

SHOP = REPO / "fixtures" / "shop"
COMPOSE = str(SHOP / "docker-compose.yml")


def analyze_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = run_cli(["analyze", *args, "--format", "json", "--fail-on", "never"], capsys)
    assert code == 0, err
    report: dict[str, object] = json.loads(out)
    return report


def test_shop_report_points_at_go_and_dapr_lines(capsys: pytest.CaptureFixture[str]) -> None:
    report = analyze_json(capsys, COMPOSE)
    where = {
        (w["service"], w["name"]): (w["origin"], os.path.abspath(w["location"]["file"]), w["location"]["line"])
        for w in report["workloads"]  # type: ignore[attr-defined]
    }
    assert where == {
        ("pricing-service", "stock-updated"): (
            "go", str(SHOP / "pricing/internal/event/handler.go"), 32
        ),
        ("pricing-service", "price-changed"): (
            "go", str(SHOP / "pricing/internal/event/handler.go"), 35
        ),
        ("pricing-service", "price-sync"): (
            "go", str(SHOP / "pricing/internal/cron/scheduler.go"), 38
        ),
        ("pricing-service", "cache-warmup"): (
            "go", str(SHOP / "pricing/internal/cron/scheduler.go"), 41
        ),
        ("catalog-service", "stock-sync"): ("go", str(SHOP / "catalog/cmd/catalog/main.go"), 40),
        ("catalog-service", "product-price-changed"): (
            "dapr", str(SHOP / "dapr/components/subscription-catalog.yaml"), 9
        ),
        ("warehouse-service", "order-created"): (
            "go", str(SHOP / "warehouse/internal/event/handler.go"), 15
        ),
    }
    verdicts = {(v["service"], v["kind"]): v for v in report["verdicts"]}  # type: ignore[attr-defined]
    # The review's conclusions still hold, and the verdicts point at the code.
    assert {k: (v["decision"], v["priority"]) for k, v in verdicts.items()} == {
        ("pricing-service", "events"): ("separate", "high"),
        ("pricing-service", "cron"): ("separate", "medium"),
        ("catalog-service", "events"): ("inline", "low"),
        ("catalog-service", "cron"): ("separate", "medium"),
        ("warehouse-service", "events"): ("inline", "low"),
    }
    assert verdicts[("catalog-service", "cron")]["location"]["file"].endswith(
        "catalog/cmd/catalog/main.go"
    )


def test_no_discover_keeps_compose_locations(capsys: pytest.CaptureFixture[str]) -> None:
    report = analyze_json(capsys, COMPOSE, "--no-discover")
    files = {w["location"]["file"] for w in report["workloads"]}  # type: ignore[attr-defined]
    assert files == {os.path.relpath(COMPOSE)}  # relative to the working directory


def write_project(root: Path) -> Path:
    (root / "svc" / "cmd" / "svc").mkdir(parents=True)
    (root / "compose.yaml").write_text("services:\n  orders:\n    build: ./svc\n")
    (root / "svc" / "cmd" / "svc" / "main.go").write_text(textwrap.dedent("""\
        package main

        import "time"

        func main() {
        	go func() {
        		for range time.Tick(time.Minute) {
        			syncOrders()
        		}
        	}()
        }
        """))
    return root / "compose.yaml"


def test_code_only_workload_is_insufficient_data_at_its_go_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = write_project(tmp_path)
    report = analyze_json(capsys, str(compose))
    [verdict] = report["verdicts"]  # type: ignore[misc]
    assert (verdict["kind"], verdict["decision"], verdict["workloads"]) == (
        "cron", "insufficient-data", ["sync-orders"]
    )
    assert verdict["location"] == {
        "file": str(tmp_path / "svc" / "cmd" / "svc" / "main.go"), "line": 7, "column": 13
    }
    missing = [e for e in verdict["evidence"] if e["outcome"] == "insufficient-data"]
    assert [e["source"] for e in missing] == ["cron_duration_s_p95"]
    assert any("not in a git repository" in n for n in report["notes"])  # type: ignore[attr-defined]


def test_git_history_fills_deploy_frequency_when_no_metrics_give_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git = require_tool("git")
    write_project(tmp_path)
    subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
    for i in range(3):
        (tmp_path / "svc" / f"f{i}.go").write_text("package svc\n")
        subprocess.run([git, "-C", str(tmp_path), "add", "-A"], check=True)
        subprocess.run(
            [git, "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.com",
             "commit", "-q", "-m", f"c{i}"],
            check=True,
        )
    report = analyze_json(capsys, str(tmp_path / "compose.yaml"), "--since", "3w")
    [verdict] = report["verdicts"]  # type: ignore[misc]
    deploy = next(e for e in verdict["evidence"] if e["criterion"] == "deploy frequency")
    assert deploy["source"] == "deploys_per_week from git"
    assert deploy["value"] == 1.0  # 3 commits in 3 weeks


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "orders"], "expected SERVICE=DIR"),
        (["--source", "nope=."], "no service 'nope'"),
        (["--source", "orders=does-not-exist"], "is not a folder"),
        (["--since", "soon"], "number of days"),
    ],
)
def test_bad_discovery_flags_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compose = write_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, _out, err = run_cli(["analyze", str(compose), *args], capsys)
    assert code == 2
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_source_root_narrows_a_shared_context_to_the_dockerfile_folder(tmp_path: Path) -> None:
    """The review's layout: `context: ..` and `dockerfile: pricing/Dockerfile`."""
    from archcheck.model import Service
    from archcheck.sources.discovery import source_root

    (tmp_path / "pricing").mkdir()
    (tmp_path / "pricing" / "go.mod").write_text("module pricing\n")
    (tmp_path / "deploy").mkdir()
    shared = Service(name="pricing-service", build_context="..", dockerfile="pricing/Dockerfile")
    assert source_root(shared, tmp_path / "deploy") == tmp_path / "deploy" / ".." / "pricing"
    plain = Service(name="catalog", build_context="./catalog", dockerfile="Dockerfile")
    assert source_root(plain, tmp_path) == tmp_path / "catalog"
    assert source_root(Service(name="x", build_context="https://github.com/a/b.git"), tmp_path) is None
