"""``archcheck analyze`` and ``archcheck baseline`` without typer: arguments in, exit code out.

The typer command (``archcheck.cli.app``) and the start-up fast path (``archcheck.cli.fast``)
both build an ``AnalyzeArgs`` and call ``run_analyze``, so the two paths cannot drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from archcheck.compose.project import ComposeOptions
from archcheck.errors import ExitCode, UsageError
from archcheck.structs import dataclass, field, replace

if TYPE_CHECKING:
    from archcheck.model import Report, System
    from archcheck.sources.live import LiveOptions

FAIL_ON = ("high", "medium", "low", "never")


@dataclass(frozen=True)
class AnalyzeArgs:
    """Everything ``archcheck analyze`` was given."""

    compose: ComposeOptions = field(default_factory=ComposeOptions)
    paths: tuple[Path, ...] = ()
    """The positional arguments: one compose file, or Kubernetes manifests (files, folders, -)."""
    metrics: tuple[Path, ...] = ()
    config_file: Path | None = None
    output_format: str = "text"
    output: tuple[str, ...] = ()
    baseline: Path | None = None
    diff_base: str | None = None
    fail_on: str | None = None
    verbose: bool = False
    example: bool = False
    source: tuple[str, ...] = ()
    dapr_resources: tuple[Path, ...] = ()
    since: str = "90"
    no_discover: bool = False
    live: LiveOptions | None = None
    write_baseline: str | None = None
    """``archcheck baseline``: write the baseline (to this file; empty: the default) instead."""


def progress(message: str) -> None:
    """Chatter for people (progress, notes): stderr, so that stdout stays the report."""
    sys.stderr.write(message + "\n")


def run_analyze(args: AnalyzeArgs) -> int:
    """Analyse, write the reports, and return the exit code the gate decides."""
    from archcheck.cli.outputs import plan_outputs, write_outputs
    from archcheck.gate.baseline import gating
    from archcheck.gate.changes import only_changes
    from archcheck.pipeline import AnalyzeOptions, run_analysis
    from archcheck.reporters import FORMATS, renderer
    from archcheck.sources.discovery import DiscoveryOptions, parse_since, parse_source_option

    if args.fail_on is not None and args.fail_on not in FAIL_ON:
        raise UsageError(f"--fail-on {args.fail_on!r}: use high, medium, low or never")
    plan = plan_outputs(args.output_format, args.output, FORMATS)
    compose, paths = args.compose, args.paths
    if args.example:
        from archcheck.files.bundled import example_dir

        if paths or compose.files:
            raise UsageError("--example analyses the bundled shop: drop the compose file")
        paths = (example_dir() / "docker-compose.yml",)
    manifests = _manifests(paths)
    if paths and not manifests:
        compose = replace(compose, files=(paths[0], *compose.files))
    options = AnalyzeOptions(
        compose=compose,
        manifests=manifests,
        metrics=args.metrics,
        config=args.config_file,
        discovery=DiscoveryOptions(
            sources=parse_source_option(args.source),
            dapr_resources=args.dapr_resources,
            since_days=parse_since(args.since),
            enabled=not args.no_discover,
        ),
        live=args.live,
    )
    system, ruleset, judged = run_analysis(options)
    if args.write_baseline is not None:
        _write_baseline(judged, system, Path(args.write_baseline) if args.write_baseline else None)
        return ExitCode.OK
    report = only_changes(
        judged,
        options=options,
        system=system,
        ruleset=ruleset,
        baseline=args.baseline,
        diff_base=args.diff_base,
    )
    threshold = args.fail_on or ruleset.fail_on or "high"
    report = report.model_copy(update={"fail_on": threshold})

    def render(name: str) -> str:
        if name == "text" and plan[0].path is None and sys.stdout.isatty():
            import shutil

            from archcheck.reporters import text

            width = shutil.get_terminal_size().columns
            return text.render(report, verbose=args.verbose, color=True, width=width)
        return renderer(name)(report, verbose=args.verbose)

    sys.stdout.write(write_outputs(plan, render))
    sys.stdout.flush()
    for written in plan:
        if written.path is not None:
            progress(f"wrote the {written.format} report to {written.path}")
    failing = gating(report, threshold)
    if failing:
        progress(f"{len(failing)} verdict(s)/finding(s) at or above --fail-on {threshold}")
        return ExitCode.FINDINGS
    return ExitCode.OK


def _manifests(paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """``paths`` when they are Kubernetes manifests; () for one compose file. Several paths are
    manifests (as kubectl apply -f takes them): a compose file among them is a usage error."""
    from archcheck.kubernetes import looks_like_manifests

    if len(paths) == 1 and not looks_like_manifests(paths[0]):
        return ()
    for p in paths:
        if not looks_like_manifests(p) and p.is_file():
            raise UsageError(
                f"{p} is not a Kubernetes manifest (no top-level apiVersion and kind), and"
                " several paths are read as manifests: give compose files with -f instead"
            )
    return paths


def _write_baseline(report: Report, system: System, output: Path | None) -> None:
    """Write the baseline of ``report`` (``archcheck baseline``)."""
    from archcheck.files.atomic import write_text_atomic
    from archcheck.gate.baseline import BASELINE_FILE, baseline_of, dump_baseline
    from archcheck.pipeline import compose_dir

    path = output or compose_dir(system) / BASELINE_FILE
    if path.is_absolute() and path.is_relative_to(Path.cwd()):
        path = path.relative_to(Path.cwd())
    baseline = baseline_of(report)
    write_text_atomic(path, dump_baseline(baseline), what="the baseline")
    progress(
        f"wrote {len(baseline.entries)} finding(s) and verdict(s) to {path}; commit it and run "
        f"`archcheck analyze --baseline {path}`"
    )
