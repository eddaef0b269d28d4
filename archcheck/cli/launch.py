"""Console-script entry point: ``config``, ``analyze`` and ``rules`` on a fast path, the rest
via typer.

typer, and the pydantic it uses to coerce options, cost about 150 ms before any work starts.
These commands run in CI on every push and are benchmarked against the Go binary of Docker
Compose, so when their options are the plain ones (``archcheck.compose.command``,
``archcheck.cli.fast``) they run without typer. Anything else (``--help``, an unknown option,
another command) goes to the typer app, which gives the usual help and messages.
"""

from __future__ import annotations

import gc
import sys

GC_THRESHOLDS = (10_000, 100, 100)
"""Collect young objects every 10,000 allocations (CPython: 700) and the oldest almost never.

A run builds hundreds of thousands of objects that live until it ends (YAML nodes, parsed
values, models); with CPython's defaults the collector rescans them again and again, which was
45% of ``analyze`` on a 2,000-service project. Short-lived cycles are still collected.
"""


def main(argv: list[str] | None = None) -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["config"]:
        from archcheck.cli.guard import guarded
        from archcheck.compose.command import parse_config_args, run_config

        parsed = parse_config_args(args[1:])
        if parsed is not None:
            with guarded():
                run_config(parsed)
            return
    from archcheck.cli.fast import parse

    command = parse(args)
    if command is not None:
        from archcheck.cli.guard import guarded

        with guarded():
            code = command()
        if code:
            sys.exit(code)
        return
    from archcheck.cli.pydantic_plugins import skip_empty_scan

    skip_empty_scan()  # NOTE: typer coerces option values with pydantic
    from archcheck.cli.app import main as typer_main

    typer_main(args)
