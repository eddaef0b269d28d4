"""Baseline fingerprints and the new-or-worse comparison, on hand-built reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archcheck.errors import ArchcheckError, UsageError
from archcheck.files.atomic import write_text_atomic
from archcheck.gate.baseline import baseline_of, compare, dump_baseline, is_gating, load_baseline
from archcheck.model import (
    Finding,
    Location,
    Report,
    Suppression,
    Verdict,
    fingerprint,
    normalise_message,
)


def _finding(
    line: int, *, severity: str = "high", message: str = "x", rule: str = "AC104"
) -> Finding:
    return Finding(
        rule_id=rule,
        rule_name="container-name-with-replicas",
        severity=severity,  # type: ignore[arg-type]
        message=f'container_name "pricing" with 3 replicas {message} (docker-compose.yml:{line}:5)',
        service="pricing-service",
        key="container_name",
        location=Location(file="docker-compose.yml", line=line, column=5),
    )


def _verdict(decision: str, priority: str, line: int = 3) -> Verdict:
    return Verdict(
        service="pricing-service",
        kind="events",
        decision=decision,  # type: ignore[arg-type]
        priority=priority,  # type: ignore[arg-type]
        summary=f"{line * 100} events/min",
        location=Location(file="docker-compose.yml", line=line),
    )


def _report(*items: Finding | Verdict) -> Report:
    return Report(
        tool_version="t",
        project="shop",
        findings=tuple(i for i in items if isinstance(i, Finding)),
        verdicts=tuple(i for i in items if isinstance(i, Verdict)),
    )


def test_fingerprint_ignores_positions_and_numbers() -> None:
    assert fingerprint(_finding(5)) == fingerprint(_finding(42))
    assert normalise_message("a.yml:12:3 has 1.5  MB") == "<pos> has # mb"


def test_fingerprint_tells_rules_services_and_keys_apart() -> None:
    base = _finding(5)
    others = [
        base.model_copy(update={"rule_id": "AC105"}),
        base.model_copy(update={"service": "catalog-service"}),
        base.model_copy(update={"key": "deploy.replicas"}),
        base.model_copy(update={"message": "something else entirely"}),
    ]
    assert len({fingerprint(f) for f in [base, *others]}) == 5


def test_unchanged_items_are_hidden_after_a_line_shift() -> None:
    before = _report(_finding(5), _verdict("separate", "high", line=3))
    after = _report(_finding(9), _verdict("separate", "high", line=7))
    compared = compare(after, baseline_of(before), against="the baseline")
    assert compared.findings == () and compared.verdicts == ()
    assert [n.text for n in compared.notes] == [
        "2 finding(s) and verdict(s) unchanged since the baseline are not shown",
    ]


def test_new_and_worse_items_are_kept_and_marked() -> None:
    before = _report(_finding(5, severity="medium"), _verdict("inline", "low"))
    after = _report(
        _finding(5, severity="high"),
        _finding(20, rule="AC110"),
        _verdict("separate", "medium"),
    )
    compared = compare(after, baseline_of(before), against="HEAD~1")
    assert [(f.rule_id, f.change) for f in compared.findings] == [
        ("AC104", "worse"),
        ("AC110", "new"),
    ]
    assert [(v.decision, v.change) for v in compared.verdicts] == [("separate", "worse")]


def test_better_is_not_worse() -> None:
    before = _report(_verdict("separate", "high"), _finding(5, severity="high"))
    after = _report(_verdict("separate", "medium"), _finding(5, severity="low"))
    assert compare(after, baseline_of(before), against="b").verdicts == ()
    assert compare(after, baseline_of(before), against="b").findings == ()


def test_duplicates_are_counted() -> None:
    """Two identical findings where the baseline has one: one of them is new."""
    compared = compare(
        _report(_finding(5), _finding(6)), baseline_of(_report(_finding(5))), against="b"
    )
    assert [f.change for f in compared.findings] == ["new"]


def test_baseline_file_round_trip_is_stable(tmp_path: Path) -> None:
    path = tmp_path / "sub" / ".archcheck-baseline.json"
    write_text_atomic(
        path, dump_baseline(baseline_of(_report(_finding(5), _verdict("separate", "high"))))
    )
    text = path.read_text()
    assert '"line"' not in text  # positions are not stored: line shifts do not churn the file
    shifted = dump_baseline(
        baseline_of(_report(_finding(50), _verdict("separate", "high", line=3)))
    )
    assert text == shifted
    loaded = load_baseline(path)
    assert {e.type for e in loaded.entries} == {"finding", "verdict"}
    assert not list(tmp_path.joinpath("sub").glob(".*.json.*"))  # no temporary file left


def test_missing_baseline_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="archcheck baseline"):
        load_baseline(tmp_path / "nope.json")


def test_corrupt_baseline_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"version": 2, "entries": []}))
    with pytest.raises(ArchcheckError) as info:
        load_baseline(path)
    assert info.value.location is not None and info.value.location.file == str(path)
    assert "regenerate it" in info.value.message


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [
        ("high", [True, False, False, True]),
        ("medium", [True, True, False, True]),
        ("low", [True, True, True, True]),
        ("never", [False, False, False, False]),
    ],
)
def test_is_gating_matrix(fail_on: str, expected: list[bool]) -> None:
    items: list[Finding | Verdict] = [
        _finding(1, severity="high"),
        _finding(1, severity="medium"),
        _finding(1, severity="low"),
        _verdict("separate", "high"),
    ]
    assert [is_gating(i, fail_on) for i in items] == expected
    # a verdict that asks for no change, and a suppressed finding, never gate
    assert not is_gating(_verdict("inline", "high"), fail_on)
    assert not is_gating(_verdict("insufficient-data", "high"), fail_on)
    suppressed = _finding(1).model_copy(update={"suppression": Suppression(reason="ok")})
    assert not is_gating(suppressed, fail_on)


def test_with_keys_names_the_compose_key_a_finding_points_at() -> None:
    from archcheck.model import Service, System
    from archcheck.pipeline import with_keys

    where = Location(file="docker-compose.yml", line=7, column=5)
    system = System(
        project="p",
        services=(
            Service(
                name="pricing-service",
                key_locations={"deploy": where, "deploy.replicas": where},
            ),
        ),
    )
    finding = _finding(1).model_copy(update={"key": None, "location": where})
    elsewhere = finding.model_copy(update={"location": Location(file="x.go", line=3)})
    keyed = with_keys(system, _report(finding, elsewhere))
    assert [f.key for f in keyed.findings] == ["deploy.replicas", None]
