"""``--format json``: a versioned envelope around the Report, keys in a stable order.

The envelope (``docs/report-json.md``): ``format``, ``schema_version``, ``tool``, ``summary``,
then the Report's own fields in declaration order. New fields are only ever added. Paths are
relative to the working directory, as in every other format (absolute only outside it).
"""

from __future__ import annotations

import os
from typing import Any

from pydantic_core import to_json

from archcheck.model import Report
from archcheck.reporters import service_summaries
from archcheck.reporters._items import display_path, display_text

FORMAT_NAME = "archcheck.report"
_PATHS = frozenset({"file", "compose_files"})
"""Keys whose strings are paths (``location.file``, the compose files)."""
_VERBATIM = frozenset({"excerpt"})
"""Keys whose strings are the user's file as written (a path in a compose line stays as is)."""


def envelope(report: Report) -> dict[str, Any]:
    """The JSON document as plain data."""
    body: dict[str, Any] = {}
    for key, value in _portable(report.model_dump(mode="json")).items():
        if key == "notes":
            # NOTE: ``notes`` stay the sentences they always were; ``note_details`` (added
            # after them) gives each one's text, service and location, in the same order.
            body["notes"] = [note["text"] for note in value]
            body["note_details"] = value
        else:
            body[key] = value
    findings: dict[str, int] = {"high": 0, "medium": 0, "low": 0}
    for f in report.findings:
        findings[f.severity] += 1
    decisions = {"separate": 0, "inline": 0, "insufficient-data": 0, "met": 0}
    for v in report.verdicts:
        decisions[v.decision] += 1
        decisions["met"] += v.met
    summary = {
        "services": [
            {"service": s.service, "decision": s.decision, "priority": s.priority}
            for s in service_summaries(report)
        ],
        "verdicts": decisions,
        "findings": findings,
    }
    return {
        "format": FORMAT_NAME,
        "schema_version": body.pop("schema_version"),
        "tool": {"name": "archcheck", "version": body.pop("tool_version")},
        "summary": summary,
        **body,
    }


def _portable(value: Any, key: str = "", prefix: str = "") -> Any:
    """``value`` with the paths in it relative to the working directory (absolute outside it).

    Paths in text (a note, an evidence ``source`` such as ``FILE:LINE``) lose the working
    directory's prefix as they do in the text report.
    """
    prefix = prefix or os.getcwd().rstrip(os.sep) + os.sep  # noqa: PTH109
    if isinstance(value, dict):
        return {
            k: _portable(v, k, prefix) if isinstance(v, (dict, list, str)) else v
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_portable(v, key, prefix) for v in value]
    if not isinstance(value, str) or key in _VERBATIM:
        return value
    if key in _PATHS:
        return display_path(value) if os.path.isabs(value) else value  # noqa: PTH117
    return display_text(value) if prefix in value else value


def render(report: Report, *, verbose: bool = False) -> str:
    """The report as indented JSON (evidence is always included)."""
    # NOTE: pydantic-core's serialiser: the stdlib's indenting encoder is pure Python and
    # took a third of a 2,000-service analysis.
    return to_json(envelope(report), indent=2).decode("utf-8") + "\n"
