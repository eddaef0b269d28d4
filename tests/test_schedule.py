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


def test_the_grammar_agrees_with_robfig_cron(tmp_path: Path) -> None:
    go = require_tool("go")
    (tmp_path / "main.go").write_text(PROGRAM)
    (tmp_path / "go.mod").write_text("module probe\n\ngo 1.21\n\nrequire github.com/robfig/cron/v3 v3.0.1\n")
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local", "GOWORK": "off",
           "GOPROXY": os.environ.get("GOPROXY", "off")}  # fmt: skip
    subprocess.run([go, "mod", "tidy"], cwd=tmp_path, env=env, check=True, capture_output=True,
                   timeout=300)  # fmt: skip
    proc = subprocess.run([go, "run", "."], cwd=tmp_path, env=env, input=json.dumps(SPECS),
                          capture_output=True, text=True, check=True, timeout=300)  # fmt: skip
    robfig = json.loads(proc.stdout)
    ours = {spec: runs_on_standard_parser(spec) for spec in SPECS}
    assert ours == robfig
    for spec in SPECS:  # what robfig runs is a schedule for every reader
        assert valid_schedule(spec) or not robfig[spec]
