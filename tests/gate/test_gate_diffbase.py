"""``analyze --diff-base REF`` in real temporary git repositories (git is a .ci/setup tool).

The shop fixture is committed, then changed in a second commit: a change that adds a problem
fails the gate, a change that only touches other lines passes, although the shop has a
high-priority verdict all along. A shallow clone without REF gets the fetch command to run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, require_tool

SHOP = REPO / "fixtures" / "shop"
_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **_ENV}
    return subprocess.run(
        [require_tool("git"), *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def archcheck(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archcheck", "analyze", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose first commit is the shop, in a sub-folder as in real projects."""
    root = tmp_path / "shop-repo"
    shutil.copytree(SHOP, root / "deploy", ignore=shutil.ignore_patterns(".archcheck*"))
    git(root.parent, "init", "-q", "-b", "main", str(root))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the shop")
    return root


def _commit(root: Path, message: str) -> None:
    git(root, "commit", "-q", "-am", message)


def test_a_change_that_adds_a_problem_fails(repo: Path) -> None:
    compose = repo / "deploy" / "docker-compose.yml"
    text = compose.read_text()
    assert "  warehouse-service:\n" in text
    compose.write_text(
        text.replace(
            "  warehouse-service:\n",
            "  warehouse-service:\n    container_name: wh\n    scale: 2\n",
            1,
        )
    )
    _commit(repo, "scale the warehouse")
    result = archcheck(
        repo, "deploy/docker-compose.yml", "--diff-base", "HEAD~1", "--format", "json"
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert [(f["rule_id"], f["service"], f["change"]) for f in report["findings"]] == [
        ("AC103", "warehouse-service", "new")
    ]
    assert report["verdicts"] == []  # the shop's verdicts are unchanged since HEAD~1
    assert any("unchanged since HEAD~1" in n for n in report["notes"])


def test_a_change_to_other_lines_passes(repo: Path) -> None:
    """Comments on top (every line shifts) and an unrelated value: nothing new, exit 0."""
    compose = repo / "deploy" / "docker-compose.yml"
    compose.write_text("# reviewed in ADR-9\n# owner: platform\n" + compose.read_text())
    _commit(repo, "comments")
    result = archcheck(
        repo, "deploy/docker-compose.yml", "--diff-base", "HEAD~1", "--fail-on", "low"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # without --diff-base the same tree fails: the shop has a high-priority verdict
    assert archcheck(repo, "deploy/docker-compose.yml").returncode == 1


def test_worse_metrics_in_the_snapshot_fail(repo: Path) -> None:
    """The snapshot is taken as of REF too: catalog's event volume growing 20-fold is worse."""
    metrics = repo / "deploy" / "metrics.yaml"
    text = metrics.read_text()
    assert text.count("events_per_minute: 80\n") == 1  # catalog's product-price-changed
    metrics.write_text(text.replace("events_per_minute: 80\n", "events_per_minute: 1600\n"))
    _commit(repo, "catalog traffic grew")
    result = archcheck(
        repo,
        "deploy/docker-compose.yml",
        "--diff-base",
        "HEAD~1",
        "--fail-on",
        "high",
        "--format",
        "json",
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert [(v["service"], v["kind"], v["decision"], v["change"]) for v in report["verdicts"]] == [
        ("catalog-service", "events", "separate", "worse")
    ]
    assert report["findings"] == []


def test_new_compose_file_counts_as_all_new(repo: Path) -> None:
    (repo / "extra").mkdir()
    (repo / "extra" / "compose.yaml").write_text(
        "services:\n  api:\n    image: a:1\n    container_name: api\n    deploy:\n      replicas: 2\n"
    )
    result = archcheck(repo / "extra", "--diff-base", "HEAD", "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert [f["change"] for f in report["findings"]] == ["new"]
    assert any("did not exist at HEAD" in n for n in report["notes"])


def test_shallow_clone_says_how_to_fetch(repo: Path, tmp_path: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    compose = repo / "deploy" / "docker-compose.yml"
    compose.write_text("# c\n" + compose.read_text())
    _commit(repo, "second")
    git(repo, "config", "uploadpack.allowAnySHA1InWant", "true")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{repo}", str(clone))

    result = archcheck(clone, "deploy/docker-compose.yml", "--diff-base", first)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "shallow clone" in result.stderr
    fetch = f"git fetch --no-tags --depth=1 origin {first}"
    assert fetch in result.stderr
    relative = archcheck(clone, "deploy/docker-compose.yml", "--diff-base", "HEAD~1")
    assert relative.returncode == 2 and "git fetch --unshallow" in relative.stderr

    git(clone, *fetch.split()[1:])  # do what the message says
    again = archcheck(clone, "deploy/docker-compose.yml", "--diff-base", first, "--fail-on", "low")
    assert again.returncode == 0, again.stderr


def test_unknown_revision_and_no_repository(repo: Path, tmp_path: Path) -> None:
    result = archcheck(repo, "deploy/docker-compose.yml", "--diff-base", "no-such-branch")
    assert result.returncode == 2 and "no such revision" in result.stderr
    outside = tmp_path / "plain"
    shutil.copytree(SHOP, outside)
    result = archcheck(outside, "--diff-base", "HEAD")
    assert result.returncode == 2 and "not inside" in result.stderr


def test_an_unversioned_env_file_is_used_on_both_sides(tmp_path: Path) -> None:
    """.env is local configuration (usually git-ignored): REF is interpolated with it too."""
    root = tmp_path / "r"
    root.mkdir()
    (root / ".gitignore").write_text(".env\n")
    (root / ".env").write_text("REPLICAS=2\n")
    (root / "compose.yaml").write_text(
        "services:\n  api:\n    image: a:1\n    container_name: api\n"
        "    deploy:\n      replicas: ${REPLICAS:?set REPLICAS in .env}\n"
    )
    git(tmp_path, "init", "-q", "-b", "main", str(root))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one")
    (root / "compose.yaml").write_text("# comment\n" + (root / "compose.yaml").read_text())
    result = archcheck(root, "--diff-base", "HEAD", "--fail-on", "low", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert not any("could not analyse" in n for n in report["notes"])
    # the same finding exists without --diff-base: it is hidden because it is unchanged
    assert archcheck(root, "--fail-on", "low").returncode == 1


def test_both_sides_read_the_same_git_history(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deploy frequency comes from git log; the revision's tree must see the same history."""
    from archcheck.compose import ComposeOptions
    from archcheck.gate.diffbase import report_at
    from archcheck.pipeline import AnalyzeOptions, run_analysis

    metrics = repo / "deploy" / "metrics.yaml"
    lines = metrics.read_text().splitlines(keepends=True)
    metrics.write_text("".join(line for line in lines if "deploys_per_week" not in line))
    _commit(repo, "deploy frequency from git")
    monkeypatch.chdir(repo)
    options = AnalyzeOptions(compose=ComposeOptions(files=(Path("deploy/docker-compose.yml"),)))
    system, _, head = run_analysis(options)
    base, why = report_at("HEAD", options, system.compose_files, None)
    assert why is None

    def deploys(report: object) -> dict[str, object]:
        return {
            f"{v.service}/{v.kind}": e.value
            for v in report.verdicts  # type: ignore[attr-defined]
            for e in v.evidence
            if e.criterion == "deploy frequency"
        }

    assert deploys(head) and all(value is not None for value in deploys(head).values())
    assert deploys(base) == deploys(head)


def test_remap_paths_moves_what_exists_at_the_revision(tmp_path: Path) -> None:
    from dataclasses import dataclass, field

    from archcheck.gate.diffbase import remap_paths

    @dataclass(frozen=True)
    class Inner:
        cwd: Path | None = None
        files: tuple[Path, ...] = ()

    @dataclass(frozen=True)
    class Options:
        inner: Inner = field(default_factory=Inner)
        sources: dict[str, Path] = field(default_factory=dict)
        token: Path | None = None
        config: Path | None = None

    root, tree = tmp_path / "root", tmp_path / "tree"
    for folder in (root / "a", tree / "a"):
        folder.mkdir(parents=True)
        (folder / "c.yml").write_text("x")
    (root / "secret").write_text("t")  # not in the revision's tree
    options = Options(
        inner=Inner(cwd=root / "a", files=(Path("c.yml"),)),
        sources={"svc": root / "a"},
        token=root / "secret",
        config=root / "a" / "c.yml",
    )
    moved = remap_paths(options, root.resolve(), tree, keep=frozenset({"config"}))
    assert moved.inner.cwd == tree / "a"
    assert moved.inner.files == (tree / "a" / "c.yml",)
    assert moved.sources == {"svc": tree / "a"}
    assert moved.token == root / "secret"  # kept: absent at the revision
    assert moved.config == root / "a" / "c.yml"  # kept: the same rules judge both sides


@pytest.mark.parametrize("target", ["/etc/passwd", "../../outside"])
def test_a_tree_with_escaping_symlinks_is_still_compared(repo: Path, target: str) -> None:
    """git archive of a tree holding an absolute or escaping symlink: the link is skipped (the
    data filter refuses it), the comparison runs."""
    (repo / "deploy" / "link").symlink_to(target)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a link")
    proc = archcheck(repo / "deploy", "--diff-base", "HEAD", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_fetch_hint_is_shell_quoted() -> None:
    from archcheck.gate.diffbase import fetch_hint

    hint = fetch_hint("feat/x;touch pwned")
    assert hint == "git fetch --no-tags --depth=1 origin 'feat/x;touch pwned'"
    assert fetch_hint("origin/a b") == (
        "git fetch --no-tags --depth=1 origin 'a b:refs/remotes/origin/a b'"
    )
    assert fetch_hint("main") == "git fetch --no-tags --depth=1 origin main"
