"""Paths relative to the working directory in every format (issue 17), absolute only outside it.

A small compose project in ``deploy/`` is analysed by its absolute path through the real CLI;
its verdict's evidence comes from a declaration (``FILE:LINE`` source), a worker nobody owns
gives a located note and a finding, so every place a path can appear is filled.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
from support import run_cli

from archcheck.reporters import FORMATS
from archcheck.reporters import json as json_format
from archcheck.reporters._items import display_path, display_text

COMPOSE = """
services:
  orders:
    build: .
    x-archcheck:
      events:
        - {topic: order.created, retry_needed: true, dead_letter_needed: false}
  nightly-worker:
    image: acme/batch:2
    environment: [WORKER_MODE=cron]
    x-archcheck:
      cron: [{name: invoices, schedule: "0 1 * * *"}]
"""
METRICS = """
version: 1
services:
  orders:
    cpu_usage_ratio: 0.1
    memory_usage_ratio: 0.1
    workloads:
      order.created: {events_per_minute: 20, processing_ms_p95: 10, queue_size: 0}
"""


def _project(root: Path) -> Path:
    deploy = root / "deploy"
    deploy.mkdir(parents=True)
    (deploy / "metrics.yaml").write_text(textwrap.dedent(METRICS).lstrip())
    compose = deploy / "docker-compose.yml"
    compose.write_text(textwrap.dedent(COMPOSE).lstrip())
    return compose


def _analyze(capsys: pytest.CaptureFixture[str], compose: Path, *args: str) -> str:
    code, out, err = run_cli(
        ["analyze", str(compose), "--no-discover", "--fail-on", "never", "-v", *args], capsys
    )
    assert code == 0, err
    return out


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_names_files_relative_to_the_working_directory(
    name: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compose = _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = _analyze(capsys, compose, "--format", name)
    assert str(tmp_path) not in out
    assert "deploy/docker-compose.yml" in out


def _walk(value: Any, key: str = "") -> list[tuple[str, str]]:
    """Every (key, string) in a JSON document."""
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _walk(v, k)]
    if isinstance(value, list):
        return [pair for v in value for pair in _walk(v, key)]
    return [(key, value)] if isinstance(value, str) else []


def test_json_locations_sources_and_notes_are_relative(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compose = _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    doc = json.loads(_analyze(capsys, compose, "--format", "json"))
    rel = "deploy/docker-compose.yml"
    assert doc["compose_files"] == [rel]
    [verdict] = doc["verdicts"]
    assert verdict["location"]["file"] == rel
    [retry] = [e for e in verdict["evidence"] if e["unit"] == "declaration"]
    line = _line(compose, "retry_needed: true")
    assert retry["source"] == f"{rel}:{line}"
    assert (retry["location"]["file"], retry["location"]["line"]) == (rel, line)
    measured = [e for e in verdict["evidence"] if e["location"] and e["source"] != retry["source"]]
    assert {e["location"]["file"] for e in measured} == {"deploy/metrics.yaml"}
    [note] = [n for n in doc["notes"] if "nightly-worker" in n]
    assert note.startswith(f"{rel}:{_line(compose, 'nightly-worker:')}:")
    [detail] = [n for n in doc["note_details"] if n["text"] == note]
    assert detail["location"]["file"] == rel
    assert {o["location"]["file"] for o in doc["ownership"]} == {rel}
    assert {f["location"]["file"] for f in doc["findings"]} == {rel}
    files = [v for k, v in _walk(doc) if k == "file"]
    assert files and all(not os.path.isabs(f) for f in files)


def test_json_keeps_absolute_paths_outside_the_working_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compose = _project(tmp_path / "project")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    doc = json.loads(_analyze(capsys, compose, "--format", "json"))
    assert doc["compose_files"] == [str(compose)]
    [verdict] = doc["verdicts"]
    assert verdict["location"]["file"] == str(compose)
    assert any(e["source"] == f"{compose}:{_line(compose, 'retry_needed')}"
               for e in verdict["evidence"])  # fmt: skip


def test_a_path_through_a_symlinked_folder_is_relative_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path / "link")  # the working directory is the real folder
    assert display_path(str(tmp_path / "link" / "c.yml")) == "c.yml"
    assert display_path(str(tmp_path / "real" / "c.yml")) == "c.yml"
    assert display_path("/elsewhere/c.yml") == "/elsewhere/c.yml"


def test_text_loses_the_prefix_only_where_a_path_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cwd = os.getcwd()
    text = f"{cwd}/a.yml:3, ({cwd}/b.yml) and /mnt{cwd}/c.yml, {cwd}-old/d.yml"
    assert display_text(text) == f"a.yml:3, (b.yml) and /mnt{cwd}/c.yml, {cwd}-old/d.yml"
    # The working directory itself (a main package at the project root) reads as '.'.
    assert display_text(f"main package {cwd} (9 files), {cwd}.bak") == (
        f"main package . (9 files), {cwd}.bak"
    )


def test_json_excerpts_stay_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An excerpt is the user's line: a path in it (a bind mount) is not rewritten."""
    monkeypatch.chdir(tmp_path)
    cwd = os.getcwd()
    data = {"excerpt": f"- {cwd}/data:/data", "source": f"{cwd}/m.yaml:2", "file": f"{cwd}/c.yml"}
    assert json_format._portable(data) == {
        "excerpt": f"- {cwd}/data:/data", "source": "m.yaml:2", "file": "c.yml"
    }
