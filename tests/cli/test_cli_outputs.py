"""Planning ``--format`` and repeatable ``--output [FORMAT=]FILE``, and writing reports safely."""

from __future__ import annotations

from pathlib import Path

import pytest

from archcheck.cli.outputs import Output, plan_outputs, write_outputs
from archcheck.errors import UsageError

FORMATS = ("text", "json", "sarif", "junit")


def test_main_report_goes_to_stdout_unless_a_plain_file_is_given() -> None:
    assert plan_outputs("text", [], FORMATS) == [Output("text", None)]
    assert plan_outputs("json", ["r.json"], FORMATS) == [Output("json", Path("r.json"))]
    assert plan_outputs("json", ["-"], FORMATS) == [Output("json", None)]


def test_format_equals_file_adds_reports() -> None:
    plan = plan_outputs("text", ["sarif=a.sarif", "junit=out/j.xml", "report.txt"], FORMATS)
    assert plan == [
        Output("text", Path("report.txt")),
        Output("sarif", Path("a.sarif")),
        Output("junit", Path("out/j.xml")),
    ]


def test_a_file_name_with_an_equals_sign_is_still_a_file() -> None:
    assert plan_outputs("text", ["./a=b.txt"], FORMATS) == [Output("text", Path("a=b.txt"))]
    assert plan_outputs("text", ["out/a=b"], FORMATS) == [Output("text", Path("out/a=b"))]


@pytest.mark.parametrize("value", ["SARIF=x.sarif", "a=b.txt", "html=report.html"])
def test_an_unknown_format_before_equals_is_an_error_listing_the_formats(value: str) -> None:
    """Not a file named ``SARIF=x.sarif``: CI would upload nothing."""
    with pytest.raises(UsageError, match=r"unknown format .*; use one of text, json, sarif, junit"):
        plan_outputs("text", [value], FORMATS)


@pytest.mark.parametrize(
    ("outputs", "fragment"),
    [
        (["a.txt", "b.txt"], "already goes to a.txt"),
        (["sarif="], "give a file after '='"),
        (["sarif=x", "junit=x"], "would go to x"),
        (["sarif=-"], "would go to stdout"),
        ([""], "needs a file"),
    ],
)
def test_conflicts_are_usage_errors(outputs: list[str], fragment: str) -> None:
    with pytest.raises(UsageError, match=fragment):
        plan_outputs("text", outputs, FORMATS)


def test_nothing_is_written_when_a_render_fails(tmp_path: Path) -> None:
    plan = [Output("text", None), Output("sarif", tmp_path / "a.sarif"), Output("junit", None)]

    def render(name: str) -> str:
        if name == "junit":
            raise RuntimeError("boom")
        return name

    with pytest.raises(RuntimeError):
        write_outputs(plan, render)
    assert not (tmp_path / "a.sarif").exists()


def test_stdout_text_and_files(tmp_path: Path) -> None:
    target = tmp_path / "new" / "a.sarif"
    target.parent.mkdir()
    target.write_text("old")
    out = write_outputs([Output("text", None), Output("sarif", target)], lambda n: f"<{n}>")
    assert out == "<text>"
    assert target.read_text() == "<sarif>"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.sarif"]
