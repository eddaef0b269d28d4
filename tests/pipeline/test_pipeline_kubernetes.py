"""The shop as Kubernetes manifests reaches the compose shop's verdicts, from a folder and from
``kubectl kustomize`` on standard input."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from support import ON_CI, REPO, run_cli

from archcheck.compose import ComposeOptions
from archcheck.model import PRIORITY_RANK, Report
from archcheck.pipeline import AnalyzeOptions, run_analysis

SHOP = REPO / "fixtures" / "shop"
K8S = SHOP / "k8s"


def verdicts(report: Report) -> set[tuple[str, str, str, str]]:
    return {(v.service, v.kind, v.decision, v.priority) for v in report.verdicts}


@pytest.fixture(scope="module")
def compose_report() -> Report:
    options = AnalyzeOptions(compose=ComposeOptions(files=(SHOP / "docker-compose.yml",)))
    return run_analysis(options).report


def test_manifests_reach_the_compose_shops_verdicts(compose_report: Report) -> None:
    report = run_analysis(AnalyzeOptions(manifests=(K8S,))).report
    assert verdicts(report) == verdicts(compose_report)
    by_service = {v.service: v for v in report.verdicts if v.kind == "events"}
    assert by_service["pricing-service"].priority == "high"
    top = {
        s: max(PRIORITY_RANK[v.priority] for v in report.verdicts if v.service == s)
        for s in ("pricing-service", "catalog-service", "warehouse-service")
    }
    assert top == {"pricing-service": 3, "catalog-service": 2, "warehouse-service": 1}
    # What kompose loses: the compose shop awaits its migrations, the manifests do not.
    assert sorted(f.service or "" for f in report.findings if f.rule_id == "AC204") == [
        "catalog-migration", "pricing-migration", "warehouse-migration"
    ]
    assert {f.rule_id for f in report.findings} == {"AC204"}
    # the Resiliency is read as compose discovery reads it
    retries = [n.text for n in report.notes if "retry policy 'eventRetry' (5 retries)" in n.text]
    assert len(retries) == 1 and "k8s/dapr.yaml:28:7: " in retries[0]
    pricing = next(v for v in report.verdicts if v.service == "pricing-service")
    assert pricing.location is not None and pricing.location.file.endswith("k8s/pricing.yaml")


def test_cli_reads_the_folder_and_json_keeps_file_line_col(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(["analyze", str(K8S), "--format", "json"], capsys)
    assert code == 1, err
    report = json.loads(out)
    assert report["project"] == "shop"
    migration = next(f for f in report["findings"] if f["service"] == "pricing-migration")
    assert migration["location"]["file"].endswith("k8s/pricing.yaml")
    assert migration["location"]["line"] == 6  # `name: pricing-migration`
    assert migration["evidence"]["document"] == 1  # the Job is pricing.yaml's first object
    assert all("secretKeyRef" not in json.dumps(f) for f in report["findings"])


def _kustomize() -> list[str]:
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if ON_CI:
        pytest.fail("neither kubectl nor kustomize is installed; .ci/setup installs kustomize")
    pytest.skip("neither kubectl nor kustomize is installed (bash .ci/setup installs kustomize)")


def test_kustomize_output_on_stdin(compose_report: Report, tmp_path: Path) -> None:
    built = subprocess.run(
        [*_kustomize(), str(K8S)], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    options = AnalyzeOptions(manifests=(Path("-"),), metrics=(SHOP / "metrics.yaml",))
    import io
    import sys

    saved = sys.stdin
    sys.stdin = io.StringIO(built)
    try:
        report = run_analysis(options).report
    finally:
        sys.stdin = saved
    assert verdicts(report) == verdicts(compose_report)
    located = [f.location for f in report.findings if f.location is not None]
    assert located and all(loc.file == "<stdin>" for loc in located)
    lines = built.splitlines()
    for loc in located:
        assert lines[loc.line - 1].strip().startswith("name:") and "migration" in lines[loc.line - 1]
    documents = built.split("\n---\n")
    for f in report.findings:
        document = f.evidence["document"]
        assert isinstance(document, int) and document > 1
        assert f"  name: {f.service}\n" in documents[document - 1]


def test_nothing_to_decide_on_manifests_points_at_the_annotations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On manifests the hint names what manifests use (``archcheck.dev/`` annotations), not
    compose's ``x-archcheck``."""
    (tmp_path / "web.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector:\n"
        "    matchLabels: {app: web}\n  template:\n    metadata: {labels: {app: web}}\n"
        "    spec:\n      containers: [{name: web, image: 'ghcr.io/acme/web:1'}]\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(["analyze", str(tmp_path)], capsys)
    assert code == 0, err
    assert "nothing to decide" in out and "archcheck.dev/ annotations" in out
    assert "x-archcheck" not in out
