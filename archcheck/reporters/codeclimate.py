"""CodeClimate issues JSON, the format of GitLab's code quality report (``artifacts:reports:codequality``).

GitLab shows these in the merge request widget and diff. What fails the run (at or above
``--fail-on``) is ``critical`` (high) or ``major``; the rest ``minor`` or ``info``. The format has
no notion of suppression, so suppressed items are kept at severity ``info`` with the reason in
the description; verdicts that ask for no change are left out.
"""

from __future__ import annotations

import json
from typing import Any

from archcheck.model import Report
from archcheck.reporters._items import Item, display_path, quiet, report_items, suppressed_text

_FAILING = {1: "major", 2: "major", 3: "critical"}
_BELOW_FAIL_ON = {0: "info", 1: "info", 2: "minor", 3: "minor"}


def _issue(item: Item, fallback_file: str, fingerprint: str) -> dict[str, Any]:
    description = item.message
    severity = _FAILING[item.level] if item.gating else _BELOW_FAIL_ON[item.level]
    if item.suppression is not None:
        description = f"{description} [{suppressed_text(item.suppression)}]"
        severity = "info"
    location = item.location
    return {
        "type": "issue",
        "check_name": item.rule_id,
        "description": description,
        "categories": ["Performance" if item.verdict is not None else "Bug Risk"],
        "severity": severity,
        "fingerprint": fingerprint,
        "location": {
            "path": item.path if item.path is not None else fallback_file,
            "lines": {"begin": location.line if location else 1},
        },
        "engine_name": "archcheck",
    }


def render(report: Report, *, verbose: bool = False) -> str:
    """A JSON array of issues; ``verbose`` also lists verdicts that ask for no change."""
    fallback = (
        display_path(report.compose_files[0]) if report.compose_files else "docker-compose.yml"
    )
    issues = []
    seen: dict[str, int] = {}
    for item in report_items(report):
        if quiet(item) and not verbose:
            continue
        # NOTE: GitLab needs unique fingerprints; identical findings get an occurrence suffix.
        count = seen.get(item.fingerprint, 0)
        seen[item.fingerprint] = count + 1
        fingerprint = item.fingerprint if count == 0 else f"{item.fingerprint}-{count}"
        issues.append(_issue(item, fallback, fingerprint))
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
