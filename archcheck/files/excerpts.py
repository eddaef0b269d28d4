"""The source line under each finding and evidence, as reports show it (secrets masked).

Read once per file after the engine has run, so reporters stay functions of the report. A line
that sets a secret-looking name (``DB_PASSWORD: ...``, ``- API_KEY=...``) shows the name only,
and passwords in URLs are masked, with the same rules as every other output
(``archcheck.redact``).
"""

from __future__ import annotations

import re
from pathlib import Path

from archcheck.files.redact import redact_value
from archcheck.model import Location, Report

MAX_CHARS = 160
"""Longer lines are cut (a minified JSON file would otherwise flood the terminal)."""

_ASSIGNMENT = re.compile(
    r"""^(?P<head>\s*(?:-\s*)?["']?(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[:=]\s*)(?P<value>.*)$"""
)


def with_excerpts(report: Report) -> Report:
    """``report`` with the ``excerpt`` of each located finding and evidence set to its line,
    safe to print. Each file is read once."""
    lines: dict[str, list[str] | None] = {}

    def excerpt(location: Location | None) -> str | None:
        if location is None:
            return None
        if location.file not in lines:
            lines[location.file] = _read_lines(location.file)
        text = lines[location.file]
        if text is None or not 0 < location.line <= len(text):
            return None
        return safe_line(text[location.line - 1])

    findings = tuple(
        f if f.excerpt is not None or f.location is None
        else f.model_copy(update={"excerpt": excerpt(f.location)})
        for f in report.findings
    )  # fmt: skip
    verdicts = tuple(
        v.model_copy(update={"evidence": tuple(
            e if e.excerpt is not None or e.location is None
            else e.model_copy(update={"excerpt": excerpt(e.location)})
            for e in v.evidence
        )})
        if any(e.location is not None and e.excerpt is None for e in v.evidence) else v
        for v in report.verdicts
    )  # fmt: skip
    return report.model_copy(update={"findings": findings, "verdicts": verdicts})


def safe_line(line: str) -> str:
    """``line`` with a secret value hidden, cut to ``MAX_CHARS``."""
    line = line.rstrip("\r\n")
    match = _ASSIGNMENT.match(line)
    if match is not None and match["value"]:
        line = match["head"] + (redact_value(match["name"], match["value"]) or "")
    else:
        line = redact_value("", line) or ""
    return line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 3] + "..."


def _read_lines(file: str) -> list[str] | None:
    from archcheck.errors import ArchcheckError
    from archcheck.files.read import read_text

    try:
        return read_text(Path(file), "file").splitlines()
    except ArchcheckError:
        return None
