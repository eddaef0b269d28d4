"""Benchmark: `archcheck analyze` with a metrics snapshot against the Go reference
`docker-compose config` on the same compose files, at several project sizes.

    .venv/bin/python bench/analyze/bench_analyze.py            # 250, 500, 1000, 2000 services
    .venv/bin/python bench/analyze/bench_analyze.py 2000 4000  # chosen sizes
    .venv/bin/python bench/analyze/bench_analyze.py --runs 3 --no-shop 2000

Two scenarios:

- ``compose``: the project written by bench/compose/generate.py (anchors and merge keys,
  interpolation, an override file, ``extends`` from the same and another file), plus a snapshot
  giving every ``svc-N`` cpu/memory ratios and two workloads (``orders``, ``sync``). This is the
  one issue 3 sets the goal on: analyze must take less wall time than the reference.
- ``shop``: a shop-like group of 4 services (API with an event topic and a cron job declared in
  x-archcheck, its migration, its Dapr sidecar, an event worker) repeated, so every rule and
  criterion does work.

Times are the best of N runs of the whole process, start-up included (the reference binary's
too). CPU time is printed as well: the machine is shared, and CPU times swing less than wall.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench" / "compose"))

from generate import generate as generate_compose
from support import compose_reference_binary


def _service_metrics(name: str, i: int) -> list[str]:
    """The snapshot lines of one service: ratios and an event and a cron workload."""
    return [
        f"  {name}:",
        f"    cpu_usage_ratio: {0.1 + (i % 9) / 10:.2f}",
        "    memory_usage_ratio: 0.5",
        "    workloads:",
        (
            f"      orders: {{events_per_minute: {(i * 37) % 3000}, processing_ms_p95: "
            f"{(i * 13) % 200}, retry_rate: 0.001, dead_letter_count: 0, queue_size: 5}}"
        ),
        f"      sync: {{cron_duration_s_p95: {(i * 7) % 120}}}",
    ]


def write_snapshot(folder: Path, names: list[str]) -> Path:
    """Write metrics.yaml for ``names`` (in order) into ``folder``."""
    lines = ["version: 1", "window: 7d", "services:"]
    for i, name in enumerate(names):
        lines += _service_metrics(name, i)
    path = folder / "metrics.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def compose_scenario(count: int, folder: Path) -> tuple[list[Path], Path]:
    """bench/compose's project with ``count`` services, plus a snapshot for each ``svc-N``."""
    files = generate_compose(folder, count)
    return files, write_snapshot(folder, [f"svc-{i}" for i in range(count)])


def shop_scenario(count: int, folder: Path) -> tuple[list[Path], Path]:
    """``count // 4`` shop-like groups of 4 services; the snapshot covers every API."""
    groups = max(1, count // 4)
    lines = ["name: synthetic", "x-archcheck: {environment: production}", "services:"]
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
    compose = folder / "docker-compose.yml"
    compose.write_text("\n".join(lines) + "\n")
    return [compose], write_snapshot(folder, [f"app{g:05d}" for g in range(groups)])


SCENARIOS: dict[str, Callable[[int, Path], tuple[list[Path], Path]]] = {
    "compose": compose_scenario,
    "shop": shop_scenario,
}


def best_of(argv: list[str], runs: int, cwd: Path) -> tuple[float, float]:
    """Best wall-clock seconds and best CPU seconds (user + system) of ``runs`` runs."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=cwd)
        best = min(best, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_cpu = min(best_cpu, cpu)
        if result.returncode not in (0, 1):
            raise SystemExit(f"{argv[:3]} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return best, best_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", type=int, nargs="*", default=[250, 500, 1000, 2000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shop", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    reference = compose_reference_binary()
    python = str(REPO / ".venv" / "bin" / "python")
    print(f"{'scenario':<8} {'services':>8} {'analyze s':>10} {'cpu s':>7} {'per svc ms':>10} "
          f"{'reference s':>12} {'cpu s':>7} {'wall ratio':>10} {'cpu ratio':>9}")  # fmt: skip
    for scenario, write in SCENARIOS.items():
        if scenario == "shop" and not args.shop:
            continue
        for count in args.sizes:
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                files, metrics = write(count, folder)
                flags = [arg for f in files for arg in ("-f", str(f))]
                argv = [python, "-m", "archcheck", "analyze", *flags, "--metrics", str(metrics),
                        "--no-discover", "--format", "json", "--fail-on", "never"]  # fmt: skip
                ours, ours_cpu = best_of(argv, args.runs, folder)
                ref = ref_cpu = float("nan")
                if reference is not None:
                    ref, ref_cpu = best_of(
                        [str(reference), *flags, "config", "--format", "json"], args.runs, folder
                    )
                print(f"{scenario:<8} {count:>8} {ours:>10.2f} {ours_cpu:>7.2f} "
                      f"{ours / count * 1000:>10.3f} {ref:>12.2f} {ref_cpu:>7.2f} "
                      f"{ours / ref:>10.2f} {ours_cpu / ref_cpu:>9.2f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
