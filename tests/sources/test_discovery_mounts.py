"""Go dev containers: the code a service runs is bind-mounted, not built into its image (a
reflex/air image, or ``image: golang`` with ``go run``), as in ThreeDotsLabs'
wild-workouts-go-ddd-example. Discovery follows the mount at the working directory (or the
``go run`` package) to the main package, and says so; a mounted folder in another language is
named, and a mounted library folder is not mistaken for a program."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from support import run_cli

TICKER = """\
package main

import (
	"net/http"
	"time"
)

func main() {
	for range time.Tick(15 * time.Minute) {
		syncRates()
	}
}

func syncRates() { _, _ = http.Get("http://rates/sync") }
"""

COMPOSE = """\
services:
  trainer:
    build: {context: docker/app}
    volumes: ["./internal:/internal"]
    working_dir: /internal/trainer
  runner:
    image: golang:1.22
    volumes: ["./internal:/src"]
    working_dir: /src
    command: ["go", "run", "./trainer"]
  web:
    build: {context: docker/web}
    volumes: ["./web:/web"]
    working_dir: /web
  tools:
    build: {context: docker/app}
    volumes: ["./internal:/internal"]
    working_dir: /internal/common
"""


def project(root: Path) -> Path:
    files = {
        "compose.yaml": COMPOSE,
        "docker/app/Dockerfile": 'FROM golang:1.22\nRUN go install github.com/cespare/reflex@v0.3.1\n'
        'ENTRYPOINT ["reflex", "-c", "/reflex.conf"]\n',
        "docker/web/Dockerfile": "FROM node:20\nCMD [\"yarn\", \"start\"]\n",
        "internal/trainer/go.mod": "module example.com/trainer\n\ngo 1.22\n",
        "internal/trainer/main.go": TICKER,
        "internal/common/go.mod": "module example.com/common\n\ngo 1.22\n",
        "internal/common/logs.go": "package common\n\nfunc Init() {}\n",
        "web/package.json": "{}\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root / "compose.yaml"


def test_code_is_followed_through_bind_mounts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    compose = project(tmp_path)
    argv = ["analyze", str(compose), "--format", "json", "--fail-on", "never"]
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    report = json.loads(out)
    found = {(w["service"], w["schedule"], w["location"]["file"], w["location"]["line"])
             for w in report["workloads"]}  # fmt: skip
    assert found == {
        ("trainer", "@every 15m", "internal/trainer/main.go", 9),
        ("runner", "@every 15m", "internal/trainer/main.go", 9),
    }
    notes = {n["service"]: n["text"] for n in report["note_details"] if n["service"]}
    assert notes["trainer"] == (
        "trainer: Go code scanned: main package internal/trainer (1 files, found through the main"
        " package at its working_dir /internal/trainer, through its bind mounts)"
    )
    assert "found through go run in its command, through its bind mounts" in notes["runner"]
    assert notes["web"] == "web: not scanned: JavaScript/TypeScript (Node), not Go"
    assert notes["tools"] == "tools: not scanned: no Go code in its build context"
