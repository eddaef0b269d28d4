"""JUnit XML, read by GitLab, Jenkins, Azure Pipelines and most CI test tabs.

One test case per finding and per verdict, grouped in one suite per service: what fails the run
(at or above ``--fail-on``) is a failure, ``insufficient-data`` verdicts are skipped (with what
to measure), suppressed items are skipped with their reason, and the rest passes (findings below
``--fail-on`` keep their message in ``system-out``), so the test tab agrees with the exit code.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from archcheck.model import Report
from archcheck.reporters._items import Item, report_items, suppressed_text


def _details(item: Item) -> str:
    lines = [item.message]
    if item.location is not None:
        lines.append(f"at {item.path}:{item.location.line}:{item.location.column}")
    if item.verdict is not None:
        for evidence in item.verdict.evidence:
            value = "missing" if evidence.value is None else f"{evidence.value}"
            unit = f" {evidence.unit}" if evidence.unit and evidence.value is not None else ""
            line = f"- {evidence.criterion}: {value}{unit} -> {evidence.outcome}"
            if evidence.how_to_get:
                line += f" ({evidence.how_to_get})"
            lines.append(line)
    return "\n".join(lines)


def _case(suite: ET.Element, item: Item) -> str:
    """Add the test case; return its outcome: passed, failure or skipped."""
    case = ET.SubElement(
        suite, "testcase", name=item.title, classname=f"archcheck.{item.service or 'project'}"
    )
    if item.location is not None and item.path is not None:
        case.set("file", item.path)
        case.set("line", str(item.location.line))
    if item.suppression is not None:
        ET.SubElement(case, "skipped", message=suppressed_text(item.suppression))
        return "skipped"
    if item.verdict is not None and item.verdict.decision == "insufficient-data":
        skipped = ET.SubElement(case, "skipped", message=item.message)
        skipped.text = _details(item)
        return "skipped"
    if not item.gating:
        if item.level:
            ET.SubElement(case, "system-out").text = _details(item)
        return "passed"
    failure = ET.SubElement(case, "failure", message=item.message, type=item.level_name)
    failure.text = _details(item)
    return "failure"


def render(report: Report, *, verbose: bool = False) -> str:
    """A ``<testsuites>`` document; every item is a test case whatever ``verbose`` says."""
    del verbose
    root = ET.Element("testsuites", name=f"archcheck {report.project}")
    suites: dict[str, ET.Element] = {}
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    counts: dict[str, dict[str, int]] = {}
    for item in report_items(report):
        service = item.service or "(project)"
        if service not in suites:
            suites[service] = ET.SubElement(root, "testsuite", name=service)
            counts[service] = {"tests": 0, "failures": 0, "skipped": 0}
        outcome = _case(suites[service], item)
        for bucket in (counts[service], totals):
            bucket["tests"] += 1
            if outcome != "passed":
                bucket[outcome if outcome == "skipped" else "failures"] += 1
    for service, suite in suites.items():
        for key, value in counts[service].items():
            suite.set(key, str(value))
        suite.set("errors", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
