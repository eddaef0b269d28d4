"""Benchmark: the HTML report of the synthetic shop-like project (bench/analyze's ``shop``
scenario: groups of API, migration, Dapr sidecar and event worker) at several sizes.

    .venv/bin/python bench/html/bench_html.py              # 250, 500, 1000, 2000 services
    .venv/bin/python bench/html/bench_html.py 2000 --runs 5
    .venv/bin/python bench/html/bench_html.py --no-browser

For each size: the analysis (in process), ``html.render`` alone (median of N), the page's size,
and with Chromium on PATH the page opened from disk in headless Chromium (tests/browser.py):
wall time to the load event, and the renderer's own busy time (DevTools ``TaskDuration``: script,
style, layout, paint), which swings less than wall time on a shared machine; both the median
of N (default 5) fresh browsers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench" / "analyze"))

from bench_analyze import shop_scenario
from browser import chromium, chromium_path

from archcheck.compose import ComposeOptions
from archcheck.pipeline import AnalyzeOptions, run_analysis
from archcheck.reporters import html
from archcheck.sources.discovery import DiscoveryOptions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", type=int, nargs="*", default=[250, 500, 1000, 2000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--browser", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    executable = chromium_path() if args.browser else None
    print(f"{'services':>8} {'points':>6} {'analyze s':>9} {'render s':>8} {'MB':>5} "
          f"{'load s':>7} {'busy s':>7}")  # fmt: skip
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (compose,), snapshot = shop_scenario(size, folder)
            options = AnalyzeOptions(
                compose=ComposeOptions(files=(compose,), cwd=folder),
                metrics=(snapshot,),
                discovery=DiscoveryOptions(enabled=False),
            )
            start = time.perf_counter()
            report = run_analysis(options).report
            analyze_s = time.perf_counter() - start
            renders: list[float] = []
            for _ in range(args.runs):
                start = time.perf_counter()
                page = html.render(report)
                renders.append(time.perf_counter() - start)
            render_s = statistics.median(renders)
            path = folder / "review.html"
            path.write_text(page, encoding="utf-8")
            points = page.count('<g class="pt ')
            load, busy = "-", "-"
            if executable is not None:
                loads: list[float] = []
                busys: list[float] = []
                for _ in range(args.runs):
                    with chromium(executable) as tab:
                        tab.send("Performance.enable")
                        seconds = tab.open(path, timeout=600)
                        metrics = {
                            m["name"]: m["value"]
                            for m in tab.send("Performance.getMetrics")["metrics"]
                        }
                        loads.append(seconds)
                        busys.append(metrics["TaskDuration"])
                load = f"{statistics.median(loads):.2f}"
                busy = f"{statistics.median(busys):.2f}"
            print(f"{size:>8} {points:>6} {analyze_s:>9.2f} {render_s:>8.3f} "
                  f"{len(page.encode()) / 1e6:>5.1f} {load:>7} {busy:>7}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
