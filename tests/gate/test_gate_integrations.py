"""The integrations shipped in the repository, tried as a new user would.

- ``.pre-commit-hooks.yaml`` is validated by pre-commit's own manifest loader, and its file
  pattern is checked against the names it must (and must not) trigger on.
  (``pre-commit try-repo`` itself needs PyPI to build the hook's environment; it was run by
  hand, see docs/ci.md.)
- ``action.yml``'s shell steps run here with bash exactly as the runner would run them, with
  ``GITHUB_OUTPUT``/``GITHUB_STEP_SUMMARY`` files; the ``uses:`` steps (setup-python,
  upload-sarif) are GitHub's own and cannot run outside Actions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml
from support import REPO, VENV_BIN, require_tool

SHOP = REPO / "fixtures" / "shop"
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def test_pre_commit_manifest_is_valid_and_matches_compose_files() -> None:
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert hook["id"] == "archcheck" and hook["pass_filenames"] is False
    assert hook["entry"].split()[0] == "archcheck"
    pattern = re.compile(hook["files"])
    for name in (
        "docker-compose.yml",
        "compose.yaml",
        "deploy/docker-compose.prod.yaml",
        "compose.override.yml",
        ".archcheck.yaml",
        ".archcheck-baseline.json",
        "deploy/metrics.yaml",
    ):
        assert pattern.search(name), name
    for name in ("README.md", "src/compose.py", "docs/compose.md", "helm/values.yaml"):
        assert not pattern.search(name), name


def _action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    return data


def _step(name: str) -> dict[str, Any]:
    return next(s for s in _action()["runs"]["steps"] if s.get("name") == name)


def test_action_references_only_declared_inputs_and_outputs() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    text = (REPO / "action.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{\{\s*inputs\.([a-z-]+)", text))
    used |= set(re.findall(r"\binputs\.([a-z-]+)\s*[!=]=", text))
    assert used <= set(action["inputs"]), used - set(action["inputs"])
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            # inputs reach scripts through env only (no ${{ }} inside a script: no injection)
            assert "${{" not in step["run"], step.get("name")
    upload = _step("Upload SARIF to code scanning")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ steps.run.outputs.sarif-file }}"


def _run_step(name: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = _step(name)["run"]
    full = {**os.environ, **_GIT_ENV, **env, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
    return subprocess.run(
        [require_tool("bash"), "-e", "-c", script],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _inputs(**overrides: str) -> dict[str, str]:
    env = {
        f"AC_{key.upper().replace('-', '_')}": str(spec.get("default", ""))
        for key, spec in _action()["inputs"].items()
    }
    env.update({f"AC_{k.upper()}": v for k, v in overrides.items()})
    return env


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_action_run_step_writes_sarif_summary_and_defers_the_failure(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    shutil.copytree(SHOP, project)
    output, summary = tmp_path / "gh-output", tmp_path / "gh-summary.md"
    env = _inputs() | {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    run = _run_step("Run archcheck", project, env)
    assert run.returncode == 0, run.stderr  # the failure comes after the SARIF upload
    assert run.stdout.startswith("::") and "::error file=" in run.stdout
    outputs = _outputs(output)
    assert outputs["exit-code"] == "1"
    sarif = Path(outputs["sarif-file"])
    assert sarif.is_absolute() and sarif == project / "archcheck.sarif"
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert "pricing-service" in summary.read_text()

    fail = _run_step("Fail on findings", project, env)
    assert fail.returncode == 1 and "fail-on=high" in fail.stderr


def test_action_run_step_stops_when_archcheck_cannot_run(tmp_path: Path) -> None:
    output = tmp_path / "gh-output"
    env = _inputs(compose_file="missing.yml") | {"GITHUB_OUTPUT": str(output)}
    run = _run_step("Run archcheck", tmp_path, env)
    assert run.returncode == 2 and "error: " in run.stderr
    assert _outputs(output)["exit-code"] == "2"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        [require_tool("git"), *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={**os.environ, **_GIT_ENV},
    )


def test_action_fetches_the_diff_base_into_a_shallow_checkout(tmp_path: Path) -> None:
    """As actions/checkout leaves a pull request: one commit deep, the base branch absent."""
    origin = tmp_path / "origin"
    shutil.copytree(SHOP, origin)
    _git(tmp_path, "init", "-q", "-b", "main", str(origin))
    _git(origin, "add", "-A")
    _git(origin, "commit", "-q", "-m", "shop")
    _git(origin, "checkout", "-q", "-b", "feature")
    compose = origin / "docker-compose.yml"
    compose.write_text("# a comment that shifts every line\n" + compose.read_text())
    _git(origin, "commit", "-q", "-am", "comment")
    checkout = tmp_path / "checkout"
    _git(
        tmp_path,
        "clone",
        "-q",
        "--depth=1",
        "--single-branch",
        "--branch",
        "feature",
        f"file://{origin}",
        str(checkout),
    )

    output = tmp_path / "gh-output"
    env = _inputs(diff_base="origin/main", fail_on="low") | {"GITHUB_OUTPUT": str(output)}
    fetched = _run_step("Fetch the diff base", checkout, env)
    assert fetched.returncode == 0, fetched.stderr
    run = _run_step("Run archcheck", checkout, env)
    assert run.returncode == 0, run.stderr
    assert _outputs(output)["exit-code"] == "0", run.stdout  # only a comment changed
