"""``-f -``: the compose file from standard input, as ``docker compose -f -`` reads it (project
directory = the cwd, locations as ``-:LINE:COL``), bounded like every other input."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from support import VENV_BIN, compose_reference_binary

from archcheck.errors import UsageError
from archcheck.files.read import forget_reads, read_bytes

PROJECT = """\
services:
  api:
    image: shop/api:${TAG:-1}
    build: ./api
    env_file: [app.env]
    extends: {file: base.yaml, service: base}
"""


def _archcheck(args: list[str], cwd: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {"HOME": "/tmp", "PATH": os.environ.get("PATH", "")}
    return subprocess.run([str(VENV_BIN / "archcheck"), *args], cwd=cwd, input=stdin, env=env,
                          capture_output=True, text=True, check=False, timeout=120)  # fmt: skip


def _project(tmp_path: Path) -> Path:
    (tmp_path / "api").mkdir()
    (tmp_path / "app.env").write_text("MODE=x\n")
    (tmp_path / "base.yaml").write_text("services:\n  base:\n    environment: {LEVEL: info}\n")
    return tmp_path


def test_config_from_stdin_equals_compose(tmp_path: Path) -> None:
    """Relative paths (build, env_file, extends) resolve against the cwd and the project is
    named after it, exactly as the Compose binary does."""
    (tmp_path / "shop").mkdir()
    root = _project(tmp_path / "shop")
    ours = _archcheck(["config", "-f", "-", "--format", "json"], root, PROJECT)
    assert ours.returncode == 0, ours.stderr
    data = json.loads(ours.stdout)
    assert data["name"] == "shop"
    assert data["services"]["api"]["build"]["context"] == str(root / "api")
    assert data["services"]["api"]["environment"] == {"LEVEL": "info", "MODE": "x"}
    binary = compose_reference_binary()
    if binary is not None:
        ref = subprocess.run([str(binary), "-f", "-", "config", "--format", "json"], cwd=root,
                             input=PROJECT, capture_output=True, text=True, check=False,
                             env={"HOME": "/tmp", "PATH": os.environ.get("PATH", "")},
                             timeout=60)  # fmt: skip
        assert ref.returncode == 0, ref.stderr
        reference = json.loads(ref.stdout)
        assert data["services"] == reference["services"]


@pytest.mark.parametrize("command", [["config"], ["analyze"]])
def test_errors_from_stdin_are_located_at_dash(tmp_path: Path, command: list[str]) -> None:
    bad = "services:\n  api:\n    image: x\n    ports: 5\n"
    result = _archcheck([*command, "-f", "-"], tmp_path, bad)
    assert result.returncode == 2
    assert result.stderr.startswith("error: -:4:12: services.api.ports"), result.stderr
    control = "services:\n  api:\n    image: x\n    \x01: 3\n"
    result = _archcheck([*command, "-f", "-"], tmp_path, control)
    assert result.returncode == 2
    assert result.stderr.startswith("error: -:4:5: not valid YAML: unacceptable character U+0001")


def test_analyze_reads_stdin_and_its_companions_in_the_cwd(tmp_path: Path) -> None:
    """``x-archcheck: metrics:`` in a compose file from stdin is looked up in the cwd."""
    compose = (
        "services:\n  api:\n    image: x\n    x-archcheck:\n      events:\n"
        "        - {topic: order.created}\n"
        "x-archcheck:\n  metrics: nope.yaml\n"
    )
    result = _archcheck(["analyze", "-f", "-"], tmp_path, compose)
    assert result.returncode == 2
    assert result.stderr.startswith("error: -:8:12: metrics file"), result.stderr
    assert str(tmp_path / "nope.yaml") in result.stderr
    fine = compose.replace("x-archcheck:\n  metrics: nope.yaml\n", "")
    result = _archcheck(["analyze", "-f", "-", "--format", "json"], tmp_path, fine)
    assert result.returncode in (0, 1), result.stderr
    assert json.loads(result.stdout)["compose_files"] == ["-"]


class _Endless(io.RawIOBase):
    """A stdin that never ends (``yes | archcheck config -f -``), counting what was read."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        buffer[:] = b"y" * len(buffer)
        self.given += len(buffer)
        return len(buffer)


def test_stdin_is_read_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    endless = _Endless()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(endless)))
    forget_reads()
    with pytest.raises(UsageError) as caught:
        read_bytes(Path("-"), "compose file", limit=4096)
    assert "larger than" in str(caught.value)
    assert endless.given < 4096 + (1 << 17)
    forget_reads()
