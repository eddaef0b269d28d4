"""End to end: the scaffolded workers beside a real Dapr sidecar and a real broker.

Real: daprd 1.14.4 (the version the shop pins), built from the dapr/dapr module by
``.ci/daprd`` and run in self-hosted mode (no placement, no scheduler, no Docker); Debian's
``redis-server`` as the broker behind Dapr's ``pubsub.redis`` component (streams, consumer
groups, redelivery of unacknowledged messages); the worker binary compiled from the scaffold of
``fixtures/go/pricing``, announcing its own subscriptions on ``/dapr/subscribe``; the generated
``dapr/resiliency.yaml``; the sidecar flags the generated compose file gives it (app health
check, graceful shutdown); events published through daprd's HTTP publish API; counts read from
the worker's own ``/metrics`` and, per event, from the use case's log line.

Not real: there are no containers, so compose's stop order and healthchecks are not exercised
(the test sends SIGTERM itself, as ``docker stop`` does); the resiliency policy's ``maxInterval``
is cut from 60s to 2s and the Redis component redelivers after 2s (not 60s), so the test takes
about a minute; the service's data layer is the fixture's in-memory store.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from scaffold_helpers import copy_fixture, go
from support import ON_CI, require_tool

DAPR_VERSION = "1.14.4"
TOPIC = "warehouse.stock.updated"
WORKER = "stock-updated"  # the workload name: the metric label analyze reads back
pytestmark = pytest.mark.slow


def daprd_binary() -> Path:
    """The daprd that .ci/daprd builds (ARCHCHECK_DAPRD overrides where it is)."""
    default = Path.home() / ".cache" / "archcheck-ci" / f"daprd-{DAPR_VERSION}" / "daprd"
    path = Path(os.environ.get("ARCHCHECK_DAPRD", default))
    if not (path.is_file() and os.access(path, os.X_OK)):
        if ON_CI:
            pytest.fail(f"{path} is missing, but .ci/setup builds it (bash .ci/daprd)")
        pytest.skip(f"daprd {DAPR_VERSION} is not built (bash .ci/daprd builds it in ~10 min)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, check: Callable[[], bool], timeout: float = 60) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if check():
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def publish(port: int, payload: dict[str, object]) -> None:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1.0/publish/pubsub/{TOPIC}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 204


def jobs_total(ops_port: int) -> Counter[str]:
    """``worker_jobs_total{worker="stock-updated"}`` by status, from the worker's /metrics."""
    _, body = get(f"http://127.0.0.1:{ops_port}/metrics")
    counts: Counter[str] = Counter()
    for m in re.finditer(r'^worker_jobs_total\{(.*?)\} (\S+)$', body, re.MULTILINE):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m[1]))
        if labels.get("worker") == WORKER:
            counts[labels["status"]] += int(float(m[2]))
    return counts


def handled(log: Path) -> list[int]:
    """The quantities of the stock updates the use case applied, one per handling."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return [int(q) for q in re.findall(r"stock update applied .*?quantity=(\d+)", text)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The scaffolded pricing service with its worker binary built."""
    go_bin = require_tool("go")
    tmp = tmp_path_factory.mktemp("e2e")
    svc = copy_fixture(tmp)
    from archcheck.cli import main

    cwd = Path.cwd()
    os.chdir(svc)
    try:
        with pytest.raises(SystemExit) as exit_info:
            main(["scaffold", "pricing"])
    finally:
        os.chdir(cwd)
    assert exit_info.value.code in (0, None)
    go(["mod", "tidy"], svc, go_bin)
    go(["build", "-o", str(svc / "worker-bin"), "./cmd/worker"], svc, go_bin)
    yield svc


class Stack:
    """redis-server, the worker and its daprd, each a process of this test."""

    def __init__(self, svc: Path, tmp: Path) -> None:
        self.svc, self.tmp = svc, tmp
        self.redis_port, self.app_port, self.ops_port = free_port(), free_port(), free_port()
        self.http_port, self.grpc_port, self.metrics_port = free_port(), free_port(), free_port()
        self.procs: list[subprocess.Popen[bytes]] = []
        self.worker: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start_redis(self) -> None:
        redis = require_tool("redis-server")
        self.procs.append(
            subprocess.Popen(
                [redis, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for("redis", lambda: socket.create_connection(("127.0.0.1", self.redis_port), 1).close() is None)

    def resources(self) -> Path:
        """The pub/sub component plus the generated resiliency policy (maxInterval cut)."""
        folder = self.tmp / "resources"
        folder.mkdir(exist_ok=True)
        (folder / "pubsub.yaml").write_text(
            "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: pubsub}\n"
            "spec:\n  type: pubsub.redis\n  version: v1\n  metadata:\n"
            f"    - {{name: redisHost, value: '127.0.0.1:{self.redis_port}'}}\n"
            "    - {name: redeliverInterval, value: 2s}\n"
            "    - {name: processingTimeout, value: 40s}\n"
        )
        policy = (self.svc / "dapr" / "resiliency.yaml").read_text()
        assert "maxInterval: 60s" in policy and "maxRetries: 12" in policy
        (folder / "resiliency.yaml").write_text(policy.replace("maxInterval: 60s", "maxInterval: 2s"))
        return folder

    def configure_worker(self) -> None:
        base = self.svc / "configs" / "config.yaml"  # a store answering after 100ms
        base.write_text(base.read_text().replace("source: pricing\n", "source: pricing?latency=100ms\n"))
        conf = self.svc / "configs" / "worker.yaml"
        text = conf.read_text()
        text = re.sub(r"ops_addr: \S+", f"ops_addr: 127.0.0.1:{self.ops_port}", text)
        text = re.sub(r"events_addr: \S+", f"events_addr: 127.0.0.1:{self.app_port}", text)
        text = text.replace("initial: 200ms", "initial: 10ms").replace("max: 5s", "max: 20ms")
        conf.write_text(text)

    def start_worker(self) -> Path:
        self.runs += 1
        log = self.tmp / f"worker-{self.runs}.log"
        env = {"PATH": os.environ.get("PATH", ""), "WORKER_MODE": "events",
               "KRATOS_CONF": str(self.svc / "configs")}
        self.worker = subprocess.Popen(
            [str(self.svc / "worker-bin")], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )
        wait_for("the worker's /healthz", lambda: get(f"http://127.0.0.1:{self.ops_port}/healthz")[0] == 200)
        return log

    def start_daprd(self, resources: Path) -> None:
        # The flags the generated compose file gives the sidecar, plus self-hosted ports.
        command = [
            str(daprd_binary()), "--app-id", "pricing-event-worker", "--app-port", str(self.app_port),
            "--app-protocol", "http", "--resources-path", str(resources),
            "--enable-app-health-check", "--app-health-check-path", "/healthz",
            "--app-health-probe-interval", "1", "--app-health-threshold", "1",
            "--dapr-graceful-shutdown-seconds", "35",
            "--dapr-http-port", str(self.http_port), "--dapr-grpc-port", str(self.grpc_port),
            "--metrics-port", str(self.metrics_port), "--dapr-internal-grpc-port", str(free_port()),
            "--placement-host-address", "", "--scheduler-host-address", "", "--log-level", "info",
        ]
        generated = (self.svc / "docker-compose.workers.yml").read_text()
        for flag in ("--enable-app-health-check", "--dapr-graceful-shutdown-seconds\", \"35"):
            assert flag in generated, flag
        log = (self.tmp / "daprd.log").open("wb")
        self.procs.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))

        def subscribed() -> bool:
            _, body = get(f"http://127.0.0.1:{self.http_port}/v1.0/metadata")
            topics = {s["topic"] for s in json.loads(body).get("subscriptions", [])}
            return {TOPIC, TOPIC + ".dlq"} <= topics

        wait_for("daprd to subscribe the worker's topics", subscribed, timeout=90)

    def stop(self) -> None:
        for proc in [p for p in [self.worker, *reversed(self.procs)] if p is not None]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=45)
                except subprocess.TimeoutExpired:
                    proc.kill()


def test_events_poison_and_sigterm_with_a_real_sidecar(built: Path, tmp_path: Path) -> None:
    stack = Stack(built, tmp_path)
    try:
        stack.start_redis()
        stack.configure_worker()
        log1 = stack.start_worker()
        stack.start_daprd(stack.resources())

        # 1. N events, each handled exactly once.
        n = 40
        for i in range(n):
            publish(stack.http_port, {"sku": "sku-1", "product_id": f"p{i}", "quantity": 1000 + i})
        wait_for(f"{n} successes", lambda: jobs_total(stack.ops_port)["success"] >= n)
        time.sleep(2)  # room for a duplicate delivery to show up
        counts = jobs_total(stack.ops_port)
        assert counts["success"] == n and counts["duplicate"] == 0 and counts["retry"] == 0
        assert sorted(handled(log1)) == [1000 + i for i in range(n)]

        # 2. A poison event (its price shard is down: a transient error every time) is retried
        # in process, handed back to Dapr, redelivered under the resiliency policy, then
        # dead-lettered; the worker's own dead-letter subscription sees it arrive.
        publish(stack.http_port, {"sku": "unavailable-1", "product_id": "poison", "quantity": 1})
        took = wait_for("the dead letter", lambda: jobs_total(stack.ops_port)["dead_letter"] >= 1, 120)
        counts = jobs_total(stack.ops_port)
        print(f"poison: {counts['retry']} RETRY answers, dead-lettered after {took:.1f}s")
        assert counts["retry"] == 13  # the first delivery plus maxRetries: 12
        assert counts["dead_letter"] == 1 and counts["success"] == n

        # 3. SIGTERM in the middle of a burst: nothing is lost.
        burst = 150
        for i in range(burst):
            publish(stack.http_port, {"sku": "sku-2", "product_id": f"b{i}", "quantity": 5000 + i})
        wait_for("the burst to start", lambda: jobs_total(stack.ops_port)["success"] >= n + 20)
        in_flight = re.search(r'worker_queue_size\{worker="stock-updated"\} (\S+)', get(f"http://127.0.0.1:{stack.ops_port}/metrics")[1])
        assert stack.worker is not None
        sent = time.monotonic()
        stack.worker.send_signal(signal.SIGTERM)
        code = stack.worker.wait(timeout=60)
        shutdown = time.monotonic() - sent
        assert code == 0, log1.read_text()[-2000:]
        log2 = stack.start_worker()
        want = {5000 + i for i in range(burst)}

        def all_handled() -> bool:
            return want <= set(handled(log1)) | set(handled(log2))

        recovery = wait_for("every burst event handled after the restart", all_handled, 120)
        time.sleep(3)
        first = len([q for q in handled(log1) if q in want])
        seen = Counter(q for q in handled(log1) + handled(log2) if q in want)
        duplicates = sum(c - 1 for c in seen.values())
        lost = len(want - set(seen))
        print(
            f"burst of {burst}: SIGTERM with {in_flight[1] if in_flight else '?'} in flight,"
            f" shutdown {shutdown:.2f}s; {first} handled before, {len(seen) - first} after the"
            f" restart; {duplicates} duplicates, {lost} lost; all handled {recovery:.1f}s after"
            " the restart"
        )
        assert first < burst  # the SIGTERM did land mid-burst
        assert lost == 0
        # Nothing of the burst was dead-lettered: the only dead letter (held on its topic by
        # the default sink, so redelivered to the new worker too) is the poison event.
        held = set(re.findall(r"dead letter held .*?id=(\S+)", log1.read_text() + log2.read_text()))
        assert len(held) == 1, held
    finally:
        stack.stop()
        if os.environ.get("ARCHCHECK_KEEP_E2E"):
            shutil.copytree(tmp_path, Path(os.environ["ARCHCHECK_KEEP_E2E"]), dirs_exist_ok=True)


def test_cron_worker_runs_every_second_and_stops_cleanly_mid_run(built: Path, tmp_path: Path) -> None:
    """The cron worker binary itself: an ``@every 1s`` schedule, then SIGTERM while a run is
    in flight (the fixture's store answers List after 600ms: ``source: pricing?latency=600ms``)."""
    conf = tmp_path / "configs"
    shutil.copytree(built / "configs", conf)
    ops = free_port()
    config = (conf / "config.yaml").read_text()
    (conf / "config.yaml").write_text(re.sub(r"source: \S+", "source: pricing?latency=600ms", config))
    text = (conf / "worker.yaml").read_text()
    text = re.sub(r"ops_addr: \S+", f"ops_addr: 127.0.0.1:{ops}", text)
    text = re.sub(r'"price-sync": "[^"]*"', '"price-sync": "@every 1s"', text)
    (conf / "worker.yaml").write_text(text)
    log = tmp_path / "cron.log"
    proc = subprocess.Popen(
        [str(built / "worker-bin")],
        env={"PATH": os.environ.get("PATH", ""), "WORKER_MODE": "cron", "KRATOS_CONF": str(conf)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        def runs() -> int:
            _, body = get(f"http://127.0.0.1:{ops}/metrics")
            m = re.search(r'worker_jobs_total\{status="success",worker="price-sync"\} (\S+)', body)
            return int(float(m[1])) if m else 0

        def in_flight() -> bool:
            _, body = get(f"http://127.0.0.1:{ops}/metrics")
            return 'worker_queue_size{worker="price-sync"} 1' in body

        wait_for("three runs of price-sync", lambda: runs() >= 3, 30)
        wait_for("a run in flight", in_flight, 10)
        before = runs()
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=40)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    output = log.read_text()
    synced = output.count("synced 2 prices")
    print(f"cron: {synced} runs; SIGTERM mid-run, stopped in {took:.2f}s")
    assert code == 0, output[-2000:]
    assert synced == before + 1  # the run in flight at SIGTERM finished; no new one started
    # clean-up ran after the last run, never under it
    assert output.rindex("closing the data resources") > output.rindex("synced 2 prices")
    assert "cron job failed" not in output and "cancelled at shutdown" not in output
