"""The schedule grammar against the real robfig/cron v3 standard parser (the scaffolded worker's
scheduler, compiled from the Go module cache): every spec here is accepted by archcheck exactly
when robfig/cron accepts it, so no scaffolded worker fails at start on its schedule."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from support import require_tool

from archcheck.schedule import runs_on_standard_parser, valid_schedule

SPECS = [
    "0 2 * * *", "*/5 * * * *", "0 9 * * mon-fri", "0 0 1 jan,jul *", "0 0 31 2 *",
    "@every 10m", "@every 1h30m", "@daily", "@hourly", "TZ=Europe/Paris 0 2 * * *",
    "99 99 * * *", "*/0 * * * *", "60 * * * *", "5-1 * * * *", "0 24 * * *", "0 0 0 * *",
    "0 0 * 13 *", "0 0 * * 7", "@every forever", "@every 0.5s", "0 0 L * *", "* * * *",
    "0 */15 * * * *", "@reboot", "1,2,3 * * * *", "*/7 1-5/2 * * *",
]  # fmt: skip

PROGRAM = """package main

import (
\t"encoding/json"
\t"os"

\t"github.com/robfig/cron/v3"
)

func main() {
\tvar specs []string
\t_ = json.NewDecoder(os.Stdin).Decode(&specs)
\tout := map[string]bool{}
\tfor _, s := range specs {
\t\t_, err := cron.ParseStandard(s)
\t\tout[s] = err == nil
\t}
\t_ = json.NewEncoder(os.Stdout).Encode(out)
}
"""


def robfig_answers(folder: Path, program: str, specs: list[str]) -> dict[str, object]:
    """What a Go ``program`` built against the real robfig/cron v3.0.1 prints for ``specs``
    (JSON on stdin and stdout)."""
    go = require_tool("go")
    (folder / "main.go").write_text(program)
    (folder / "go.mod").write_text("module probe\n\ngo 1.21\n\nrequire github.com/robfig/cron/v3 v3.0.1\n")
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local", "GOWORK": "off",
           "GOPROXY": os.environ.get("GOPROXY", "off")}  # fmt: skip
    subprocess.run([go, "mod", "tidy"], cwd=folder, env=env, check=True, capture_output=True,
                   timeout=300)  # fmt: skip
    proc = subprocess.run([go, "run", "."], cwd=folder, env=env, input=json.dumps(specs),
                          capture_output=True, text=True, check=True, timeout=300)  # fmt: skip
    answers: dict[str, object] = json.loads(proc.stdout)
    return answers


def test_the_grammar_agrees_with_robfig_cron(tmp_path: Path) -> None:
    robfig = robfig_answers(tmp_path, PROGRAM, SPECS)
    ours = {spec: runs_on_standard_parser(spec) for spec in SPECS}
    assert ours == robfig
    for spec in SPECS:  # what robfig runs is a schedule for every reader
        assert valid_schedule(spec) or not robfig[spec]


CLUSTER = [
    "*/5 * * * *", "0 2 * * *", "0 9 * * mon-fri", "0,30 8-17 * * *", "0 0 1 * 1", "*/7 1-5/2 * * *",
    "0 0 1 jan,jul *", "@daily", "@weekly", "@hourly", "@monthly", "CRON_TZ=Asia/Ho_Chi_Minh 0 2 * * *",
    "@every 1m", "@every 20m", "@every 1h", "@every 6h", "@every 24h", "@every 2h0m0s",
]  # fmt: skip
NOT_CLUSTER = ["@every 90m", "@every 30s", "@every 7h", "@reboot", "0 */15 * * * *", "0 0 L * *", "nope"]

GAPS = """package main

import (
\t"encoding/json"
\t"os"
\t"time"

\t"github.com/robfig/cron/v3"
)

func main() {
\tvar specs []string
\t_ = json.NewDecoder(os.Stdin).Decode(&specs)
\tout := map[string][2]int{}
\tfor _, s := range specs {
\t\tsched, err := cron.ParseStandard(s)
\t\tif err != nil {
\t\t\tcontinue
\t\t}
\t\tt := sched.Next(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
\t\tlow, high := 1<<30, 0
\t\tfor i := 0; i < 3000; i++ {
\t\t\tn := sched.Next(t)
\t\t\tgap := int(n.Sub(t) / time.Minute)
\t\t\tlow, high = min(low, gap), max(high, gap)
\t\t\tt = n
\t\t}
\t\tout[s] = [2]int{low, high}
\t}
\t_ = json.NewEncoder(os.Stdout).Encode(out)
}
"""


def test_cluster_schedules_and_their_gaps_agree_with_robfig_cron(tmp_path: Path) -> None:
    """Kubernetes validates and runs a CronJob's schedule with robfig/cron's ParseStandard, so
    the real parser checks that each conversion is a valid schedule, that ``shortest_gap_minutes``
    is the shortest gap between its runs, and that an ``@every`` keeps its rate."""
    from archcheck.schedule import ClusterSchedule, kubernetes_schedule, shortest_gap_minutes

    converted = {spec: kubernetes_schedule(spec) for spec in CLUSTER + NOT_CLUSTER}
    for spec in NOT_CLUSTER:
        assert isinstance(converted[spec], str), spec
    plans = {spec: c for spec, c in converted.items() if isinstance(c, ClusterSchedule)}
    assert set(plans) == set(CLUSTER)
    assert plans["CRON_TZ=Asia/Ho_Chi_Minh 0 2 * * *"] == ClusterSchedule("0 2 * * *", "Asia/Ho_Chi_Minh")
    asked = sorted({c.schedule for c in plans.values()} | {s for s in CLUSTER if s.startswith("@every")})
    robfig = robfig_answers(tmp_path, GAPS, asked)
    for spec, plan in plans.items():
        assert plan.schedule in robfig, f"{spec} -> {plan.schedule} is no schedule for Kubernetes"
        assert shortest_gap_minutes(plan.schedule) == robfig[plan.schedule][0], spec
        assert plan.realigned == spec.startswith("@every")
        if plan.realigned:  # the same rate: every gap of the conversion is the @every delay
            assert robfig[plan.schedule] == robfig[spec], spec
