"""Benchmark: `archcheck analyze` on a synthetic N-service project with a metrics snapshot,
against the Go reference `docker-compose config` on the same compose file.

    .venv/bin/python bench/analyze/bench_analyze.py            # 250, 500, 1000, 2000 services
    .venv/bin/python bench/analyze/bench_analyze.py 2000 4000  # chosen sizes

The project repeats a shop-like group of 4 services (API with one event topic and one cron job
declared in x-archcheck, its migration, its Dapr sidecar, an event worker), so every rule and
criterion does work. Times are the best of 3 wall-clock runs of the whole process, start-up
included (the reference binary's too). The generator is this file's own: it needs a metrics
snapshot matching the services, which a compose-only generator does not write.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from support import compose_reference_binary


def generate(count: int, folder: Path) -> Path:
    """Write docker-compose.yml (``count`` services) and metrics.yaml into ``folder``."""
    groups = max(1, count // 4)
    lines = ["name: synthetic", "x-archcheck: {environment: production, metrics: metrics.yaml}",
             "services:"]
    metrics = ["version: 1", "window: 7d", "services:"]
    for g in range(groups):
        app = f"app{g:05d}"
        lines += [
            f"  {app}-migration:",
            f"    image: registry.local/{app}:1",
            "    command: [/app/migrate]",
            '    restart: "no"',
            f"  {app}:",
            f"    image: registry.local/{app}:1",
            "    environment: {WORKER_MODE: api, KRATOS_CONF: /app/configs}",
            "    depends_on:",
            f"      {app}-migration: {{condition: service_completed_successfully}}",
            "    deploy: {resources: {limits: {cpus: '1', memory: 512M}}}",
            "    restart: unless-stopped",
            "    x-archcheck:",
            f"      events: [{{topic: {app}.orders.created, name: orders}}]",
            '      cron: [{name: sync, schedule: "*/5 * * * *"}]',
            f"  {app}-dapr:",
            "    image: daprio/daprd:1.14.4",
            f'    command: ["./daprd", "--app-id", "{app}"]',
            f"    network_mode: service:{app}",
            f"  {app}-event-worker:",
            f"    image: registry.local/{app}:1",
            "    environment: {WORKER_MODE: events, WORKER_CONCURRENCY: '4'}",
            "    deploy: {replicas: 2, resources: {limits: {cpus: '1', memory: 256M}}}",
            "    restart: unless-stopped",
        ]
        metrics += [
            f"  {app}:",
            f"    cpu_usage_ratio: {0.1 + (g % 9) / 10:.2f}",
            "    memory_usage_ratio: 0.5",
            "    workloads:",
            (
                f"      orders: {{events_per_minute: {(g * 37) % 3000}, processing_ms_p95: "
                f"{(g * 13) % 200}, retry_rate: 0.001, dead_letter_count: 0, queue_size: 5}}"
            ),
            f"      sync: {{cron_duration_s_p95: {(g * 7) % 120}}}",
        ]
    compose = folder / "docker-compose.yml"
    compose.write_text("\n".join(lines) + "\n")
    (folder / "metrics.yaml").write_text("\n".join(metrics) + "\n")
    return compose


def best_of(argv: list[str], runs: int = 5) -> tuple[float, float]:
    """Best wall-clock seconds and best CPU seconds (user + system) of ``runs`` runs.

    CPU time is reported too because the benchmark machine is shared: wall-clock times of
    both tools swing with the load, CPU times much less.
    """
    best, best_cpu = float("inf"), float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_cpu = min(best_cpu, cpu)
        code = result.returncode
        if code not in (0, 1):
            raise SystemExit(f"{argv[:3]} failed ({code}):\n{result.stderr[-2000:]}")
    return best, best_cpu


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [250, 500, 1000, 2000]
    reference = compose_reference_binary()
    python = str(REPO / ".venv" / "bin" / "python")
    print(f"{'services':>8} {'analyze s':>10} {'cpu s':>7} {'per svc ms':>10} "
          f"{'reference s':>12} {'cpu s':>7} {'wall ratio':>10} {'cpu ratio':>9}")
    for count in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            compose = generate(count, folder)
            ours, ours_cpu = best_of([python, "-m", "archcheck", "analyze", str(compose),
                                  "--no-discover", "--format", "json", "--fail-on", "never"])
            ref = ref_cpu = float("nan")
            if reference is not None:
                ref, ref_cpu = best_of(
                    [str(reference), "-f", str(compose), "config", "--format", "json"]
                )
            print(f"{count:>8} {ours:>10.2f} {ours_cpu:>7.2f} {ours / count * 1000:>10.3f} "
                  f"{ref:>12.2f} {ref_cpu:>7.2f} {ours / ref:>10.2f} {ours_cpu / ref_cpu:>9.2f}")


if __name__ == "__main__":
    main()
