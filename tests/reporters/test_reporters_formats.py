"""The CI formats (SARIF, GitHub, JUnit, CodeClimate) rendered from a hand-built report.

The report covers every shape a format must handle: each decision, each severity, a suppressed
finding, a finding compared with a baseline, and a finding without a location.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from archcheck.model import Evidence, Finding, Location, Report, Suppression, Verdict, fingerprint
from archcheck.reporters import codeclimate, github, junit, sarif

DATA = Path(__file__).parent / "data"
COMPOSE = "fixtures/shop/docker-compose.yml"


def _loc(line: int, column: int = 3) -> Location:
    return Location(file=COMPOSE, line=line, column=column)


def sample_report() -> Report:
    return Report(
        tool_version="0.0.0-test",
        project="shop",
        compose_files=(COMPOSE,),
        verdicts=(
            Verdict(
                service="pricing-service",
                kind="events",
                decision="separate",
                priority="high",
                workloads=("price-updates",),
                summary="1200 events/min is above 1000 events/min",
                evidence=(
                    Evidence(
                        criterion="event volume",
                        value=1200.0,
                        threshold=1000.0,
                        unit="1/min",
                        outcome="separate",
                        priority="high",
                    ),
                ),
                location=_loc(2),
            ),
            Verdict(
                service="warehouse-service",
                kind="cron",
                decision="inline",
                priority="low",
                summary="one short job",
                location=_loc(30),
            ),
            Verdict(
                service="catalog-service",
                kind="events",
                decision="insufficient-data",
                priority="low",
                summary="processing time is missing",
                evidence=(
                    Evidence(
                        criterion="processing time",
                        value=None,
                        how_to_get="add processing_ms_p95 to metrics.yaml",
                    ),
                ),
            ),
        ),
        findings=(
            Finding(
                rule_id="AC201",
                rule_name="container-name-with-replicas",
                severity="high",
                message='container_name "pricing" cannot run 3 replicas, "quoted" & <tagged>',
                service="pricing-service",
                location=_loc(5, 5),
                key="container_name",
            ),
            Finding(
                rule_id="AC202",
                rule_name="migration-restarts",
                severity="medium",
                message='migration restarts: set restart: "no"',
                service="pricing-migrate",
                location=_loc(12),
                suppression=Suppression(
                    reason="the migration is idempotent",
                    rule="AC202",
                    location=Location(file=".archcheck.yaml", line=4, column=5),
                ),
            ),
            Finding(
                rule_id="AC203",
                rule_name="worker-without-limits",
                severity="low",
                message="worker has no deploy.resources limits,\nadd them",
                service="catalog-worker",
                change="new",
            ),
        ),
        notes=("1 finding(s) and verdict(s) unchanged since HEAD~1 are not shown",),
    )


def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_sarif_validates_against_the_official_schema() -> None:
    log = json.loads(sarif.render(sample_report()))
    errors = sorted(sarif_validator().iter_errors(log), key=str)
    assert not errors, "\n".join(e.message for e in errors[:5])


def test_schema_rejects_a_broken_log() -> None:
    """The validator is not vacuous: a result with an unknown level fails."""
    log = json.loads(sarif.render(sample_report()))
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(sarif_validator().iter_errors(log))


def test_sarif_results_rules_and_states() -> None:
    report = sample_report()
    run = json.loads(sarif.render(report))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids)
    results = run["results"]
    assert len(results) == len(report.findings) + len(report.verdicts)
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    by_rule = {r["ruleId"]: r for r in results}
    high = by_rule["AC201"]
    assert high["level"] == "error"
    region = high["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (5, 5)
    assert high["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == COMPOSE
    assert high["partialFingerprints"]["archcheck/v1"] == fingerprint(report.findings[0])
    suppressed = by_rule["AC202"]["suppressions"][0]
    assert suppressed["kind"] == "external"
    assert suppressed["justification"] == "the migration is idempotent"
    assert by_rule["AC203"]["baselineState"] == "new"
    # no location: the first compose file, line 1, so code scanning can still show it
    fallback = by_rule["AC203"]["locations"][0]["physicalLocation"]
    assert fallback == {"artifactLocation": {"uri": COMPOSE}, "region": {"startLine": 1}}
    kinds = {
        r["properties"]["service"]: (r.get("kind"), r["level"]) for r in results if "kind" in r
    }
    assert kinds == {
        "pricing-service": ("fail", "error"),
        "warehouse-service": ("pass", "none"),
        "catalog-service": ("review", "none"),
    }


def test_github_annotations() -> None:
    lines = github.render(sample_report()).splitlines()
    assert lines[0].startswith("::error file=fixtures/shop/docker-compose.yml,line=2,col=3,title=")
    # inline verdicts are quiet unless verbose
    assert not any("warehouse-service" in line for line in lines)
    assert any(
        "warehouse-service" in line
        for line in github.render(sample_report(), verbose=True).splitlines()
    )
    suppressed = next(line for line in lines if "AC202" in line)
    assert suppressed.startswith("::notice ")
    assert "(suppressed)" in suppressed and "the migration is idempotent" in suppressed
    high = next(line for line in lines if "AC201" in line)
    assert high.startswith("::error file=fixtures/shop/docker-compose.yml,line=5,col=5,")
    no_location = next(line for line in lines if "AC203" in line)
    assert no_location.startswith("::notice title=AC203 worker-without-limits (new)::")
    assert "limits,%0Aadd them" in no_location  # a newline cannot end the command early
    assert len(lines) == 5


def test_github_escapes_property_separators() -> None:
    report = Report(
        tool_version="t",
        project="p",
        findings=(
            Finding(
                rule_id="X1",
                rule_name="a,b:c",
                severity="medium",
                message="100% sure",
                location=Location(file="dir,x/compose:1.yml", line=1),
            ),
        ),
    )
    (line,) = github.render(report).splitlines()
    assert (
        line
        == "::warning file=dir%2Cx/compose%3A1.yml,line=1,col=1,title=X1 a%2Cb%3Ac::100%25 sure"
    )


def test_junit_outcomes() -> None:
    root = ET.fromstring(junit.render(sample_report().model_copy(update={"fail_on": "low"})))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("6", "3", "2")
    at_high = ET.fromstring(junit.render(sample_report()))  # only what --fail-on high fails
    assert (at_high.get("tests"), at_high.get("failures")) == ("6", "2")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["pricing-service events: separate"].find("failure") is not None
    assert cases["warehouse-service cron: inline"].find("*") is None
    skipped = cases["catalog-service events: insufficient-data"].find("skipped")
    assert skipped is not None and "add processing_ms_p95" in (skipped.text or "")
    suppressed = cases["AC202 migration-restarts"].find("skipped")
    assert suppressed is not None and "idempotent" in suppressed.get("message", "")
    failure = cases["AC201 container-name-with-replicas"].find("failure")
    assert failure is not None and failure.get("type") == "high"
    assert cases["AC201 container-name-with-replicas"].get("line") == "5"
    for suite in root.iter("testsuite"):
        assert int(suite.get("tests", "0")) == len(suite.findall("testcase"))


def test_codeclimate_issues() -> None:
    issues = json.loads(codeclimate.render(sample_report()))
    by_check = {i["check_name"]: i for i in issues}
    assert "verdict.cron" not in by_check  # the inline verdict asks for nothing
    assert by_check["AC201"]["severity"] == "critical"
    assert by_check["AC201"]["location"] == {"path": COMPOSE, "lines": {"begin": 5}}
    assert by_check["AC202"]["severity"] == "info"
    assert "suppressed" in by_check["AC202"]["description"]
    assert by_check["AC203"]["location"] == {"path": COMPOSE, "lines": {"begin": 1}}
    assert by_check["verdict.events"]["severity"] in {"critical", "info"}
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)


def test_codeclimate_duplicate_findings_get_unique_fingerprints() -> None:
    finding = sample_report().findings[0]
    report = Report(tool_version="t", project="p", findings=(finding, finding))
    issues = json.loads(codeclimate.render(report))
    assert len({i["fingerprint"] for i in issues}) == 2


@pytest.mark.parametrize("module", [sarif, github, junit, codeclimate])
def test_empty_report_renders(module: object) -> None:
    render = module.render  # type: ignore[attr-defined]
    text = render(Report(tool_version="t", project="empty"))
    assert isinstance(text, str)
    if module is sarif:
        assert not list(sarif_validator().iter_errors(json.loads(text)))


def test_sarif_uris_are_relative_to_the_working_directory_and_encoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    inside = str(tmp_path / "deploy" / "my compose.yml")
    assert sarif.artifact_uri(inside) == "deploy/my%20compose.yml"
    assert sarif.artifact_uri("/elsewhere/c.yml") == "file:///elsewhere/c.yml"
    assert sarif.artifact_uri("rel/c.yml") == "rel/c.yml"


def _noted_report() -> Report:
    from archcheck.model import Note, Ownership

    at = _loc(7)
    return Report(
        tool_version="0",
        project="p",
        verdicts=(
            Verdict(
                service="orders", kind="cron", decision="separate", priority="high", summary="s"
            ),
        ),
        notes=(
            Note(text="metrics.yaml: read"),
            Note(text="orders-worker: no owner rule", service="orders-worker", location=at),
            Note(text="orders: not scanned: Java", service="orders"),
            Note(text="billing: metrics for an unknown service", service="billing"),
        ),
        ownership=(Ownership(service="orders-worker", role="worker", owner="orders"),),
    )


def test_notes_are_grouped_once_for_every_format() -> None:
    """System-wide notes first, then per application service (a worker's with its owner), in
    the order of the services' sections, then the rest by name."""
    from archcheck.reporters import json as json_format
    from archcheck.reporters import markdown, notes_by_service, text

    report = _noted_report()
    groups = [(s, [n.text for n in notes]) for s, notes in notes_by_service(report)]
    assert groups == [
        (None, ["metrics.yaml: read"]),
        ("orders", ["orders-worker: no owner rule", "orders: not scanned: Java"]),
        ("billing", ["billing: metrics for an unknown service"]),
    ]
    shown = text.render(report)
    notes = shown[shown.index("Notes") :]
    assert notes.index("metrics.yaml: read") < notes.index("  orders\n")
    assert (
        notes.index("  orders\n")
        < notes.index("orders-worker: no owner")
        < notes.index("  billing\n")
    )
    doc = markdown.render(report)
    assert "**orders**\n\n- orders-worker: no owner rule\n- orders: not scanned: Java" in doc
    body = json.loads(json_format.render(report))
    # JSON keeps ``notes`` as sentences; ``note_details`` adds the service and location.
    assert body["notes"] == [n.text for n in report.notes]
    assert [d["service"] for d in body["note_details"]] == [
        None,
        "orders-worker",
        "orders",
        "billing",
    ]
    assert body["note_details"][1]["location"] == {"file": COMPOSE, "line": 7, "column": 3}
    assert list(body).index("note_details") == list(body).index("notes") + 1
