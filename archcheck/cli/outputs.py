"""Several reports from one run: ``--format F`` for the main report, ``--output [FORMAT=]FILE``.

``--output FILE`` sends the ``--format`` report to FILE (instead of stdout); each
``--output FORMAT=FILE`` writes one more report in FORMAT, so a CI job prints the text report
and writes SARIF and JUnit in the same run::

    archcheck analyze --output sarif=archcheck.sarif --output junit=archcheck.xml

Files are written only after the analysis has finished, each through a temporary file, so a
failed run never leaves a truncated or empty report behind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from archcheck.errors import UsageError
from archcheck.structs import dataclass

STDOUT = "-"
_FORMAT_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
"""What is taken for a format name before ``=`` (a path has a ``/`` or ``.`` in it)."""


@dataclass(frozen=True)
class Output:
    """One report to write: a format and a file (None for stdout)."""

    format: str
    path: Path | None


def plan_outputs(
    main_format: str, outputs: Sequence[str], formats: Collection[str]
) -> list[Output]:
    """Parse ``--format`` and every ``--output``; the main report first.

    A value is ``FORMAT=FILE`` when the part before the first ``=`` names a format, else a
    file for the main report; ``-`` is stdout.
    """
    if main_format not in formats:
        raise UsageError(f"unknown --format {main_format!r}: use one of {', '.join(formats)}")
    main: Output | None = None
    extra: list[Output] = []
    for value in outputs:
        name, sep, file = value.partition("=")
        if sep and name in formats:
            if not file:
                raise UsageError(f"--output {value}: give a file after '=' (or - for stdout)")
            extra.append(Output(name, None if file == STDOUT else Path(file)))
            continue
        if sep and _FORMAT_LIKE.fullmatch(name):
            hint = f" ({name.lower()!r} is)" if name.lower() in formats else ""
            raise UsageError(
                f"--output {value}: unknown format {name!r}{hint}; use one of "
                f"{', '.join(formats)} (a file whose name has '=' in it: --output ./{value})"
            )
        if not value:
            raise UsageError("--output needs a file, or FORMAT=FILE for an extra report")
        if main is not None:
            raise UsageError(
                f"--output {value}: the {main_format} report already goes to "
                f"{main.path or 'stdout'}; write other formats with --output FORMAT=FILE "
                f"(formats: {', '.join(formats)})"
            )
        main = Output(main_format, None if value == STDOUT else Path(value))
    plan = [main or Output(main_format, None), *extra]
    _check_targets(plan)
    return plan


def _check_targets(plan: list[Output]) -> None:
    seen: dict[Path | None, str] = {}
    for output in plan:
        key = output.path.resolve() if output.path else None
        if key in seen:
            where = output.path or "stdout"
            raise UsageError(
                f"--output: both the {seen[key]} and the {output.format} report would go to "
                f"{where}; give each report its own file"
            )
        seen[key] = output.format


def write_outputs(plan: Sequence[Output], render: Callable[[str], str]) -> str:
    """Render each planned report and write it; return what goes to stdout (maybe nothing).

    ``render(format)`` renders the report in one format. Everything is rendered before the
    first file is written, so a rendering error writes nothing.
    """
    from archcheck.files.atomic import check_target, write_text_atomic

    texts = [(output, render(output.format)) for output in plan]
    for output in plan:  # NOTE: every target checked before the first is written
        if output.path is not None:
            check_target(output.path, f"the {output.format} report")
    stdout: list[str] = []
    for output, text in texts:
        if output.path is None:
            stdout.append(text)
        else:
            write_text_atomic(output.path, text, what=f"the {output.format} report")
    return "".join(stdout)
