"""Every hygiene rule fires on its defect and stays quiet on the fix: one case file per rule in
``cases/`` (named like the rule file, ``AC103-container-name-with-replicas.yaml``), run through
the real compose loader, snapshot reader and engine. ``pytest -k AC103`` runs one rule's case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from support import REPO

from archcheck.compose import ComposeOptions
from archcheck.engine import evaluate, load_ruleset
from archcheck.engine.ruleset import Ruleset
from archcheck.model import Finding
from archcheck.pipeline import AnalyzeOptions, build_system

CASES = Path(__file__).parent / "cases"


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset()


INPUT_FILES = {"compose": "docker-compose.yml", "kubernetes": "k8s.yaml"}
"""A case's ``input``: a compose file (the default) or Kubernetes manifests (AC2xx)."""


def findings(
    tmp_path: Path,
    ruleset: Ruleset,
    text: str,
    rule: str,
    metrics: str | None = None,
    kind: str = "compose",
) -> list[Finding]:
    path = tmp_path / INPUT_FILES[kind]
    path.write_text(text)
    if metrics is not None:
        (tmp_path / "metrics.yaml").write_text(metrics)
    if kind == "kubernetes":
        options = AnalyzeOptions(manifests=(path,))
    else:
        options = AnalyzeOptions(compose=ComposeOptions(files=(path,)))
    system = build_system(options)
    return [f for f in evaluate(system, ruleset).findings if f.rule_id == rule]


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _case(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return case


CASE_FILES = sorted(CASES.glob("AC*.yaml"))


def test_every_hygiene_rule_has_a_case_named_like_its_rule_file() -> None:
    hygiene = {
        p.stem for p in (REPO / "rules").glob("AC*.yaml")
        if yaml.safe_load(p.read_text(encoding="utf-8")).get("severity") is not None
    }  # fmt: skip
    assert {p.stem for p in CASE_FILES} == hygiene


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem.split("-")[0] for p in CASE_FILES])
def test_hygiene_rule_fires_on_defect_only(tmp_path: Path, ruleset: Ruleset, path: Path) -> None:
    rule = path.stem.split("-")[0]
    case = _case(path)
    kind = case.get("input", "compose")
    hits = findings(tmp_path, ruleset, case["bad"], rule, case.get("metrics"), kind)
    assert len(hits) == 1, hits
    input_file = tmp_path / INPUT_FILES[kind]
    assert hits[0].location is not None and hits[0].location.file == str(input_file)
    assert hits[0].location.line == line_of(input_file, case["marker"]), hits[0]
    assert hits[0].severity == ruleset.by_id[rule].severity
    assert findings(tmp_path, ruleset, case["good"], rule, case.get("metrics"), kind) == []


CAPACITY = """
x-archcheck: {{metrics: m.yaml}}
services:
  app:
    build: .
    environment: [WORKER_MODE=api]
    x-archcheck:
      events: [{{topic: orders}}]
  app-event-worker:
    build: .
    environment: [WORKER_MODE=events, WORKER_CONCURRENCY={concurrency}]
    deploy: {{replicas: {replicas}, resources: {{limits: {{memory: 256M}}}}}}
    restart: unless-stopped
"""


@pytest.mark.parametrize(
    ("rate", "replicas", "concurrency", "fires"),
    # 600/min = 10/s x 0.2 s = exactly 2 handlers needed; 601/min needs just over 2
    [(600, 1, 1, True), (600, 1, 2, False), (600, 2, 1, False), (601, 1, 2, True),
     (601, 2, 1, True), (601, 1, 3, False)],
)
def test_little_law_capacity(
    tmp_path: Path, ruleset: Ruleset, rate: int, replicas: int, concurrency: int, fires: bool
) -> None:
    (tmp_path / "m.yaml").write_text(
        "version: 1\nservices:\n  app:\n    workloads:\n"
        f"      orders: {{events_per_minute: {rate}, processing_ms_p95: 200}}\n"
    )
    hits = findings(
        tmp_path, ruleset, CAPACITY.format(replicas=replicas, concurrency=concurrency), "AC108"
    )
    assert bool(hits) is fires
    if fires and rate == 600:
        assert hits[0].evidence["needed"] == 2.0 and hits[0].evidence["available"] == 1




def test_the_recommended_concurrency_is_one_ac108_accepts(tmp_path: Path, ruleset: Ruleset) -> None:
    """The report's capacity (what the scaffold generates) and AC108 use one model: a worker
    running the recommendation passes, one below the need fails."""
    (tmp_path / "m.yaml").write_text(
        "version: 1\nservices:\n  app:\n    workloads:\n"
        "      orders: {events_per_minute: 20000, processing_ms_p95: 120}\n"
    )
    path = tmp_path / "docker-compose.yml"
    path.write_text(CAPACITY.format(replicas=1, concurrency=1))
    system = build_system(AnalyzeOptions(compose=ComposeOptions(files=(path,))))
    (capacity,) = evaluate(system, ruleset).capacity
    assert capacity.service == "app" and capacity.needed == pytest.approx(40.0)
    assert capacity.recommended_concurrency == 80  # 40 needed x headroom 2
    ok = CAPACITY.format(replicas=1, concurrency=capacity.recommended_concurrency)
    assert findings(tmp_path, ruleset, ok, "AC108") == []
    assert findings(tmp_path, ruleset, CAPACITY.format(replicas=1, concurrency=39), "AC108")
