"""Deploy frequency from a real git repository built in a temporary folder."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support import require_tool

from archcheck.sources import git_history
from archcheck.sources.git_history import deploy_frequency

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def commit(repo: Path, files: list[str], days_ago: float) -> None:
    for name in files:
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{name} {days_ago}\n", encoding="utf-8")
    when = (NOW - timedelta(days=days_ago)).isoformat()
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com",
         "commit", "-q", "-m", f"change {files}"],
        check=True, env=env,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    require_tool("git")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    commit(tmp_path, ["pricing/main.go", "catalog/main.go"], days_ago=200)  # outside 90 days
    for day in range(0, 70, 5):  # 14 commits
        commit(tmp_path, [f"pricing/internal/f{day}.go"], days_ago=day + 1)
    commit(tmp_path, ["catalog/cmd/main.go", "pricing/go.mod"], days_ago=3)
    commit(tmp_path, ["docs/readme.md"], days_ago=2)
    commit(tmp_path, ["pricing-old/x.go"], days_ago=2)  # a sibling with a common prefix
    return tmp_path


def test_commits_per_week_per_build_context_in_one_git_log(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, ...]] = []
    real = git_history._git

    def counting(git: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        return real(git, cwd, *args)

    monkeypatch.setattr(git_history, "_git", counting)
    history = deploy_frequency(
        {"pricing": repo / "pricing", "catalog": repo / "catalog", "whole": repo,
         "api": repo / "pricing"},
        since_days=91, now=NOW,
    )
    values = {m.service: m.value for m in history.measurements}
    assert values == {
        "pricing": round(15 / 13, 3), "api": round(15 / 13, 3),
        "catalog": round(1 / 13, 3), "whole": round(17 / 13, 3),
    }
    m = history.measurements[0]
    assert (m.metric, m.unit, m.source, m.window) == ("deploys_per_week", "1/week", "git", "91d")
    assert len(calls) == 2  # rev-parse + one log, whatever the number of services
    assert history.notes == ()


def test_not_a_repository_gives_no_measurement(tmp_path: Path) -> None:
    require_tool("git")
    (tmp_path / "svc").mkdir()
    history = deploy_frequency({"svc": tmp_path / "svc"}, now=NOW)
    assert history.measurements == ()
    assert "not in a git repository" in history.notes[0]


def test_no_git_installed_gives_no_measurement(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-bin"))
    history = deploy_frequency({"pricing": repo / "pricing"}, now=NOW)
    assert history.measurements == ()
    assert "git is not installed" in history.notes[0]


def test_context_outside_the_repository(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    history = deploy_frequency({"pricing": repo / "pricing", "x": elsewhere}, now=NOW)
    assert [m.service for m in history.measurements] == ["pricing"]
    assert any("outside the git repository" in n for n in history.notes)


def test_empty_repository(tmp_path: Path) -> None:
    require_tool("git")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    history = deploy_frequency({"svc": tmp_path}, now=NOW)
    assert history.measurements == ()
    assert history.notes
