"""Saved /metrics scrapes (Prometheus exposition text) -> measurements, with the real
prometheus_client parser; the scrapes themselves are checked with Prometheus's own `promtool`."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest
from support import REPO, require_tool, run_cli

from archcheck.errors import SourceError
from archcheck.sources.prom_text import histogram_quantile, load_exposition, load_scrapes

SHOP = REPO / "fixtures" / "shop"
T0 = 1_730_000_000_000  # ms


def scrape(
    success: float, retry: float, dead: float, buckets: tuple[float, float, float], *,
    queue: float = 0, t_ms: int | None = T0, service: str | None = "pricing-service",
    worker: str = "stock-updated", start: float | None = None,
) -> str:
    labels = f'service="{service}",' if service else ""
    stamp = f" {t_ms}" if t_ms is not None else ""
    b1, b2, b3 = buckets
    lines = [
        "# HELP worker_jobs_total Total number of jobs processed",
        "# TYPE worker_jobs_total counter",
        f'worker_jobs_total{{{labels}worker="{worker}",status="success"}} {success}{stamp}',
        f'worker_jobs_total{{{labels}worker="{worker}",status="retry"}} {retry}{stamp}',
        f'worker_jobs_total{{{labels}worker="{worker}",status="dead_letter"}} {dead}{stamp}',
        "# HELP worker_job_duration_seconds Job processing duration",
        "# TYPE worker_job_duration_seconds histogram",
        f'worker_job_duration_seconds_bucket{{{labels}worker="{worker}",le="0.05"}} {b1}{stamp}',
        f'worker_job_duration_seconds_bucket{{{labels}worker="{worker}",le="0.1"}} {b2}{stamp}',
        f'worker_job_duration_seconds_bucket{{{labels}worker="{worker}",le="0.25"}} {b3}{stamp}',
        f'worker_job_duration_seconds_bucket{{{labels}worker="{worker}",le="+Inf"}} {b3}{stamp}',
        f'worker_job_duration_seconds_sum{{{labels}worker="{worker}"}} {b3 * 0.08}{stamp}',
        f'worker_job_duration_seconds_count{{{labels}worker="{worker}"}} {b3}{stamp}',
        "# HELP worker_queue_size Current queue size",
        "# TYPE worker_queue_size gauge",
        f'worker_queue_size{{{labels}worker="{worker}"}} {queue}{stamp}',
    ]
    if start is not None:
        lines += [
            "# HELP process_start_time_seconds Start time of the process.",
            "# TYPE process_start_time_seconds gauge",
            f"process_start_time_seconds{{{labels.rstrip(',')}}} {start}{stamp}",
        ]
    return "\n".join(lines) + "\n"


def pair(tmp_path: Path) -> tuple[Path, Path]:
    before = tmp_path / "before.prom"
    after = tmp_path / "after.prom"
    before.write_text(scrape(1000, 0, 0, (0, 0, 0)))
    # 300 s later: +7200 ok, +300 retried, +12 dead-lettered; 7512 observations
    after.write_text(
        scrape(8200, 300, 12, (1000, 7000, 7512), queue=450, t_ms=T0 + 300_000)
    )
    return before, after


def values(measurements: list) -> dict[tuple[str, str | None, str], float]:  # type: ignore[type-arg]
    return {(m.service, m.workload, m.metric): m.value for m in measurements}


def test_scrapes_are_valid_exposition_text(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    for path in pair(tmp_path):
        result = subprocess.run(
            [promtool, "check", "metrics"], input=path.read_text(), capture_output=True,
            text=True, check=False,
        )
        # exit 0 (clean) or 3 (lint warnings only); 1 would be a parse error
        assert result.returncode in (0, 3), result.stdout + result.stderr
        assert "error while linting" not in result.stdout + result.stderr


def test_two_scrapes_give_rates_over_the_window(tmp_path: Path) -> None:
    before, after = pair(tmp_path)
    found = values(load_scrapes([after, before]).measurements)  # order does not matter
    key = ("pricing-service", "stock-updated")
    assert math.isclose(found[(*key, "events_per_minute")], 7512 / 300 * 60)
    assert math.isclose(found[(*key, "retry_rate")], 300 / 7512, rel_tol=1e-5)
    assert found[(*key, "dead_letter_count")] == 12
    assert found[(*key, "queue_size")] == 450
    # histogram_quantile: p95 rank 7136.4 lies in (0.1, 0.25]: 0.1 + 0.15 * 136.4 / 512
    assert math.isclose(found[(*key, "processing_ms_p95")], 1000 * (0.1 + 0.15 * 136.4 / 512),
                        rel_tol=1e-5)
    assert math.isclose(found[(*key, "processing_ms_p50")], 1000 * (0.05 + 0.05 * 2756 / 6000),
                        rel_tol=1e-5)


def test_single_scrape_uses_process_start_time(tmp_path: Path) -> None:
    path = tmp_path / "pricing-service.prom"
    path.write_text(scrape(5700, 300, 0, (1000, 5000, 6000), t_ms=T0, start=T0 / 1000 - 600))
    found = values(load_scrapes([path]).measurements)
    assert math.isclose(found[("pricing-service", "stock-updated", "events_per_minute")], 600.0)


def test_single_scrape_without_start_time_gives_no_rate(tmp_path: Path) -> None:
    path = tmp_path / "one.prom"
    path.write_text(scrape(5700, 300, 0, (1000, 5000, 6000)))
    exposition = load_scrapes([path])
    found = values(exposition.measurements)
    assert ("pricing-service", "stock-updated", "events_per_minute") not in found
    assert ("pricing-service", "stock-updated", "processing_ms_p95") in found
    assert any("second scrape" in n for n in exposition.notes)


def test_service_from_file_name_when_unlabelled(tmp_path: Path) -> None:
    path = tmp_path / "catalog-service.after.prom"
    path.write_text(scrape(10, 0, 0, (1, 5, 10), service=None, queue=3))
    found = values(load_exposition(path))
    assert found[("catalog-service", "stock-updated", "queue_size")] == 3


def test_cron_workers_give_run_times(tmp_path: Path) -> None:
    path = tmp_path / "s.prom"
    path.write_text(scrape(10, 0, 0, (0, 0, 10), worker="price-sync", start=T0 / 1000 - 60))
    found = values(
        load_scrapes([path], {("pricing-service", "price-sync"): "cron"}).measurements
    )
    assert ("pricing-service", "price-sync", "events_per_minute") not in found
    assert math.isclose(found[("pricing-service", "price-sync", "cron_duration_s_p95")],
                        0.1 + 0.15 * 0.95)


@pytest.mark.parametrize(
    ("counts", "q", "expected"),
    [
        ({0.1: 50.0, 1.0: 100.0, math.inf: 100.0}, 0.5, 0.1),
        ({0.1: 50.0, 1.0: 100.0, math.inf: 100.0}, 0.75, 0.55),
        ({0.1: 0.0, math.inf: 10.0}, 0.5, 0.1),  # beyond the last finite bucket
        ({0.1: 0.0, math.inf: 0.0}, 0.5, None),  # no observations
        ({0.1: 5.0}, 0.5, None),  # no +Inf bucket
    ],
)
def test_histogram_quantile(counts: dict[float, float], q: float, expected: float | None) -> None:
    got = histogram_quantile(q, counts)
    assert got == expected if expected is None else math.isclose(got or -1, expected)


BAD = [
    ('worker_queue_size{worker="a"} 1\nworker_queue_size{worker="a" 2\n', 2, "not valid"),
    ('worker_queue_size{worker="a"} 1\nworker_queue_size{worker="a"} 2\n', 2, "duplicate series"),
    ('# TYPE worker_queue_size gauge\nworker_queue_size{worker="a"} NaN\n', 2, "finite"),
    ('# TYPE worker_queue_size gauge\nworker_queue_size{worker="a"} +Inf\n', 2, "finite"),
    ('# TYPE worker_queue_size gauge\nworker_queue_size{worker="a"} -4\n', 2, "not negative"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD, ids=[b[2] for b in BAD])
def test_bad_scrapes_name_the_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "bad.prom"
    path.write_text(text)
    with pytest.raises(SourceError, match=message) as caught:
        load_exposition(path)
    assert caught.value.location is not None
    assert (caught.value.location.file, caught.value.location.line) == (str(path), line)


def test_scrapes_taken_at_the_same_time_are_an_error(tmp_path: Path) -> None:
    a, b = tmp_path / "a.prom", tmp_path / "b.prom"
    a.write_text(scrape(1, 0, 0, (0, 0, 1)))
    b.write_text(scrape(2, 0, 0, (0, 0, 2)))
    with pytest.raises(SourceError, match="same time"):
        load_scrapes([a, b])


def test_scrapes_override_the_snapshot_in_analyze(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before, after = pair(tmp_path)
    code, out, err = run_cli(
        ["analyze", str(SHOP / "docker-compose.yml"), "--format", "json",
         "--metrics", str(SHOP / "metrics.yaml"), "--metrics", str(before),
         "--metrics", str(after)],
        capsys,
    )
    assert code == 1, err
    doc = json.loads(out)
    [events] = [v for v in doc["verdicts"]
                if v["service"] == "pricing-service" and v["kind"] == "events"]
    p95 = next(e for e in events["evidence"] if e["criterion"] == "processing time")
    assert p95["location"]["file"] == str(after)
    assert any("later input wins" in n and "processing_ms_p95" in n for n in doc["notes"])
