"""Scaffold timings: render + plan of the fixture, the whole CLI, and (with --go) the Go checks.

    .venv/bin/python bench/scaffold/bench_scaffold.py [--go] [--runs N]

Prints wall times; no assertions (tests/ keeps correctness, this keeps the numbers honest).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "fixtures" / "go" / "pricing"
ARCHCHECK = REPO / ".venv" / "bin" / "archcheck"


def timed(label: str, fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    took = time.perf_counter() - start
    print(f"{label:<40} {took:8.3f} s")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--go", action="store_true", help="also time go mod tidy/build/vet/test")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from archcheck.scaffold.gotarget import read_target
    from archcheck.scaffold.render import render
    from archcheck.scaffold.request import CronSpec, EventSpec, ScaffoldRequest

    target = read_target(FIXTURE)
    events = tuple(
        EventSpec(f"topic.{i}", "ApplyStockUpdate" if i == 0 else None) for i in range(20)
    )
    jobs = tuple(
        CronSpec(f"job-{i}", "@every 1m", "SyncPrices" if i == 0 else None) for i in range(20)
    )
    request = ScaffoldRequest(app="pricing", source_dir=FIXTURE, events=events, cron_jobs=jobs)
    render(request, target)  # warm the template cache like a second run would
    best = min(
        timed(f"render 20 topics + 20 jobs (run {i + 1})", lambda: render(request, target))
        for i in range(args.runs)
    )
    print(f"{'render best':<40} {best:8.3f} s")

    with tempfile.TemporaryDirectory() as tmp:
        svc = Path(tmp) / "pricing"
        shutil.copytree(FIXTURE, svc)
        run = lambda: subprocess.run(
            [ARCHCHECK, "scaffold", "pricing"], cwd=svc, check=True, capture_output=True
        )
        timed("archcheck scaffold pricing (first run)", run)
        timed("archcheck scaffold pricing (identical)", run)
        if args.go:
            env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="-mod=mod")
            for cmd in (
                ["mod", "tidy"],
                ["build", "./..."],
                ["vet", "./..."],
                ["test", "-count=1", "-race", "./internal/worker/..."],
            ):
                timed(
                    "go " + " ".join(cmd),
                    lambda cmd=cmd: subprocess.run(
                        ["go", *cmd], cwd=svc, env=env, check=True, capture_output=True
                    ),
                )


if __name__ == "__main__":
    main()
