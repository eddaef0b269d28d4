"""Benchmark: the whole `archcheck analyze` on a large real Go tree, cold and warm, next to
`gofmt -l` over the same files (a Go program that parses every file once).

Usage: .venv/bin/python bench/discovery/bench_analyze_vs_gofmt.py TREE [--main ./cmd/server]

TREE is a checkout of a large Go repository (temporalio/temporal: ~2,900 Go files). With
--main, the service runs that main package (x-archcheck main:) and archcheck reads its import
closure; without, every main package under TREE (--source). "cold" starts from an empty facts
cache, "warm" re-runs on the unchanged tree (the pre-commit / CI re-run case). Each round runs
cold, warm and both gofmt once, in that order.

Each figure is the median of --runs runs (default 5) of CPU time, user+sys of the child and
everything it waited for (``RUSAGE_CHILDREN``: analyze's parsing worker processes and gofmt's
threads included): on a shared, loaded machine wall time measures the neighbours. Wall time is
printed beside it. gofmt gets exactly the files archcheck reads (the main package's import
closure with --main; every buildable file under TREE without), on one command line.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from archcheck.sources.go.modules import closure, load_modules
from archcheck.sources.go.scan import list_go_files

ARCHCHECK = Path(sys.executable).parent / "archcheck"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of ``command``."""
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run(
        command, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return _children_cpu() - cpu, time.perf_counter() - start


def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def gofmt(files: list[Path]) -> list[str]:
    gofmt_bin = shutil.which("gofmt") or "gofmt"
    return [gofmt_bin, "-l", *map(str, files)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tree", type=Path)
    parser.add_argument("--main", default=None, help="main package folder, relative to TREE")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tree = args.tree.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        compose = folder / "compose.yaml"
        analyze = [
            str(ARCHCHECK),
            "analyze",
            str(compose),
            "--format",
            "json",
            "--fail-on",
            "never",
        ]
        if args.main:
            main_dir = tree / args.main
            compose.write_text(
                f"services:\n  app:\n    build: {{context: {tree}}}\n"
                f"    x-archcheck: {{main: {main_dir}}}\n",
                encoding="utf-8",
            )
            files = closure([main_dir], load_modules(main_dir), frozenset()).files
        else:
            compose.write_text(
                f"services:\n  app:\n    build: {{context: {tree}}}\n", encoding="utf-8"
            )
            analyze += ["--source", f"app={tree}"]
            files, _ = list_go_files(tree)
        every = sorted(tree.rglob("*.go"))
        env = dict(os.environ, ARCHCHECK_CACHE_DIR=str(folder / "cache"))
        # An installed archcheck has its bytecode compiled (pip does it); a shell that sets
        # PYTHONDONTWRITEBYTECODE would make every run recompile ~75 modules (~0.5 s).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # Interleaved rounds (cold, warm, gofmt...): a neighbour's load then weighs on every
        # figure alike, and the ratios stay comparable on a shared machine.
        cold, warm, same, whole = [], [], [], []
        for _ in range(args.runs):
            shutil.rmtree(folder / "cache", ignore_errors=True)
            cold.append(timed(analyze, env))
            warm.append(timed(analyze, env))
            same.append(timed(gofmt(files)))
            whole.append(timed(gofmt(every)))
    (cold_s, cold_w), (warm_s, warm_w) = median(cold), median(warm)
    (same_s, same_w), (whole_s, whole_w) = median(same), median(whole)
    print(
        f"tree {tree.name}: {len(every)} .go files; archcheck reads {len(files)}; cpus={os.cpu_count()}"
    )
    print(f"median of {args.runs} runs, CPU user+sys (wall)")
    print(f"gofmt -l, the same {len(files)} files: {same_s:6.2f} s ({same_w:.2f} s)")
    print(f"gofmt -l, all {len(every)} files:      {whole_s:6.2f} s ({whole_w:.2f} s)")
    print(f"analyze cold:  {cold_s:6.2f} s ({cold_w:.2f} s) = {cold_s / same_s:.2f}x gofmt")
    print(f"analyze warm:  {warm_s:6.2f} s ({warm_w:.2f} s) = {warm_s / same_s:.2f}x gofmt")


if __name__ == "__main__":
    main()
