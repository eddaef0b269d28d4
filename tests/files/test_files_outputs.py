"""One output policy: reports, snapshots and baselines go to regular files (or stdout), never
over a device, a FIFO, a symlink or a file this run read."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from support import REPO, run_cli

from archcheck.errors import UsageError
from archcheck.files.atomic import check_target, write_text_atomic

pytestmark = pytest.mark.timeout(60)


def test_regular_and_new_files_are_written(tmp_path: Path) -> None:
    write_text_atomic(tmp_path / "new" / "r.json", "{}\n")
    write_text_atomic(tmp_path / "new" / "r.json", "[]\n")
    assert (tmp_path / "new" / "r.json").read_text() == "[]\n"


@pytest.mark.parametrize("kind", ["fifo", "symlink", "dir", "/dev/null"])
def test_non_regular_targets_are_refused_and_left_alone(kind: str, tmp_path: Path) -> None:
    target = tmp_path / "t"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink":
        (tmp_path / "real").write_text("keep\n")
        target.symlink_to(tmp_path / "real")
    elif kind == "dir":
        target.mkdir()
    else:
        target = Path(kind)
    before = target.lstat()
    with pytest.raises(UsageError, match=r"symbolic link|not a regular file"):
        write_text_atomic(target, "x", what="the report")
    after = target.lstat()
    assert (before.st_mode, before.st_ino) == (after.st_mode, after.st_ino)
    if kind == "symlink":
        assert (tmp_path / "real").read_text() == "keep\n"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shop = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", shop)
    monkeypatch.chdir(shop)
    return shop


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "-o", "docker-compose.yml"],
        ["analyze", "-o", "sarif=metrics.yaml"],
        ["baseline", "-o", "metrics.yaml"],
        ["baseline", "-o", "docker-compose.yml"],
    ],
)
def test_an_input_of_the_run_is_never_overwritten(argv, shop, capsys):
    before = {p: p.read_bytes() for p in shop.iterdir() if p.is_file()}
    code, _, err = run_cli(argv, capsys)
    assert code == 2
    assert "is an input of this run" in err
    assert {p: p.read_bytes() for p in shop.iterdir() if p.is_file()} == before


def test_no_report_is_written_when_one_target_is_refused(shop, capsys):
    code, _, err = run_cli(["analyze", "-o", "json=r.json", "-o", "sarif=/dev/null"], capsys)
    assert code == 2 and "not a regular file" in err
    assert not (shop / "r.json").exists()


def test_reports_still_go_to_new_files(shop, capsys):
    code, _, err = run_cli(["analyze", "-o", "json=out/r.json"], capsys)
    assert code in (0, 1), err
    assert (shop / "out" / "r.json").read_text().startswith("{")


def test_check_target_allows_fix_to_replace_its_input(tmp_path: Path) -> None:
    from archcheck.files.read import read_text

    (tmp_path / "c.yml").write_text("a: 1\n")
    read_text(tmp_path / "c.yml", "compose file")
    with pytest.raises(UsageError, match="input of this run"):
        check_target(tmp_path / "c.yml", "x")
    check_target(tmp_path / "c.yml", "x", replaces_input=True)
