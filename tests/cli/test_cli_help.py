"""Help and shell completion: what a user of a mature CLI expects."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support import REPO, VENV_BIN, run_cli

COMMANDS = [
    [], ["analyze"], ["config"], ["baseline"], ["scaffold"], ["fix"], ["init"],
    ["rules", "list"], ["rules", "explain"], ["schema", "config"], ["metrics", "snapshot"],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "archcheck")
def test_help_shows_no_type_for_flags(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli([*command, "--help"], capsys)
    assert code == 0 and "Usage: archcheck" in out
    assert "<bool>" not in out
    if command == ["analyze"]:
        assert "--no-discover" in out and "--example" in out


def _complete(words: str, env_extra: dict[str, str]) -> str:
    env = {**os.environ, "_ARCHCHECK_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - 1), **env_extra}  # fmt: skip
    archcheck = VENV_BIN / "archcheck"
    cmd = [str(archcheck)] if archcheck.exists() else [sys.executable, "-m", "archcheck"]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60,
                            check=False, cwd=REPO)  # fmt: skip
    return result.stdout


def test_shell_completion_completes_commands_and_options() -> None:
    assert "analyze" in _complete("archcheck ana", {}).split()
    options = _complete("archcheck analyze --no-d", {}).split()
    assert "--no-discover" in options


def test_the_completion_script_is_offered(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["--show-completion", "bash"], capsys)
    assert code == 0 and "_ARCHCHECK_COMPLETE" in out.upper()
