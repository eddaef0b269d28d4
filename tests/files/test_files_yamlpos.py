"""archcheck's own input files (snapshot, .archcheck.yaml, rules) are read with positions and
bounded: an alias bomb is refused with a located error instead of hanging or exhausting memory."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from support import REPO, run_cli

from archcheck.errors import SourceError
from archcheck.files.yamlpos import MAX_EXPANDED_NODES, load_yaml


def _billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for name in "bcdefghijk"[: levels - 1]:
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
        previous = name
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "metrics.yaml"
    path.write_text(_billion_laughs())
    started = time.perf_counter()
    with pytest.raises(SourceError, match="aliases") as raised:
        load_yaml(path, SourceError, what="metrics snapshot")
    assert time.perf_counter() - started < 5
    assert raised.value.location is not None and raised.value.location.line == 1


def test_shared_aliases_below_the_bound_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(_billion_laughs(levels=3))  # 9 + 81 + 729 values
    data, positions = load_yaml(path, SourceError, what="config")
    assert len(data["c"]) == 9 and len(data["c"][0]) == 9
    assert positions[("c",)].line == 3
    assert MAX_EXPANDED_NODES < 9**9  # the bomb above really is over the bound


def test_alias_bomb_in_project_config_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = REPO / "fixtures" / "shop"
    for name in ("docker-compose.yml", "metrics.yaml"):
        (tmp_path / name).write_text((shop / name).read_text())
    (tmp_path / ".archcheck.yaml").write_text(_billion_laughs())
    code, _out, err = run_cli(
        ["analyze", str(tmp_path / "docker-compose.yml"), "--no-discover"], capsys
    )
    assert code == 2
    assert err.startswith(f"error: {tmp_path / '.archcheck.yaml'}:1:1: config expands"), err
