"""The Prometheus source against a real Prometheus server (see the ``prometheus_server`` fixture).

The server holds series backfilled from ``fixtures/shop/metrics.yaml`` and a 500-service fleet;
error cases use local servers on 127.0.0.1 that stall or answer errors (``live_http``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from live_http import CannedServer, CountingProxy, StallServer
from support import PROM_END, REPO, PrometheusServer

from archcheck.cli import main
from archcheck.errors import ExitCode, SourceUnreachableError
from archcheck.model import Measurement
from archcheck.sources.prometheus import (
    PrometheusOptions,
    collect,
    load_queries,
)
from archcheck.sources.snapshot import load_snapshot

SHOP = REPO / "fixtures" / "shop"
AT = str(PROM_END)
SECRET = "s3cr3t-token-do-not-print"
NOT_PEM = REPO / "rules" / "sources" / "prometheus.yaml"


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def keyed(measurements: list[Measurement]) -> dict[tuple[str, str | None, str], float]:
    return {(m.service, m.workload, m.metric): m.value for m in measurements}


def shop_kinds() -> dict[tuple[str, str], str]:
    # The shop's compose file declares these (x-archcheck); the analysis passes them the same way.
    return {
        ("pricing-service", "stock-updated"): "events",
        ("pricing-service", "price-changed"): "events",
        ("pricing-service", "price-sync"): "cron",
        ("pricing-service", "cache-warmup"): "cron",
        ("catalog-service", "product-price-changed"): "events",
        ("catalog-service", "stock-sync"): "cron",
        ("warehouse-service", "order-created"): "events",
    }


SHOP_SERVICES = ("pricing-service", "catalog-service", "warehouse-service")


def test_measurements_equal_the_snapshot_they_were_backfilled_from(
    prometheus_server: PrometheusServer,
) -> None:
    snapshot = keyed(load_snapshot(SHOP / "metrics.yaml"))
    live = keyed(
        collect(
            PrometheusOptions(url=prometheus_server.url, at=AT),
            services=SHOP_SERVICES,
            workload_kinds=shop_kinds(),
        )
    )
    queried = {q.metric for q in load_queries().queries}
    expected = {k: v for k, v in snapshot.items() if k[2] in queried}
    assert expected, "the shop snapshot has measurements Prometheus can provide"
    for key, value in expected.items():
        assert key in live, f"{key} missing from Prometheus"
        assert live[key] == pytest.approx(value, rel=1e-6, abs=1e-9), key
    # Kind routing: cron jobs get no per-event measurements, event topics no cron ones.
    assert ("pricing-service", "price-sync", "events_per_minute") not in live
    assert ("pricing-service", "stock-updated", "cron_duration_s_p95") not in live
    # Only the project's services, although the server also holds the 500-service fleet.
    assert {k[0] for k in live} == set(SHOP_SERVICES)


def test_service_label_is_configurable(prometheus_server: PrometheusServer) -> None:
    default = keyed(collect(PrometheusOptions(url=prometheus_server.url, at=AT), services=SHOP_SERVICES))
    cadvisor = keyed(
        collect(
            PrometheusOptions(
                url=prometheus_server.url, at=AT,
                service_label="container_label_com_docker_compose_service",
            ),
            services=SHOP_SERVICES,
        )
    )
    assert cadvisor == default
    assert len(default) > 20


def fleet_compose(tmp_path: Path, count: int) -> Path:
    lines = ["services:"]
    for i in range(1, count + 1):
        lines += [f"  fleet-{i:03d}:", "    image: shop/fleet:latest"]
    path = tmp_path / f"compose-{count}.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_request_count_does_not_grow_with_services(prometheus_server: PrometheusServer) -> None:
    counts = {}
    found = {}
    for size in (5, 500):
        with CountingProxy(prometheus_server.url) as proxy:
            services = [f"fleet-{i:03d}" for i in range(1, size + 1)]
            result = collect(
                PrometheusOptions(url=proxy.url, at=AT, window="1h"), services=services
            )
            counts[size] = len(proxy.requests)
            found[size] = {m.service for m in result}
    assert found[5] == {f"fleet-{i:03d}" for i in range(1, 6)}
    assert len(found[500]) == 500
    assert counts[5] == counts[500] == len(load_queries().queries)


def test_snapshot_command_writes_what_analyze_would_use(
    prometheus_server: PrometheusServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "metrics.yaml"
    code, out, err = run_cli(
        ["metrics", "snapshot", "--prometheus", prometheus_server.url,
         "--at", "2026-01-01T00:00:00Z", "-p", "shop", "-o", str(out_file)],
        capsys,
    )
    assert code == 0, err
    assert out == ""
    assert "prometheus: [1/" in err  # progress goes to stderr
    written = keyed(load_snapshot(out_file))
    live = keyed(collect(PrometheusOptions(url=prometheus_server.url, at=AT)))
    assert written.keys() == live.keys()
    for key, value in live.items():
        assert written[key] == pytest.approx(value, rel=1e-6, abs=1e-6), key  # 6 decimals


def test_token_is_sent_and_never_printed(
    prometheus_server: PrometheusServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARCHCHECK_PROMETHEUS_TOKEN", SECRET)
    with CountingProxy(prometheus_server.url) as proxy:
        code, out, err = run_cli(
            ["metrics", "snapshot", "--prometheus", proxy.url, "--at", AT, "-p", "shop"], capsys
        )
    assert code == 0, err
    assert proxy.requests
    assert all(h.get("Authorization") == f"Bearer {SECRET}" for _, _, h in proxy.requests)
    assert SECRET not in out + err
    # A token file works the same, and a refused token is reported without echoing it.
    monkeypatch.delenv("ARCHCHECK_PROMETHEUS_TOKEN")
    token_file = tmp_path / "token"
    token_file.write_text(SECRET + "\n")
    with CannedServer(401, b'{"status":"error","errorType":"unauthorized","error":"bad token"}') as server:
        code, out, err = run_cli(
            ["metrics", "snapshot", "--prometheus", server.url, "--prometheus-token-file",
             str(token_file), "-p", "shop"],
            capsys,
        )
        assert server.requests[0][2]["Authorization"] == f"Bearer {SECRET}"
    assert code == ExitCode.USAGE
    assert "HTTP 401" in err and "ARCHCHECK_PROMETHEUS_TOKEN" in err
    assert SECRET not in out + err


def test_basic_auth_password_comes_from_the_environment(
    prometheus_server: PrometheusServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import base64

    monkeypatch.setenv("ARCHCHECK_PROMETHEUS_PASSWORD", SECRET)
    with CountingProxy(prometheus_server.url) as proxy:
        code, out, err = run_cli(
            ["metrics", "snapshot", "--prometheus", proxy.url, "--at", AT, "-p", "shop",
             "--prometheus-user", "archcheck"],
            capsys,
        )
    assert code == 0, err
    expected = "Basic " + base64.b64encode(f"archcheck:{SECRET}".encode()).decode()
    assert proxy.requests[0][2]["Authorization"] == expected
    assert SECRET not in out + err


def test_credentials_in_the_url_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(
        ["metrics", "snapshot", "--prometheus", f"http://admin:{SECRET}@127.0.0.1:9/", "-p", "x"],
        capsys,
    )
    assert code == ExitCode.USAGE
    assert "must not hold credentials" in err
    assert SECRET not in err


def test_a_stalled_server_times_out(capsys: pytest.CaptureFixture[str]) -> None:
    with StallServer() as server:
        started = time.monotonic()
        code, _, err = run_cli(
            ["metrics", "snapshot", "--prometheus", server.url, "-p", "shop",
             "--prometheus-timeout", "0.3", "--prometheus-retries", "1"],
            capsys,
        )
    assert code == ExitCode.USAGE
    assert f"cannot reach Prometheus at {server.url}: timed out" in err
    assert "retrying" in err
    assert time.monotonic() - started < 10


def test_a_refused_connection_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    with StallServer() as server:
        url = server.url  # closed on exit: nothing listens there any more
    code, _, err = run_cli(
        ["metrics", "snapshot", "--prometheus", url, "-p", "shop", "--prometheus-retries", "0"],
        capsys,
    )
    assert code == ExitCode.USAGE
    assert err.startswith("error: cannot reach Prometheus at")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("status", "body", "raw", "message", "attempts"),
    [
        (500, b"oops", None, "answered HTTP 500", 3),
        (503, b'{"status":"error","errorType":"unavailable","error":"overloaded"}', None,
         "answered HTTP 503: unavailable: overloaded", 3),
        (404, b"404 page not found", None, "has no /api/v1/query (HTTP 404)", 1),
        (400, b'{"status":"error","errorType":"bad_data","error":"parse error"}', None,
         "rejected the query (HTTP 400): bad_data: parse error", 1),
        (200, b"<html>login</html>", None, "did not answer with a Prometheus API response", 1),
        (200, b'{"status":"success","data":{"resultType":"vector","result":[{"x":1}]}}', None,
         "malformed result", 1),
        (200, b"", b"SSH-2.0-OpenSSH_9.6\r\n", "did not answer with HTTP (got 'SSH-2.0", 1),
    ],
    ids=["500", "503", "404", "400", "html", "bad-vector", "not-http"],
)
def test_error_answers_exit_2_with_a_clear_message(
    status: int, body: bytes, raw: bytes | None, message: str, attempts: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with CannedServer(status, body, raw=raw) as server:
        code, out, err = run_cli(
            ["metrics", "snapshot", "--prometheus", server.url, "-p", "shop",
             "--prometheus-retries", "2"],
            capsys,
        )
        sent = len(server.requests)
    assert code == ExitCode.USAGE
    assert message in err
    assert err.splitlines()[-1].startswith("error: ")
    assert "Traceback" not in err
    assert out == ""
    assert sent == attempts  # retried only what a retry can fix


def test_missing_series_give_no_measurement(
    prometheus_server: PrometheusServer, tmp_path: Path
) -> None:
    override = tmp_path / "queries.yaml"
    override.write_text(
        "version: 1\nqueries:\n"
        "  queue_size:\n    kind: events\n    unit: count\n"
        "    promql: max by ($service_label, $workload_label) (max_over_time(no_such_metric[$window]))\n"
        "  processing_ms_p95:\n    unit: us\n    promql: >-\n"
        "      1e6 * histogram_quantile(0.95, sum by (le, $service_label, $workload_label)\n"
        "      (rate(worker_job_duration_seconds_bucket[$window])))\n"
    )
    result = collect(
        PrometheusOptions(url=prometheus_server.url, at=AT, queries_file=override),
        services=SHOP_SERVICES,
    )
    assert result  # the other queries still answer
    assert not [m for m in result if m.metric == "queue_size"]
    # An override in microseconds is converted to the canonical milliseconds.
    p95 = keyed(result)[("pricing-service", "stock-updated", "processing_ms_p95")]
    assert p95 == pytest.approx(120.0)


def test_a_bad_queries_file_points_at_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    override = tmp_path / "queries.yaml"
    override.write_text("version: 1\nqueries:\n  queue_size:\n    promql: sum(x[$windw])\n")
    code, _, err = run_cli(
        ["metrics", "snapshot", "--prometheus", "http://127.0.0.1:9", "-p", "shop",
         "--prometheus-queries", str(override)],
        capsys,
    )
    assert code == ExitCode.USAGE
    assert f"{override}:4:5: query for queue_size has an unknown or malformed placeholder" in err


def test_a_bad_window_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(
        ["metrics", "snapshot", "--prometheus", "http://127.0.0.1:9", "--window", "7 days",
         "-p", "shop"],
        capsys,
    )
    assert code == ExitCode.USAGE
    assert "--window '7 days' is not a Prometheus duration" in err


def test_series_without_the_service_label_are_an_error(prometheus_server: PrometheusServer) -> None:
    with pytest.raises(Exception, match="without the 'pod' label"):
        collect(PrometheusOptions(url=prometheus_server.url, at=AT, service_label="pod"))


def test_a_non_vector_result_is_an_error() -> None:
    body = json.dumps({"status": "success", "data": {"resultType": "scalar", "result": [1, "2"]}})
    with CannedServer(200, body.encode()) as server, pytest.raises(
        Exception, match="must return an instant vector"
    ) as info:
        collect(PrometheusOptions(url=server.url))
    assert info.value.location is not None  # type: ignore[attr-defined]
    assert info.value.location.file.endswith("prometheus.yaml")  # type: ignore[attr-defined]
    assert not isinstance(info.value, SourceUnreachableError)


def verdicts(report: object) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    return sorted(
        (v.service, v.kind, v.decision, v.priority, tuple(sorted(v.workloads)))
        for v in report.verdicts  # type: ignore[attr-defined]
    )


def test_verdicts_from_prometheus_equal_verdicts_from_the_snapshot(
    prometheus_server: PrometheusServer, tmp_path: Path
) -> None:
    from archcheck.compose import ComposeOptions
    from archcheck.pipeline import AnalyzeOptions, run_analysis
    from archcheck.sources.live import LiveOptions
    from archcheck.sources.snapshot import dump_snapshot

    queried = {q.metric for q in load_queries().queries}
    equivalent = tmp_path / "metrics.yaml"
    equivalent.write_text(
        dump_snapshot(
            [m for m in load_snapshot(SHOP / "metrics.yaml") if m.metric in queried],
            source="test", window="7d",
        )
    )
    compose = ComposeOptions(files=(SHOP / "docker-compose.yml",))
    offline = run_analysis(AnalyzeOptions(compose=compose, metrics=(equivalent,))).report
    live = LiveOptions(prometheus=PrometheusOptions(url=prometheus_server.url, at=AT))
    online = run_analysis(AnalyzeOptions(compose=compose, live=live)).report
    assert verdicts(online) == verdicts(offline)
    decisions = {v[2] for v in verdicts(online)}
    assert {"separate", "inline"} <= decisions  # the data decides something both ways


def test_analyze_on_a_snapshot_equals_analyze_on_the_server(
    prometheus_server: PrometheusServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = str(SHOP / "docker-compose.yml")
    snap = tmp_path / "snap.yaml"
    code, _, err = run_cli(
        ["metrics", "snapshot", compose, "--prometheus", prometheus_server.url, "--at", AT,
         "-o", str(snap)],
        capsys,
    )
    assert code == 0, err
    code_live, out_live, err_live = run_cli(
        ["analyze", compose, "--prometheus", prometheus_server.url, "--at", AT,
         "--format", "json", "--fail-on", "never"],
        capsys,
    )
    code_snap, out_snap, _ = run_cli(
        ["analyze", compose, "--metrics", str(snap), "--format", "json", "--fail-on", "never"],
        capsys,
    )
    assert code_live == code_snap == 0, err_live
    assert "prometheus: [" in err_live
    live, offline = json.loads(out_live), json.loads(out_snap)
    key = ("service", "kind", "decision", "priority", "workloads")
    assert [[v[k] for k in key] for v in live["verdicts"]] == [
        [v[k] for k in key] for v in offline["verdicts"]
    ]
    assert live["verdicts"]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the real openssl."""
    import subprocess

    from support import require_tool

    openssl = require_tool("openssl")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def test_tls_with_a_custom_ca_or_insecure(
    prometheus_server: PrometheusServer,
    certificate: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    cert, _ = certificate
    with CountingProxy(prometheus_server.url, tls=certificate) as proxy:
        assert proxy.url.startswith("https://")
        base = ["metrics", "snapshot", "--prometheus", proxy.url, "--at", AT, "-p", "shop"]
        code, out, err = run_cli(base, capsys)
        assert code == ExitCode.USAGE
        assert f"the TLS certificate of {proxy.url} is not trusted" in err
        assert "--prometheus-ca-file" in err
        assert len(proxy.requests) == 0  # refused before anything was sent, and not retried
        code, out, err = run_cli([*base, "--prometheus-ca-file", str(cert)], capsys)
        assert code == 0, err
        assert "pricing-service" in out
        code, out_insecure, err = run_cli([*base, "--insecure"], capsys)
        assert code == 0, err
        assert out_insecure == out
        code, _, err = run_cli([*base, "--prometheus-ca-file", str(NOT_PEM)], capsys)
        assert code == ExitCode.USAGE
        assert "cannot use --prometheus-ca-file" in err


def test_several_series_per_service_are_an_error(
    prometheus_server: PrometheusServer, tmp_path: Path
) -> None:
    override = tmp_path / "queries.yaml"
    override.write_text(
        "version: 1\nqueries:\n  events_per_minute:\n    unit: 1/s\n"
        "    promql: rate(worker_jobs_total[$window])\n"
    )
    with pytest.raises(Exception, match="returned several series for") as info:
        collect(PrometheusOptions(url=prometheus_server.url, at=AT, queries_file=override))
    assert str(info.value).startswith(f"{override}:5:5: ")
