"""Fuzz, one test per input kind (compose has its own, in tests/compose/test_compose_fuzz.py):
``.env``, metrics snapshots, Prometheus exposition text, ``.archcheck.yaml``, baselines, Dapr
resources, Prometheus API answers and token files. Whatever the bytes, the reader either
returns or raises an ``ArchcheckError`` with a message (printed as ``error: ...``, exit 2); any
other exception is a bug the top-level guard would have to hide.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archcheck.errors import ArchcheckError

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))  # fmt: skip

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(),
    st.text(max_size=12), st.sampled_from(("1e308", "-1", "nan", ".inf", "forever", "not-a-date",
                                            "2026-01-01T00:00:00Z", "7d", "abc", "")),
)  # fmt: skip
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=10), children, max_size=4)),
    max_leaves=25,
)  # fmt: skip


def _shaped(keys: tuple[str, ...]) -> st.SearchStrategy[str]:
    """YAML documents using the input kind's own keys, with arbitrary values."""
    key = st.sampled_from(keys) | st.text(max_size=8)
    tree = st.recursive(
        SCALARS,
        lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(key, c, max_size=5)),
        max_leaves=25,
    )
    return st.dictionaries(key, tree, max_size=6).map(lambda d: json.dumps(d, default=str))


def _raw() -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=300),
                     st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))  # fmt: skip


def _survives(read: Callable[[Path], Any], name: str, content: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        try:
            read(path)
        except ArchcheckError as error:
            assert error.message


def _snapshot(path: Path) -> Any:
    from archcheck.sources.snapshot import read_snapshot

    return read_snapshot(path)


def _exposition(path: Path) -> Any:
    from archcheck.sources.prom_text import load_exposition

    return load_exposition(path)


def _config(path: Path) -> Any:
    from archcheck.engine.config import load_config

    return load_config(path)


def _baseline(path: Path) -> Any:
    from archcheck.gate.baseline import load_baseline

    return load_baseline(path)


def _dotenv(path: Path) -> Any:
    from archcheck.compose.dotenv import read_env_file

    return read_env_file(path, {"X": "1"})


def _dapr(path: Path) -> Any:
    from archcheck.sources.dapr import discover_dapr

    return discover_dapr([(path.parent, ("a",))], [])


SNAPSHOT_KEYS = ("version", "source", "taken_at", "window", "services", "workers", "metrics",
                 "events_per_minute", "cpu_usage_ratio", "p95_ms", "value", "unit")  # fmt: skip
CONFIG_KEYS = ("thresholds", "rules", "severity", "inline_max", "high_above", "disable",
               "environment", "fail_on", "AC001", "AC108")  # fmt: skip
BASELINE_KEYS = ("version", "findings", "verdicts", "rule", "service", "fingerprint")
DAPR_KEYS = ("apiVersion", "kind", "metadata", "name", "spec", "scopes", "topic", "route",
             "routes", "pubsubname", "type")  # fmt: skip

KINDS: dict[str, tuple[Callable[[Path], Any], str, tuple[str, ...]]] = {
    "snapshot": (_snapshot, "metrics.yaml", SNAPSHOT_KEYS),
    "exposition": (_exposition, "pricing.prom", ()),
    "config": (_config, ".archcheck.yaml", CONFIG_KEYS),
    "baseline": (_baseline, ".archcheck-baseline.json", BASELINE_KEYS),
    "dotenv": (_dotenv, ".env", ()),
    "dapr": (_dapr, "subscription.yaml", DAPR_KEYS),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_arbitrary_bytes(kind: str) -> None:
    read, name, _ = KINDS[kind]

    @FUZZ
    @given(_raw())
    def run(content: bytes) -> None:
        _survives(read, name, content)

    run()


@pytest.mark.parametrize("kind", ["snapshot", "config", "baseline", "dapr"])
def test_documents_with_the_kinds_own_keys(kind: str) -> None:
    read, name, keys = KINDS[kind]

    @FUZZ
    @given(_shaped(keys))
    def run(content: str) -> None:
        _survives(read, name, content)

    run()


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(("worker_jobs_total", "worker_queue_size",
                                            "process_start_time_seconds",
                                            "worker_job_duration_seconds_bucket")),
                          st.dictionaries(st.sampled_from(("worker", "status", "le", "service")),
                                          st.text(max_size=5), max_size=3),
                          st.sampled_from(("1", "-1", "NaN", "+Inf", "1e308", "0", "abc"))),
                max_size=6))  # fmt: skip
def test_exposition_samples(samples: list[tuple[str, dict[str, str], str]]) -> None:
    lines = []
    for name, labels, value in samples:
        body = ",".join(f'{k}="{v.replace(chr(92), "").replace(chr(34), "")}"'
                        for k, v in labels.items())  # fmt: skip
        lines.append(f"{name}{{{body}}} {value}\n")
    _survives(_exposition, "pricing.prom", "".join(lines))


@FUZZ
@given(TREES)
def test_prometheus_answers(answer: Any) -> None:
    from archcheck.sources.prom_http import PrometheusClient, PrometheusOptions

    client = PrometheusClient(PrometheusOptions(url="http://127.0.0.1:9", environ={}))
    for body in (answer, {"status": "success", "data": answer},
                 {"status": "success", "data": {"resultType": "vector", "result": answer}}):  # fmt: skip
        try:
            client._vector(client._json(json.dumps(body, default=str).encode(), None), None)
        except ArchcheckError as error:
            assert error.message


@FUZZ
@given(st.text(max_size=60))
def test_token_files(token: str) -> None:
    from archcheck.sources.prom_http import PrometheusClient, PrometheusOptions

    def read(path: Path) -> Any:
        return PrometheusClient(PrometheusOptions(url="http://127.0.0.1:9", token_file=path,
                                                  environ={}))  # fmt: skip

    try:
        _survives(read, "token", token.encode("utf-8", "surrogatepass"))
    except ArchcheckError as error:
        assert token.strip() not in error.message or not token.strip()
