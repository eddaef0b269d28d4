"""Control characters in input names (a topic, a job) never reach a report raw: JUnit XML stays
well-formed, and no name can rewrite the terminal or forge an OSC-8 link."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support import REPO, run_cli

from archcheck.reporters import FORMATS, printable

HOSTILE = r"evil\e]8;;https://x.example\a\x00\x0b\rname"
"""A YAML double-quoted scalar: ESC ] 8 ;; (an OSC-8 link), BEL, NUL, VT, CR."""


def test_printable_keeps_colours_and_lines() -> None:
    assert printable("a\x1b[1mb\x1b[0m\tc\n") == "a\x1b[1mb\x1b[0m\tc\n"
    assert printable("a\x1b]8;;u\x07b\x00") == "a\ufffd]8;;u\ufffdb\ufffd"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shop = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", shop)
    compose = shop / "docker-compose.yml"
    text = compose.read_text()
    anchor = "    x-archcheck:\n      events:\n"
    assert anchor in text
    compose.write_text(text.replace(
        anchor, f'{anchor}        - topic: "{HOSTILE}"\n          name: "{HOSTILE}"\n', 1))
    monkeypatch.chdir(shop)
    return shop


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_no_control_character_reaches_a_report(shop, capsys, fmt):
    code, out, err = run_cli(["analyze", "--format", fmt, "--verbose"], capsys)
    assert code in (0, 1), err
    assert "evil" in out  # the name is in the report, made harmless
    assert not any(c in out for c in ("\x00", "\x07", "\x0b", "\r", "\x1b]"))
    if fmt == "junit":
        ET.fromstring(out)  # well-formed
