"""Wall time and HTTP request count of the Prometheus source: 5 vs 500 services.

Starts a real Prometheus (Debian's package) backfilled with a 500-service fleet over one hour
(``tests/support.py``), then runs ``collect`` for the first 5 and for all 500 services, counting
requests with the client's own counter. Run: ``.venv/bin/python bench/prometheus/bench_prometheus.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from support import PROM_END, PrometheusServer, fleet_measurements, openmetrics_lines

from archcheck.sources import prometheus


def main(fleet: int = 500, repeats: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        lines = openmetrics_lines(fleet_measurements(fleet), end=PROM_END, span_s=3600, step_s=60)
        server = PrometheusServer(Path(tmp), [lines])
        print(f"backfilled {len(lines)} samples and started in {time.perf_counter() - started:.1f}s")
        try:
            for size in (5, fleet):
                services = [f"fleet-{i:03d}" for i in range(1, size + 1)]
                options = prometheus.PrometheusOptions(url=server.url, at=str(PROM_END), window="1h")
                sent = []
                times = []
                for _ in range(repeats):
                    client_requests = []
                    original = prometheus.PrometheusClient._post

                    def counting(self, *args, _orig=original, _seen=client_requests):  # type: ignore[no-untyped-def]
                        _seen.append(1)
                        return _orig(self, *args)

                    prometheus.PrometheusClient._post = counting  # type: ignore[method-assign]
                    t = time.perf_counter()
                    result = prometheus.collect(options, services=services)
                    times.append(time.perf_counter() - t)
                    prometheus.PrometheusClient._post = original  # type: ignore[method-assign]
                    sent.append(len(client_requests))
                print(
                    f"{size:4d} services: {len(result):5d} measurements, {sent[0]} requests, "
                    f"median {statistics.median(times) * 1000:.0f} ms "
                    f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}) over {repeats} runs"
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
