"""Report, snapshot and baseline files are written whole or not at all, with a clear error."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from support import REPO, run_cli

from archcheck.errors import UsageError
from archcheck.files.atomic import write_text_atomic


def test_writes_the_text_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "new" / "report.sarif"
    write_text_atomic(target, "{}\n")
    write_text_atomic(target, "{ }\n")
    assert target.read_text() == "{ }\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.sarif"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_users_umask(tmp_path: Path, umask: int, mode: int) -> None:
    """Reports, baselines and snapshots are shared files (not 0600, as mkstemp makes them)."""
    target = tmp_path / "report.sarif"
    old = os.umask(umask)
    try:
        write_text_atomic(target, "{}\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / ".archcheck-baseline.json"
    target.write_text("{}")
    target.chmod(0o640)
    write_text_atomic(target, "{ }\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_an_unwritable_target_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(UsageError, match=r"cannot write the baseline to .*file/b\.json: .*writable"):
        write_text_atomic(blocker / "b.json", "{}", what="the baseline")
    assert blocker.read_text() == "not a folder"


def test_analyze_output_that_cannot_be_written_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    shop = REPO / "fixtures" / "shop" / "docker-compose.yml"
    code, _out, err = run_cli(
        ["analyze", str(shop), "--no-discover", "-o", f"sarif={blocker}/x.sarif"], capsys
    )
    assert code == 2
    assert err.startswith(f"error: cannot write the sarif report to {blocker}/x.sarif"), err
