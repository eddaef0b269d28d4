"""Benchmark: the CI gate's own work on a large synthetic report, in process.

    .venv/bin/python bench/gate/bench_gate.py             # 1000, 5000, 20000 findings
    .venv/bin/python bench/gate/bench_gate.py 50000       # chosen sizes

For N findings (over N/10 services, each with an events and a cron verdict) it times: the
baseline written from the report, the comparison of a line-shifted report with it (everything
unchanged), suppressions applied (one entry per 50 services), and each CI format rendered.
All steps should grow linearly. Times are the best of 3 runs.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from archcheck.engine.suppress import apply_suppressions
from archcheck.gate.baseline import baseline_of, compare, dump_baseline
from archcheck.model import Finding, Location, Report, Suppression, Verdict
from archcheck.reporters import codeclimate, github, junit, sarif

RULES = ["AC101", "AC103", "AC104", "AC106", "AC107", "AC110"]


def report(count: int, shift: int = 0) -> Report:
    services = max(1, count // 10)
    findings = tuple(
        Finding(
            rule_id=RULES[i % len(RULES)],
            rule_name="synthetic-rule",
            severity=("high", "medium", "low")[i % 3],
            message=f"svc-{i % services} has problem {i} with value {i * 7} at compose.yml:{i + shift}",
            service=f"svc-{i % services}",
            key=f"deploy.k{i // services}",
            location=Location(file="compose.yml", line=1 + i + shift, column=5),
        )
        for i in range(count)
    )
    verdicts = tuple(
        Verdict(
            service=f"svc-{s}",
            kind=kind,
            decision="separate",
            priority="medium",
            summary=f"{s * 13} events/min",
            location=Location(file="compose.yml", line=1 + s + shift),
        )
        for s in range(services)
        for kind in ("events", "cron")
    )
    return Report(
        tool_version="bench",
        project="bench",
        compose_files=("compose.yml",),
        findings=findings,
        verdicts=verdicts,
    )


def best(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(count: int) -> list[float]:
    """Seconds for each step on a report with ``count`` findings."""
    before, after = report(count), report(count, shift=3)
    base = baseline_of(before)
    entries = [Suppression(reason="r", service=f"svc-{s}") for s in range(0, count // 10, 50)]
    compared = compare(after, base, against="b")
    assert compared.findings == () and compared.verdicts == (), "a line shift changed a fingerprint"
    renders = [best(lambda m=m: m.render(after)) for m in (sarif, github, junit, codeclimate)]
    return [
        best(lambda: dump_baseline(baseline_of(before))),
        best(lambda: compare(after, base, against="b")),
        best(lambda: apply_suppressions(after, entries)),
        *renders,
    ]


def main(sizes: list[int]) -> None:
    heads = ("findings", "baseline", "compare", "suppress", "sarif", "github", "junit", "codecl.")
    print(" ".join(f"{h:>9}" for h in heads) + "   (seconds)")
    for count in sizes:
        print(f"{count:>9} " + " ".join(f"{t:>9.3f}" for t in measure(count)))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 5000, 20000])
