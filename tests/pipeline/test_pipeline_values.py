"""Values the adversarial pass found accepted silently: non-finite or absurd numbers, booleans
for ratios, times and windows that are not, inverted thresholds, a process start at or after
the scrape. Each is now an error at its FILE:LINE:COL (exit 2); the largest accepted values
still give valid JSON and SARIF."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support import REPO, run_cli


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shop = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", shop)
    monkeypatch.chdir(shop)
    return shop


def _snapshot(shop: Path, old: str, new: str) -> None:
    path = shop / "metrics.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("events_per_minute: 1500", "events_per_minute: 1.0e+308", "events_per_minute"),
        ("events_per_minute: 1500", "events_per_minute: 1.0e308", "larger than any real"),
        ("events_per_minute: 1500", "events_per_minute: .inf", "events_per_minute"),
        ("cpu_usage_ratio: 0.55", "cpu_usage_ratio: true", "cpu_usage_ratio"),
        ("window: 7d", "window: forever", "window"),
        ("window: 7d", "window: 7d\ntaken_at: not-a-date", "ISO 8601"),
    ],
)
def test_bad_snapshot_values_are_located_errors(shop, capsys, old, new, fragment):
    _snapshot(shop, old, new)
    code, _, err = run_cli(["analyze", "--format", "json"], capsys)
    assert code == 2, err
    assert "metrics.yaml:" in err and fragment in err


def test_the_largest_values_give_valid_json_and_sarif(shop, capsys):
    path = shop / "metrics.yaml"
    text = path.read_text()
    for number in ("1500", "300", "450", "120", "210"):
        text = text.replace(f": {number}\n", ": 1.0e+15\n")
    path.write_text(text)
    for fmt in ("json", "sarif"):
        code, out, err = run_cli(["analyze", "--format", fmt], capsys)
        assert code in (0, 1), err
        assert "Infinity" not in out and "NaN" not in out
        json.loads(out)


def test_inverted_thresholds_are_a_config_error(shop, capsys):
    (shop / ".archcheck.yaml").write_text("rules:\n  AC001: {params: {inline_max: 5000}}\n")
    code, _, err = run_cli(["analyze"], capsys)
    assert code == 2
    assert ".archcheck.yaml:2:" in err and "inline_max (5000) is above high_above" in err


def test_a_process_start_after_the_scrape_is_an_error(tmp_path, monkeypatch, capsys):
    (tmp_path / "compose.yaml").write_text("services:\n  pricing:\n    image: x\n")
    (tmp_path / "pricing.prom").write_text(
        "process_start_time_seconds 1767225600\n"
        'worker_jobs_total{worker="sync",status="success"} 5 1767225600000\n'
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["analyze", "--metrics", "pricing.prom"], capsys)
    assert code == 2
    assert "pricing.prom:" in err and "process_start_time_seconds" in err


@pytest.mark.parametrize("value", ['"abc"', '"0"', '"-2"', '"1e3"', '" 5"', '"2.5"'])
@pytest.mark.parametrize("form", ["mapping", "list"])
def test_a_worker_concurrency_the_worker_refuses_is_a_located_error(
    tmp_path, monkeypatch, capsys, value, form
):
    """The scaffolded worker (strconv.Atoi, then at least 1) refuses these at start; AC108 must
    not count them as the default concurrency instead."""
    env = (
        f"    environment:\n      WORKER_CONCURRENCY: {value}\n"
        if form == "mapping"
        else f"    environment:\n      - A=1\n      - 'WORKER_CONCURRENCY={value.strip(chr(34))}'\n"
    )
    text = f"services:\n  w:\n    image: x\n    command: [worker, --mode=events]\n{env}"
    (tmp_path / "compose.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["analyze"], capsys)
    assert code == 2, err
    line = 6 if form == "mapping" else 7
    assert err.startswith(f"error: compose.yaml:{line}:") or f"compose.yaml:{line}:" in err, err
    assert "WORKER_CONCURRENCY must be a whole number" in err
    # The value is not echoed (the temporary folder's name may contain its digits).
    message = err.replace("WORKER_CONCURRENCY", "").replace(str(tmp_path), "")
    assert value.strip('" ') not in message or value == '"0"'


def test_a_valid_worker_concurrency_is_read(tmp_path, monkeypatch, capsys):
    text = (
        "services:\n  w:\n    image: x\n    command: [worker, --mode=events]\n"
        "    environment:\n      WORKER_CONCURRENCY: '+12'\n"
    )
    (tmp_path / "compose.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["analyze", "--format", "json"], capsys)
    assert code in (0, 1), err


def test_a_kubernetes_worker_concurrency_is_checked_too(tmp_path, monkeypatch, capsys):
    (tmp_path / "w.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: w\n          image: x\n          env:\n"
        '            - {name: WORKER_CONCURRENCY, value: "many"}\n'
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["analyze", "w.yaml"], capsys)
    assert code == 2
    assert "w.yaml:11:" in err and "WORKER_CONCURRENCY must be a whole number" in err
