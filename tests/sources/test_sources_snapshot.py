"""The metrics snapshot file: units, round trip, schema, and every kind of bad input (with lines)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from support import REPO, run_cli

from archcheck.errors import SourceError
from archcheck.metrics import METRICS, UnitError, known_units, to_canonical
from archcheck.model import Measurement
from archcheck.sources.snapshot import dump_snapshot, load_snapshot, read_snapshot

SHOP = REPO / "fixtures" / "shop"


def write(tmp_path: Path, text: str, name: str = "metrics.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_shop_snapshot_loads_in_canonical_units() -> None:
    found = {(m.service, m.workload, m.metric): m for m in load_snapshot(SHOP / "metrics.yaml")}
    m = found[("pricing-service", "stock-updated", "events_per_minute")]
    assert (m.value, m.unit, m.window) == (1500, "1/min", "7d")
    assert m.location is not None and m.location.file.endswith("metrics.yaml")
    assert found[("pricing-service", None, "memory_usage_ratio")].value == 0.86
    loaded = read_snapshot(SHOP / "metrics.yaml")
    assert loaded.environments["pricing-service"] == "production"


@pytest.mark.parametrize(
    ("metric", "raw", "expected"),
    [
        ("processing_ms_p95", "0.12s", 120.0),
        ("processing_ms_p95", "120ms", 120.0),
        ("processing_ms_p95", "800us", 0.8),
        ("cron_duration_s_p95", "2m", 120.0),
        ("cron_duration_s_p95", "1500ms", 1.5),
        ("events_per_minute", "25/s", 1500.0),
        ("events_per_minute", "120/h", 2.0),
        ("memory_usage_ratio", "86%", 0.86),
        ("memory_bytes", "512Mi", 512 * 1024**2),
        ("memory_bytes", "1GB", 1e9),
        ("cpu_cores", "250m", 0.25),
        ("deploys_per_week", "2/day", 14.0),
        ("queue_size", 7, 7.0),
    ],
)
def test_units_are_converted(metric: str, raw: object, expected: float) -> None:
    assert math.isclose(to_canonical(metric, raw), expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("metric", "raw", "message"),
    [
        ("processing_ms_p95", "120 furlongs", "unknown unit 'furlongs'"),
        ("events_per_minute", "12ms", "unknown unit 'ms'"),
        ("processing_ms_p95", "fast", "expected a number"),
        ("processing_ms_p95", -1, "cannot be negative"),
        ("processing_ms_p95", float("nan"), "finite number"),
        ("processing_ms_p95", float("inf"), "finite number"),
        ("processing_ms_p95", True, "expected a number"),
    ],
)
def test_bad_values_are_rejected(metric: str, raw: object, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        to_canonical(metric, raw)  # type: ignore[arg-type]


def test_every_metric_has_a_unit_and_a_live_source() -> None:
    for name, spec in METRICS.items():
        assert spec.name == name and spec.unit and spec.description and spec.measured_by
        assert known_units(name)


def test_metrics_measured_by_prometheus_are_exactly_the_shipped_queries() -> None:
    shipped = yaml.safe_load((REPO / "rules" / "sources" / "prometheus.yaml").read_text())
    by_prometheus = {name for name, spec in METRICS.items() if "prometheus" in spec.measured_by}
    assert set(shipped["queries"]) == by_prometheus


def test_dump_then_load_round_trips(tmp_path: Path) -> None:
    original = load_snapshot(SHOP / "metrics.yaml")
    text = dump_snapshot(original, source="test", window="7d")
    again = load_snapshot(write(tmp_path, text))

    def key(ms: list[Measurement]) -> dict[tuple[str, str | None, str], float]:
        return {(m.service, m.workload, m.metric): m.value for m in ms}

    assert key(again) == key(original)
    assert yaml.safe_load(text)["version"] == 1


def test_json_snapshot_is_accepted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        json.dumps(
            {"version": 1, "services": {"a": {"workloads": {"t": {"events_per_minute": 5}}}}}
        ),
        "metrics.json",
    )
    [m] = load_snapshot(path)
    assert (m.service, m.workload, m.value) == ("a", "t", 5.0)


BAD = [
    ("version: 1\nservices:\n\ta: {}\n", 3, "not valid YAML"),
    ("services: {}\n", 1, "no 'version'"),
    ("version: 2\nservices: {}\n", 1, "version"),
    ("- 1\n- 2\n", 1, "must be a mapping"),
    ("version: 1\nservices:\n  a:\n    cpu_usage_ratio: .nan\n", 4, "finite number"),
    ("version: 1\nservices:\n  a:\n    cpu_usage_ratio: -0.5\n", 4, "cannot be negative"),
    (
        "version: 1\nservices:\n  a:\n    workloads:\n      t:\n        processing_ms_p95: 3 parsecs\n",
        6,
        "unknown unit 'parsecs'",
    ),
    (
        "version: 1\nservices:\n  a:\n    cpu_usage_ratio: 0.1\n    cpu_usage_ratio: 0.2\n",
        5,
        "duplicate key 'cpu_usage_ratio'",
    ),
    ("version: 1\nservices:\n  a:\n    latency: 5\n", 4, "services.a.latency: unknown key"),
    (
        "version: 1\nservices:\n  a:\n    workloads:\n      t: {cron_duration_s_p95: 1, kind: job}\n",
        5,
        "kind",
    ),
    ("version: 1\nservices:\n  a:\n    environment: prod\n", 4, "environment"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD, ids=[b[2] for b in BAD])
def test_bad_snapshots_name_the_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SourceError, match=message) as caught:
        load_snapshot(path)
    assert caught.value.location is not None
    assert caught.value.location.file == str(path)
    assert caught.value.location.line == line


def test_bad_snapshot_through_the_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nservices:\n  pricing-service:\n    cpu_usage_ratio: -1\n")
    code, out, err = run_cli(
        ["analyze", str(SHOP / "docker-compose.yml"), "--metrics", str(path)], capsys
    )
    assert code == 2 and out == ""
    assert err.startswith(f"error: {path}:4:5: ") and "cannot be negative" in err
    assert "Traceback" not in err


def test_schema_metrics_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["schema", "metrics"], capsys)
    assert code == 0
    schema = json.loads(out)
    assert schema["additionalProperties"] is False
    assert "version" in schema["required"]
    service = schema["$defs"]["ServiceMetrics"]["properties"]
    assert "cpu_usage_ratio" in service and "workloads" in service
    workload = schema["$defs"]["WorkloadMetrics"]["properties"]
    assert "cron_duration_s_p95" in workload and "cpu_usage_ratio" not in workload


def test_schema_validates_the_shop_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    run_cli(["schema", "metrics"], capsys)
    code, out, _ = run_cli(["schema", "metrics"], capsys)
    assert code == 0
    document = yaml.safe_load((SHOP / "metrics.yaml").read_text())
    jsonschema.validate(document, json.loads(out))
    document["services"]["pricing-service"]["latency"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, json.loads(out))


def test_dump_keeps_small_values_and_drops_float_noise(tmp_path: Path) -> None:
    measurements = [
        Measurement(service="api", metric="retry_rate", value=0.0000333, unit="ratio", source="t"),
        Measurement(
            service="api", metric="cpu_usage_ratio", value=0.1 + 0.2, unit="ratio", source="t"
        ),
    ]
    again = {
        m.metric: m.value
        for m in load_snapshot(
            write(tmp_path, dump_snapshot(measurements, source="t", window=None))
        )
    }
    assert again == {"retry_rate": 0.0000333, "cpu_usage_ratio": 0.3}
