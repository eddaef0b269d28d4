"""SARIF 2.1.0, for GitHub code scanning and every other SARIF viewer.

Findings and verdicts are results; ``tool.driver.rules`` carries each rule's docs; a result's
``partialFingerprints`` survive unrelated edits (see ``archcheck.gate.baseline.fingerprint``);
suppressed items carry a ``suppressions`` entry with the reason; results compared with a
baseline or ``--diff-base`` carry ``baselineState``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from archcheck import __version__, links
from archcheck.model import PRIORITY_RANK, Evidence, Report, RuleDoc
from archcheck.reporters._items import (
    Item,
    display_path,
    display_text,
    doc_url,
    help_markdown,
    help_text,
    report_items,
    rule_docs,
)

PLATFORMS = ("docker-compose", "kubernetes")
"""The tags of a rule that names no platform (a verdict: the matrix reads both)."""
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "archcheck/v1"

_BELOW_FAIL_ON = {0: "none", 1: "note", 2: "warning", 3: "warning"}


def sarif_level(level: int, *, gating: bool) -> str:
    """``error`` for what fails the run (at or above ``--fail-on``), else warning, note, none.

    Code scanning fails a check on ``error`` results, so the level must follow the gate.
    """
    return "error" if gating else _BELOW_FAIL_ON[level]
_VERDICT_KIND = {"separate": "fail", "inline": "pass", "insufficient-data": "review"}
_BASELINE_STATE = {"new": "new", "worse": "updated"}


def _descriptor(doc: RuleDoc, fail_on: str) -> dict[str, Any]:
    gating = fail_on != "never" and doc.level >= PRIORITY_RANK[fail_on]
    descriptor: dict[str, Any] = {
        "id": doc.id,
        "name": doc.name,
        "shortDescription": {"text": doc.what},
        "fullDescription": {"text": doc.what if not doc.why else f"{doc.what} {doc.why}"},
        "help": {"text": help_text(doc), "markdown": help_markdown(doc)},
        "defaultConfiguration": {"level": sarif_level(doc.level, gating=gating)},
        "properties": {"tags": ["architecture", *(doc.platforms or PLATFORMS)]},
    }
    url = doc_url(doc.id, doc.name)
    if url is not None:
        descriptor["helpUri"] = url
    return descriptor


def artifact_uri(file: str) -> str:
    """A SARIF artifact URI: relative to the working directory (the repository root in CI,
    as code scanning expects), else an absolute ``file://`` URI; percent-encoded."""
    path = display_path(file)
    return f"file://{quote(path)}" if path.startswith("/") else quote(path)


def _evidence(evidence: Evidence) -> dict[str, Any]:
    data: dict[str, Any] = evidence.model_dump(mode="json", exclude_none=True)
    if evidence.location is not None:
        data["location"]["file"] = display_path(evidence.location.file)
    if evidence.source is not None:
        data["source"] = display_text(evidence.source)
    return data


def _result(item: Item, rule_index: int, fallback_file: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": item.rule_id,
        "ruleIndex": rule_index,
        "level": sarif_level(item.level, gating=item.gating),
        "message": {"text": item.message},
    }
    if item.verdict is not None:
        result["kind"] = "pass" if item.verdict.met else _VERDICT_KIND[item.verdict.decision]
    location = item.location
    uri = artifact_uri(location.file) if location else fallback_file
    if uri is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
        region = (
            {"startLine": location.line, "startColumn": location.column}
            if location
            else {"startLine": 1}
        )
        physical["region"] = region
        entry: dict[str, Any] = {"physicalLocation": physical}
        if item.service:
            entry["logicalLocations"] = [{"name": item.service, "kind": "module"}]
        result["locations"] = [entry]
    result["partialFingerprints"] = {FINGERPRINT_KEY: item.fingerprint}
    if item.suppression is not None:
        suppression: dict[str, Any] = {
            "kind": "external",
            "status": "accepted",
            "justification": item.suppression.reason,
        }
        if item.suppression.location is not None:
            where = item.suppression.location
            suppression["location"] = {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(where.file)},
                    "region": {"startLine": where.line, "startColumn": where.column},
                }
            }
        result["suppressions"] = [suppression]
    if item.change is not None:
        result["baselineState"] = _BASELINE_STATE[item.change]
    properties: dict[str, Any] = {}
    if item.service:
        properties["service"] = item.service
    if item.verdict is not None:
        verdict = item.verdict
        properties.update(
            decision=verdict.decision,
            priority=verdict.priority,
            workloads=list(verdict.workloads),
            evidence=[_evidence(e) for e in verdict.evidence],
        )
    if properties:
        result["properties"] = properties
    return result


def render(report: Report, *, verbose: bool = False) -> str:
    """The report as a SARIF 2.1.0 log with one run."""
    del verbose  # SARIF always carries everything
    items = report_items(report)
    docs = rule_docs(report, items)
    index = {doc.id: i for i, doc in enumerate(docs)}
    fallback = artifact_uri(report.compose_files[0]) if report.compose_files else None
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "archcheck",
                        "version": report.tool_version or __version__,
                        "informationUri": links.PYPI_URL,
                        "rules": [_descriptor(doc, report.fail_on) for doc in docs],
                    }
                },
                "results": [_result(item, index[item.rule_id], fallback) for item in items],
                "columnKind": "unicodeCodePoints",
                "properties": {
                    "project": report.project,
                    "notes": [display_text(note.text) for note in report.notes],
                },
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
