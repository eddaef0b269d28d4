"""One bounded reader for every input: FIFOs and devices refused (never a hang), a size cap,
decode errors at their FILE:LINE:COL; and every command that opens a file goes through it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from support import REPO, run_cli

from archcheck.errors import ArchcheckError, SourceError
from archcheck.files.read import is_regular_file, read_bytes, read_text

pytestmark = pytest.mark.timeout(60)  # a regression here is a hang: fail it, do not wait


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def test_regular_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x\xc3\xa9\n")
    assert read_text(tmp_path / "a", "file") == "x\u00e9\n"
    assert is_regular_file(tmp_path / "a")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_are_refused(device: str) -> None:
    with pytest.raises(ArchcheckError, match="not a regular file"):
        read_bytes(Path(device), "compose file")
    assert not is_regular_file(Path(device))


def test_a_fifo_is_refused_without_waiting_for_a_writer(fifo: Path) -> None:
    with pytest.raises(ArchcheckError, match="not a regular file") as info:
        read_bytes(fifo, "token file")
    assert info.value.location is not None and info.value.location.file == str(fifo)


def test_the_size_cap(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * 2048)
    with pytest.raises(ArchcheckError, match="larger than"):
        read_bytes(tmp_path / "big", "file", limit=1024)
    assert len(read_bytes(tmp_path / "big", "file", limit=4096)) == 2048


def test_a_peek_reads_only_the_head_whatever_the_size(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"apiVersion: v1\n" + b"x" * 200)
    assert read_bytes(big, "manifest", peek=15) == b"apiVersion: v1\n"
    assert read_bytes(big, "manifest", peek=15, limit=10) == b"apiVersion"  # no size error
    assert read_bytes(big, "manifest", peek=10_000) == big.read_bytes()


def test_missing_directory_and_decode_errors(tmp_path: Path) -> None:
    with pytest.raises(ArchcheckError, match="not found: check the -f path"):
        read_bytes(tmp_path / "nope", "compose file", missing="check the -f path")
    with pytest.raises(ArchcheckError, match="is a directory"):
        read_bytes(tmp_path, "compose file")
    (tmp_path / "bad").write_bytes(b"ok\nab\xffcd\n")
    with pytest.raises(SourceError, match="not UTF-8") as info:
        read_text(tmp_path / "bad", "metrics file", error=SourceError)
    assert str(info.value.location) == f"{tmp_path / 'bad'}:2:3"


# --- every opener ----------------------------------------------------------------------------


def _shop(tmp_path: Path) -> Path:
    shop = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", shop)
    return shop


def _fails_located(argv: list[str], cwd: Path, capsys, monkeypatch, fragment: str) -> str:
    monkeypatch.chdir(cwd)
    code, _, err = run_cli(argv, capsys)
    assert code == 2, err
    assert err.startswith("error: ") and fragment in err, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_compose_file_include_extends_and_env_file(target, tmp_path, capsys, monkeypatch):
    path = "/dev/zero"
    if target == "fifo":
        os.mkfifo(tmp_path / "fifo")
        path = str(tmp_path / "fifo")
    cases = {
        "-f": None,
        "include": f"include: [{path}]\nservices:\n  a: {{image: x}}\n",
        "extends": f"services:\n  a:\n    extends: {{file: {path}, service: b}}\n",
        "env_file": f"services:\n  a:\n    image: x\n    env_file: {path}\n",
    }
    for name, text in cases.items():
        if text is None:
            _fails_located(["config", "-f", path], tmp_path, capsys, monkeypatch,
                           "not a regular file")  # fmt: skip
            continue
        (tmp_path / "compose.yaml").write_text(text)
        err = _fails_located(["config"], tmp_path, capsys, monkeypatch, "not a regular file")
        if name == "env_file":
            assert "compose.yaml:4:" in err  # the entry that names it


def test_analyze_inputs(tmp_path, fifo, capsys, monkeypatch):
    shop = _shop(tmp_path)
    (shop / "bad.yaml").write_bytes(b"services: {}\n\xff\n")
    (shop / "bad.prom").write_bytes(b"# x\n\xfe\n")
    for argv, fragment in [
        (["analyze", "--metrics", str(fifo)], "not a regular file"),
        (["analyze", "--metrics", "bad.yaml"], "bad.yaml:2:1"),
        (["analyze", "--metrics", "bad.prom"], "bad.prom:2:1"),
        (["analyze", "--config", str(fifo)], "not a regular file"),
        (["analyze", "--config", "bad.yaml"], "bad.yaml:2:1"),
        (["analyze", "--baseline", str(fifo)], "not a regular file"),
        (["analyze", "--baseline", "bad.yaml"], "bad.yaml:2:1"),
        (["analyze", "--prometheus", "http://127.0.0.1:9", "--prometheus-token-file", str(fifo)],
         "not a regular file"),
        (["analyze", "--prometheus", "http://127.0.0.1:9", "--prometheus-token-file", "bad.yaml"],
         "not UTF-8"),
    ]:  # fmt: skip
        _fails_located(argv, shop, capsys, monkeypatch, fragment)


def test_a_fifo_named_go_in_the_source_tree_is_skipped(tmp_path, capsys, monkeypatch):
    shop = _shop(tmp_path)
    os.mkfifo(shop / "pricing" / "internal" / "trap.go")
    monkeypatch.chdir(shop)
    code, out, err = run_cli(["analyze", "--format", "json"], capsys)
    assert code in (0, 1), err
    assert '"pricing-service"' in out
