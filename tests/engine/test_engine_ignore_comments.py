"""``# archcheck: ignore RULE -- reason`` comments in compose files: scoped, reasoned, visible.

A trailing comment covers its line, a comment on its own line the next line, and one above a
service's name the whole service. The item stays in every format, marked suppressed with the
comment's reason and position; it never fails the gate.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support import run_cli

COMPOSE = """\
services:
  api:
    image: shop/api:1
    container_name: api   # archcheck: ignore AC103 -- the platform pins replicas to 1
    deploy:
      replicas: 2
  worker:
    image: shop/worker:1
    # archcheck: ignore AC103 -- named for the log shipper (ADR-7)
    container_name: worker
    deploy:
      replicas: 3
  # archcheck: ignore AC103 -- retired in Q3
  legacy:
    image: shop/legacy:1
    container_name: legacy
    deploy:
      replicas: 2
  other:
    image: shop/other:1
    container_name: other
    deploy:
      replicas: 2
"""


def _analyze(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return run_cli(["analyze", str(tmp_path / "docker-compose.yml"), "--no-discover", *args], capsys)


def test_comments_suppress_their_line_the_next_line_or_the_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    code, out, err = _analyze(tmp_path, capsys, "--format", "json")
    assert code == 1, err  # `other` has no comment: its AC103 still fails
    by_service = {f["service"]: f for f in json.loads(out)["findings"] if f["rule_id"] == "AC103"}
    assert by_service["other"]["suppression"] is None
    reasons = {s: f["suppression"]["reason"] for s, f in by_service.items() if f["suppression"]}
    assert reasons == {
        "api": "the platform pins replicas to 1",
        "worker": "named for the log shipper (ADR-7)",
        "legacy": "retired in Q3",
    }
    assert by_service["api"]["suppression"]["location"]["line"] == 4
    assert by_service["legacy"]["suppression"]["service"] == "legacy"


@pytest.mark.parametrize(
    ("fmt", "suppressed"),
    [
        ("text", "[suppressed (docker-compose.yml:4:27): the platform pins replicas to 1]"),
        ("markdown", "[suppressed (docker-compose.yml:4:27): the platform pins replicas to 1]"),
        ("github", "(suppressed)::api sets container_name"),
    ],
)
def test_every_format_shows_the_item_as_suppressed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    fmt: str, suppressed: str,
) -> None:  # fmt: skip
    (tmp_path / "docker-compose.yml").write_text(COMPOSE.split("  worker:")[0])
    monkeypatch.chdir(tmp_path)
    code, out, err = _analyze(tmp_path, capsys, "--format", fmt)
    assert code == 0, err
    assert suppressed in out


def test_ci_formats_mark_the_ignored_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "docker-compose.yml").write_text(COMPOSE.split("  worker:")[0])
    code, out, err = _analyze(tmp_path, capsys, "--format", "sarif")
    assert code == 0, err
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["suppressions"][0]["justification"] == "the platform pins replicas to 1"
    assert result["suppressions"][0]["location"]["physicalLocation"]["region"]["startLine"] == 4
    _, out, _ = _analyze(tmp_path, capsys, "--format", "junit")
    (case,) = ET.fromstring(out).iter("testcase")
    skipped = case.find("skipped")
    assert skipped is not None and "the platform pins replicas to 1" in skipped.get("message", "")
    _, out, _ = _analyze(tmp_path, capsys, "--format", "codeclimate")
    (issue,) = json.loads(out)
    assert issue["severity"] == "info" and "the platform pins" in issue["description"]


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("# archcheck: ignore AC103", "docker-compose.yml:4:27: the ignore of AC103 needs a reason"),
        ("# archcheck: ignore AC103 --", "needs a reason after '--'"),
        ("# archcheck: ignore AC999 -- typo", "unknown rule 'AC999'"),
        ("# archcheck: disable AC103", "cannot read the archcheck comment 'disable AC103'"),
    ],
)
def test_a_bad_comment_is_an_error_at_its_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], comment: str, message: str
) -> None:
    text = COMPOSE.replace("# archcheck: ignore AC103 -- the platform pins replicas to 1", comment)
    (tmp_path / "docker-compose.yml").write_text(text)
    code, out, err = _analyze(tmp_path, capsys)
    assert code == 2 and not out
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_a_comment_that_covers_nothing_is_listed_in_the_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  api:\n    image: shop/api:1   # archcheck: ignore AC103 -- stale\n"
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = _analyze(tmp_path, capsys)
    assert code == 0
    assert "docker-compose.yml:3:25: the suppression of AC103 on line 3 matches nothing" in out
