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


def test_several_paths_as_kubectl_apply_takes_them(
    compose_report: Report, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Files and folders together, each finding located in its own file; a compose file among
    them is a usage error rather than a guess."""
    apps, platform = tmp_path / "apps", tmp_path / "platform"
    apps.mkdir()
    platform.mkdir()
    for name in ("pricing.yaml", "catalog.yaml"):
        shutil.copy(K8S / name, apps / name)
    for name in ("namespace.yaml", "infrastructure.yaml", "dapr.yaml"):
        shutil.copy(K8S / name, platform / name)
    shutil.copy(K8S / "warehouse.yaml", tmp_path / "warehouse.yaml")
    monkeypatch.chdir(tmp_path)
    argv = ["analyze", "apps", "warehouse.yaml", "platform", "--metrics", str(SHOP / "metrics.yaml"),
            "--format", "json", "--fail-on", "never"]  # fmt: skip
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    report = json.loads(out)
    assert {(v["service"], v["kind"], v["decision"], v["priority"]) for v in report["verdicts"]} == (
        verdicts(compose_report)
    )
    where = {f["service"]: f["location"]["file"] for f in report["findings"]}
    assert where == {
        "pricing-migration": "apps/pricing.yaml", "catalog-migration": "apps/catalog.yaml",
        "warehouse-migration": "warehouse.yaml",
    }
    code, _out, err = run_cli(["analyze", "apps", str(SHOP / "docker-compose.yml")], capsys)
    assert code == 2 and "is not a Kubernetes manifest" in err and "-f" in err


def test_source_and_dapr_resources_work_for_manifests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As for compose: --source reads a service's Go code (workloads located in it, WORKER_MODE
    found or not), --dapr-resources reads Dapr files the manifests do not hold."""
    extra = tmp_path / "dapr"
    extra.mkdir()
    (extra / "subscription.yaml").write_text(
        "apiVersion: dapr.io/v2alpha1\nkind: Subscription\nmetadata:\n  name: audit\n"
        "spec:\n  pubsubname: pubsub\n  topic: shop.audit\n  routes:\n    default: /audit\n"
        "scopes:\n  - warehouse-service\n"
    )
    base = ["analyze", str(K8S), "--format", "json", "--fail-on", "never"]
    code, out, err = run_cli(
        [*base, "--source", f"pricing-service={SHOP / 'pricing'}", "--dapr-resources", str(extra)],
        capsys,
    )
    assert code == 0, err
    report = json.loads(out)
    pricing = {w["name"]: w for w in report["workloads"] if w["service"] == "pricing-service"}
    assert pricing["price-sync"]["origin"] == "go"
    assert pricing["price-sync"]["location"]["file"].endswith("pricing/internal/cron/scheduler.go")
    assert pricing["stock-updated"]["location"]["file"].endswith("pricing/internal/event/handler.go")
    notes = report["notes"]
    assert any("pricing-service: Go code scanned" in n and "--source pricing-service=" in n for n in notes)
    audit = [w for w in report["workloads"] if w.get("topic") == "shop.audit"]
    assert [(w["service"], w["kind"]) for w in audit] == [("warehouse-service", "events")]
    assert audit[0]["location"]["file"].endswith("subscription.yaml")
    code, out, _err = run_cli(base, capsys)  # without them: the annotations alone
    plain = json.loads(out)
    assert not [w for w in plain["workloads"] if w["origin"] == "go" or w.get("topic") == "shop.audit"]
    code, _out, err = run_cli([*base, "--source", "nosuch=."], capsys)
    assert code == 2 and "no service 'nosuch'" in err


def test_kustomization_features_not_applied_are_a_located_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "k8s"
    shutil.copytree(K8S, folder)
    kustomization = folder / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + "namePrefix: prod-\npatches:\n  - path: x.yaml\n")
    line = kustomization.read_text().splitlines().index("namePrefix: prod-") + 1
    code, out, err = run_cli(["analyze", str(folder), "--format", "json", "--fail-on", "never"], capsys)
    assert code == 0, err
    (note,) = [n for n in json.loads(out)["notes"] if "not applied" in n]
    assert f"k8s/kustomization.yaml:{line}:1: namePrefix, patches not applied" in note
    assert f"kubectl kustomize {folder}" in note.replace(str(folder.resolve()), str(folder))
    assert note.endswith("| archcheck analyze -")
    code, out, _err = run_cli(["analyze", str(folder)], capsys)  # the text report shows it too
    assert "namePrefix, patches not applied" in out


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
