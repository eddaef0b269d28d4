"""The generated worker compiles, vets and passes its own race tests against the real modules.

Real Kratos v2.9.2, Dapr go-sdk, robfig/cron and Prometheus modules from the Go module proxy
(cached by .ci/go-modules); the real google/wire tool checks that wire_gen.go is exactly what
`wire gen` writes. CPU-heavy on two cores: the full compile and race tests run for the main
fixture only; the plain-module variant gets `go build` and `go vet`.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from scaffold_helpers import copy_fixture, go, run_cli
from support import REPO, require_tool

WIRE = "github.com/google/wire/cmd/wire@v0.7.0"


def scaffolded(tmp_path: Path, capsys, monkeypatch, module: str | None = None, *args: str) -> Path:  # type: ignore[no-untyped-def]
    svc = copy_fixture(tmp_path, module=module)
    start = time.perf_counter()
    code, _, err = run_cli(["scaffold", "pricing", *args], svc, capsys, monkeypatch)
    print(f"scaffold: {time.perf_counter() - start:.2f}s")
    assert code == 0, err
    return svc


def timed(label: str, args: list[str], cwd: Path, go_bin: str) -> None:
    start = time.perf_counter()
    go(args, cwd, go_bin)
    print(f"go {label}: {time.perf_counter() - start:.1f}s")


@pytest.mark.slow
def test_main_fixture_builds_vets_and_passes_race_tests(tmp_path, capsys, monkeypatch):
    go_bin = require_tool("go")
    svc = scaffolded(tmp_path, capsys, monkeypatch)
    timed("mod tidy", ["mod", "tidy"], svc, go_bin)
    gomod = (svc / "go.mod").read_text()
    assert "github.com/dapr/go-sdk v1.12.0" in gomod and "github.com/robfig/cron/v3 v3.0.1" in gomod
    assert "\ngo 1.23.6\n" in gomod  # raised by tidy from 1.22: go-sdk v1.12.0 declares it
    unformatted = subprocess.run(
        [require_tool("gofmt"), "-l", "cmd/worker", "internal/worker"],
        cwd=svc,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert unformatted == "", f"generated Go is not gofmt-clean: {unformatted}"
    timed("build", ["build", "./..."], svc, go_bin)
    timed("vet", ["vet", "./..."], svc, go_bin)
    proc = subprocess.run(
        [go_bin, "test", "-race", "-count=1", "-v", "./internal/worker/..."],
        cwd=svc,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in (
        "TestPanicBecomesRetry",
        "TestDrainingAnswersRetryAndStopIsIdempotent",
        "TestStopWaitsForInFlightThenGivesUpAtDeadline",
        "TestStopBeforeStart",
        "TestBadSpecsAreRejectedAtConstruction",
        "TestMetricsRegisteredAndServed",
        "TestBackoffRetriesUntilSuccess",
        "TestRedeliveryOfAHandledEventIsNotHandledAgain",
        "TestAppHealthFailsWhileDraining",
        "TestDeclaredDeadLetterTopicAndEmptySuffix",
        "TestHoldSinkKeepsTheDeadLetterAndCountsItOnce",
        "TestOpsServerStopsAfterTheDrain",
        "TestStopDeadlineCancelsRunningJob",
        "TestJobsLimitsWhatIsScheduled",
        "TestRunJobRunsOneJobOnceThenFinishes",
        "TestRunJobFailureIsStartError",
        "TestRunJobCancelledByStopIsAnErrorNotACleanStop",
        "TestShutdownSidecarPostsUntilTheSidecarAccepts",
        "TestShutdownSidecarWithoutSidecarOrAnswer",
    ):
        assert f"--- PASS: {name}" in proc.stdout, name

    # The binary reads WORKER_MODE and KRATOS_CONF: an unknown mode and a bad config path fail
    # with exit 1 and a message, before any dependency is built.
    binary = svc / "worker-bin"
    go(["build", "-o", str(binary), "./cmd/worker"], svc, go_bin)
    bad_mode = subprocess.run(
        [binary],
        env={"WORKER_MODE": "api"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert bad_mode.returncode == 1 and 'unknown worker mode "api"' in bad_mode.stderr
    no_mode = subprocess.run(  # no WORKER_MODE: refuse rather than run every workload
        [binary], env={}, capture_output=True, text=True, timeout=30, check=False
    )
    assert no_mode.returncode == 1 and "no worker mode" in no_mode.stderr
    bad_conf = subprocess.run(
        [binary, "-mode", "cron"],
        env={"KRATOS_CONF": str(svc / "nope")},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert bad_conf.returncode == 1 and str(svc / "nope") in bad_conf.stderr
    run_one_job_and_shut_the_sidecar_down(binary, svc)

    # wire_gen.go is byte-identical to what the real wire tool generates from wire.go.
    ours = (svc / "cmd/worker/wire_gen.go").read_text()
    (svc / "cmd/worker/wire_gen.go").unlink()
    gopath = subprocess.run([go_bin, "env", "GOPATH"], capture_output=True, text=True, check=True)
    installed = Path(gopath.stdout.strip()) / "bin" / "wire"  # by .ci/go-modules
    start = time.perf_counter()
    if installed.is_file():
        proc = subprocess.run(
            [str(installed), "gen", "./cmd/worker"],
            cwd=svc,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    else:
        go(["run", WIRE, "gen", "./cmd/worker"], svc, go_bin)
    print(f"wire gen: {time.perf_counter() - start:.1f}s")
    assert (svc / "cmd/worker/wire_gen.go").read_text() == ours


def run_one_job_and_shut_the_sidecar_down(binary: Path, svc: Path) -> None:
    """``-mode cron -run-job NAME`` (a Kubernetes CronJob's command): the job runs once against
    the fixture's in-memory data, the worker exits 0 and POSTs /v1.0/shutdown to the sidecar
    (a real HTTP server here) so the Job's pod can complete; an unknown job exits 1, and shuts
    it down too."""
    import http.server
    import threading

    configs = svc / "configs-once"
    shutil.copytree(svc / "configs", configs)
    worker_yaml = configs / "worker.yaml"
    worker_yaml.write_text(worker_yaml.read_text().replace("0.0.0.0:9091", "127.0.0.1:0"))
    calls: list[str] = []

    class Sidecar(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            calls.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    sidecar = http.server.HTTPServer(("127.0.0.1", 0), Sidecar)
    threading.Thread(target=sidecar.serve_forever, daemon=True).start()
    try:
        env = {"DAPR_HTTP_PORT": str(sidecar.server_port), "WORKER_MODE": "cron"}
        once = subprocess.run(
            [binary, "-run-job", "price-sync", "-conf", str(configs)],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )
        assert once.returncode == 0, once.stdout + once.stderr
        assert "synced 2 prices" in once.stdout and calls == ["/v1.0/shutdown"]
        unknown = subprocess.run(
            [binary, "-run-job", "nosuch", "-conf", str(configs)],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )
        assert unknown.returncode == 1 and 'no cron job "nosuch"' in unknown.stderr
        assert calls == ["/v1.0/shutdown"] * 2  # a failed run shuts the sidecar down too
    finally:
        sidecar.shutdown()


@pytest.mark.slow
def test_plain_module_variant_builds_and_vets(tmp_path, capsys, monkeypatch):
    """Module `pricing` as in the review, and the events-only shape of the generated code."""
    go_bin = require_tool("go")
    svc = scaffolded(
        tmp_path, capsys, monkeypatch, "pricing", "--mode", "events", "--event", 'orders.créés "v2"'
    )
    assert not (svc / "internal/worker/cron").exists()
    port = (svc / "internal/worker/event/orders_crees_v2_handler.go").read_text()
    assert (
        "type OrdersCreesV2Port interface" in port
    )  # no biz method: a port, compiled below
    main = (svc / "cmd/worker/main.go").read_text()
    assert '"pricing/internal/worker"' in main and "github.com/acme" not in main
    go(["mod", "tidy"], svc, go_bin)
    timed("build (plain module)", ["build", "./..."], svc, go_bin)
    timed("vet (plain module)", ["vet", "./..."], svc, go_bin)


@pytest.mark.slow
def test_shop_service_without_wire_layers_builds(tmp_path, capsys, monkeypatch):
    """The product demo's pricing has no conf package and no provider sets, scaffolded in the
    cron-only shape: still compiles."""
    go_bin = require_tool("go")
    shop = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", shop)
    code, _, err = run_cli(["scaffold", "pricing", "--mode", "cron"], shop, capsys, monkeypatch)
    assert code == 0, err
    svc = shop / "pricing"
    assert not (svc / "internal/worker/event").exists()
    go(["mod", "tidy"], svc, go_bin)
    timed("build (shop)", ["build", "./..."], svc, go_bin)
    timed("vet (shop)", ["vet", "./..."], svc, go_bin)
