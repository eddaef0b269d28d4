"""The CI gate end to end, through the real ``archcheck`` entry point.

Golden files for every CI format from the shop fixture (``pytest --update-golden`` rewrites
them), several outputs in one run, the exit-code matrix over ``--fail-on``, suppressions, and
the baseline surviving an edit that shifts every line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from support import REPO

SHOP = REPO / "fixtures" / "shop"
GOLDEN = Path(__file__).parent / "golden"
SCHEMA = Path(__file__).parents[1] / "reporters" / "data" / "sarif-schema-2.1.0.json"
FORMATS = {"sarif": "sarif", "github": "txt", "junit": "xml", "codeclimate": "json"}
_REPLICATED = """\
services:
  api:
    image: shop/api:1
    container_name: api
    deploy:
      replicas: 2
"""
_CLEAN = "services:\n  api:\n    image: shop/api:1\n"


def archcheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "ARCHCHECK_"))}
    return subprocess.run(
        [sys.executable, "-m", "archcheck", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )


def in_process(
    *args: str, cwd: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """``archcheck ARGS`` through ``cli.main`` in this process: fast, for the larger matrices."""
    from archcheck.cli import main

    monkeypatch.chdir(cwd)
    code: int | str | None = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return int(code or 0), out, err


def sarif_errors(text: str) -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [e.message for e in validator.iter_errors(json.loads(text))]


def test_every_ci_format_from_one_run_matches_its_golden_file(
    tmp_path: Path, update_golden: bool
) -> None:
    """One run prints GitHub annotations and writes SARIF, JUnit and CodeClimate files."""
    out = {fmt: tmp_path / f"shop.{ext}" for fmt, ext in FORMATS.items() if fmt != "github"}
    args = [
        "analyze",
        "fixtures/shop/docker-compose.yml",
        "--format",
        "github",
    ]
    for fmt, path in out.items():
        args += ["--output", f"{fmt}={path}"]
    result = archcheck(*args, cwd=REPO)
    assert result.returncode == 1, result.stderr  # pricing: a high-priority split
    texts = {"github": result.stdout} | {
        fmt: p.read_text(encoding="utf-8") for fmt, p in out.items()
    }
    for fmt, path in out.items():
        assert f"wrote the {fmt} report to {path}" in result.stderr
    assert not sarif_errors(texts["sarif"])
    for fmt, raw in texts.items():
        # NOTE: a path of this checkout in the output would differ on CI's clone elsewhere
        text = raw.replace(str(REPO), "<REPO>")
        golden = GOLDEN / f"shop.{FORMATS[fmt]}"
        if update_golden:
            golden.write_text(text, encoding="utf-8")
        assert text == golden.read_text(encoding="utf-8"), f"{fmt}: rerun with --update-golden"


def test_format_flag_and_extra_output_agree(tmp_path: Path) -> None:
    """``--format sarif`` on stdout and ``--output sarif=FILE`` give the same document."""
    extra = tmp_path / "a.sarif"
    result = archcheck(
        "analyze",
        "fixtures/shop/docker-compose.yml",
        "--format",
        "sarif",
        "-o",
        f"sarif={extra}",
        "--fail-on",
        "never",
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == extra.read_text(encoding="utf-8")
    run = json.loads(result.stdout)["runs"][0]
    rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {"AC001", "AC103", "verdict.events"} <= rule_ids
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["shortDescription"]["text"] and rule["help"]["markdown"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "sarif="], "give a file after '='"),
        (["-o", "a.txt", "-o", "b.txt"], "write other formats with --output FORMAT=FILE"),
        (["--format", "sarif", "-o", "sarif=-"], "would go to stdout"),
        (["--format", "pdf"], "unknown --format"),
        (["-o", "SARIF=x.sarif"], "unknown format 'SARIF' ('sarif' is); use one of text, json,"),
        (["-o", "pdf=a.txt"], "unknown format 'pdf'; use one of text, json, markdown, sarif"),
        (["--baseline", "missing.json"], "archcheck baseline"),
    ],
)
def test_bad_output_and_baseline_flags_exit_2(
    tmp_path: Path,
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "docker-compose.yml").write_text(_REPLICATED)
    code, _, err = in_process(
        "analyze", *args, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys
    )
    assert code == 2, err
    assert err.startswith("error: ") and message in err
    assert not (tmp_path / "a.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docker-compose.yml"]  # nothing written



# --- the exit-code matrix --------------------------------------------------------------------


@pytest.mark.parametrize("worst", ["none", "low", "medium", "high"])
def test_exit_code_matrix_over_fail_on(
    tmp_path: Path, worst: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 1 exactly when the worst finding is at or above --fail-on (never: always 0)."""
    rank = {"none": 0, "low": 1, "medium": 2, "high": 3}
    (tmp_path / "docker-compose.yml").write_text(_CLEAN if worst == "none" else _REPLICATED)
    if worst != "none":
        (tmp_path / ".archcheck.yaml").write_text(f"rules:\n  AC103: {{severity: {worst}}}\n")
    for fail_on in ("high", "medium", "low", "never"):
        code, out, err = in_process(
            "analyze",
            "--fail-on",
            fail_on,
            "--format",
            "json",
            cwd=tmp_path,
            monkeypatch=monkeypatch,
            capsys=capsys,
        )
        expected = 1 if fail_on != "never" and rank[worst] >= rank[fail_on] else 0
        assert code == expected, (fail_on, out, err)
        findings = json.loads(out)["findings"]
        assert [f["rule_id"] for f in findings] == ([] if worst == "none" else ["AC103"])
        assert ("at or above --fail-on" in err) == bool(expected)


def test_suppressed_findings_are_shown_but_do_not_gate(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(_REPLICATED)
    (tmp_path / ".archcheck.yaml").write_text(
        "suppress:\n  - rule: AC103\n    service: api\n    reason: one replica in prod, ADR-7\n"
    )
    sarif = tmp_path / "out.sarif"
    junit = tmp_path / "out.xml"
    result = archcheck(
        "analyze",
        "--fail-on",
        "low",
        "--format",
        "github",
        "-o",
        f"sarif={sarif}",
        "-o",
        f"junit={junit}",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("::notice ") and "ADR-7" in result.stdout
    (sarif_result,) = json.loads(sarif.read_text())["runs"][0]["results"]
    suppression = sarif_result["suppressions"][0]
    assert suppression["justification"] == "one replica in prod, ADR-7"
    where = suppression["location"]["physicalLocation"]
    assert (
        where["artifactLocation"]["uri"] == ".archcheck.yaml" and where["region"]["startLine"] == 2
    )
    (case,) = ET.parse(junit).getroot().iter("testcase")
    skipped = case.find("skipped")
    assert skipped is not None and "ADR-7" in skipped.get("message", "")
    text = archcheck("analyze", "--fail-on", "low", cwd=tmp_path)
    assert text.returncode == 0 and "ADR-7" in text.stdout


def test_suppression_without_reason_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(_REPLICATED)
    (tmp_path / ".archcheck.yaml").write_text("suppress:\n  - rule: AC103\n")
    result = archcheck("analyze", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and ".archcheck.yaml:2:" in result.stderr
    assert "reason" in result.stderr


# --- baselines ---------------------------------------------------------------------------------


def test_baseline_survives_an_edit_that_shifts_lines(tmp_path: Path) -> None:
    shutil.copytree(SHOP, tmp_path / "shop")
    project = tmp_path / "shop"
    compose = project / "docker-compose.yml"
    original = compose.read_text()
    compose.write_text(
        original.replace("services:\n", "services:\n" + _REPLICATED.split("\n", 1)[1], 1)
    )
    assert archcheck("analyze", "--fail-on", "low", cwd=project).returncode == 1

    made = archcheck("baseline", cwd=project)
    assert made.returncode == 0, made.stderr
    baseline = project / ".archcheck-baseline.json"
    assert "analyze --baseline" in made.stderr
    entries = json.loads(baseline.read_text())["entries"]
    assert {"AC103"} <= {e.get("rule_id") for e in entries}

    # an unrelated edit: a comment block on top shifts every line
    compose.write_text("# owned by the platform team\n# see ADR-3\n\n" + compose.read_text())
    quiet = archcheck(
        "analyze", "--baseline", str(baseline), "--fail-on", "low", "--format", "json", cwd=project
    )
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    report = json.loads(quiet.stdout)
    assert report["findings"] == [] and report["verdicts"] == []
    assert any("unchanged since" in note for note in report["notes"])

    # a new problem is reported, and only it
    compose.write_text(
        compose.read_text()
        .replace("      replicas: 2\n", "      replicas: 2\n    restart: always\n", 1)
        .replace(
            "  warehouse-service:\n",
            "  warehouse-service:\n    container_name: wh\n    scale: 3\n",
            1,
        )
    )
    loud = archcheck(
        "analyze", "--baseline", str(baseline), "--fail-on", "low", "--format", "json", cwd=project
    )
    assert loud.returncode == 1, loud.stderr
    new = json.loads(loud.stdout)["findings"]
    assert [(f["rule_id"], f["service"], f["change"]) for f in new] == [
        ("AC103", "warehouse-service", "new")
    ]


def test_baseline_takes_the_inputs_of_analyze(tmp_path: Path) -> None:
    """``archcheck baseline`` forwards analyze's input options; it exits 0 despite findings."""
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "stack.yml").write_text(_REPLICATED)
    (tmp_path / "strict.yaml").write_text("rules:\n  AC103: {severity: low}\n")
    made = archcheck(
        "baseline",
        "-f",
        "deploy/stack.yml",
        "--config",
        "strict.yaml",
        "-o",
        "b.json",
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    (entry,) = json.loads((tmp_path / "b.json").read_text())["entries"]
    assert (entry["rule_id"], entry["level"]) == ("AC103", 1)  # the config was applied
    missing = archcheck("baseline", "nope.yml", cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.startswith("error: ")
    assert not (tmp_path / ".archcheck-baseline.json").exists()


def test_sarif_fingerprints_survive_a_line_shift(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    shutil.copytree(SHOP, project)
    compose = project / "docker-compose.yml"
    compose.write_text(
        compose.read_text().replace("services:\n", "services:\n" + _REPLICATED.split("\n", 1)[1], 1)
    )

    def results() -> dict[str, int]:
        run = archcheck("analyze", "--format", "sarif", "--fail-on", "never", cwd=project)
        assert run.returncode == 0, run.stderr
        found = json.loads(run.stdout)["runs"][0]["results"]
        return {
            r["partialFingerprints"]["archcheck/v1"]: r["locations"][0]["physicalLocation"][
                "region"
            ]["startLine"]
            for r in found
            if r["ruleId"] == "AC103"
        }

    before = results()
    compose.write_text("# moved\n# down\n# three lines\n" + compose.read_text())
    after = results()
    assert before.keys() == after.keys() and len(before) == 1
    assert [line + 3 for line in before.values()] == list(after.values())
