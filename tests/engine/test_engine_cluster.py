"""The cluster hygiene rules AC201-AC208 beyond their case files (tests/engine/cases): the
compose-only AC104/AC106 leave manifests to them; autoscalers, assumed drains, orderings."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from archcheck.engine import load_ruleset
from archcheck.engine.evaluate import evaluate
from archcheck.engine.ruleset import Ruleset
from archcheck.model import Finding
from archcheck.pipeline import AnalyzeOptions, build_system


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset()


def analyze(tmp_path: Path, ruleset: Ruleset, text: str) -> list[Finding]:
    path = tmp_path / "k8s.yaml"
    path.write_text(text)
    system = build_system(AnalyzeOptions(manifests=(path,)))
    return list(evaluate(system, ruleset).findings)


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


CASES = {
    p.stem.split("-")[0]: yaml.safe_load(p.read_text(encoding="utf-8"))
    for p in sorted((Path(__file__).parent / "cases").glob("AC2*.yaml"))
}
"""The cluster rules' case files (run by test_engine_hygiene.py): bad, good and marker."""


def test_every_cluster_rule_has_a_kubernetes_case(ruleset: Ruleset) -> None:
    assert {r.id for r in ruleset.rules if r.id.startswith("AC2")} == set(CASES)
    assert {c["input"] for c in CASES.values()} == {"kubernetes"}


def test_compose_rules_leave_manifests_to_the_cluster_rules(
    tmp_path: Path, ruleset: Ruleset
) -> None:
    ids = {f.rule_id for f in analyze(tmp_path, ruleset, CASES["AC201"]["bad"])}
    assert "AC201" in ids and "AC104" not in ids
    ids = {f.rule_id for f in analyze(tmp_path, ruleset, CASES["AC208"]["bad"])}
    assert "AC208" in ids and "AC106" not in ids


def test_autoscaled_cron_worker_is_flagged_at_the_autoscaler(
    tmp_path: Path, ruleset: Ruleset
) -> None:
    good = CASES["AC201"]["good"]
    hpa = (
        "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
        "metadata: {name: app-cron-worker}\nspec:\n"
        "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: app-cron-worker}\n"
        "  minReplicas: 1\n  maxReplicas: 4\n"
    )
    hits = [f for f in analyze(tmp_path, ruleset, good + hpa) if f.rule_id == "AC201"]
    assert len(hits) == 1 and hits[0].evidence["replicas"] == 4
    assert "HorizontalPodAutoscaler/app-cron-worker" in hits[0].message
    path = tmp_path / "k8s.yaml"
    assert hits[0].location is not None
    assert hits[0].location.line == line_of(path, "scaleTargetRef")


def test_drain_assumed_when_not_declared_says_so(tmp_path: Path, ruleset: Ruleset) -> None:
    text = CASES["AC207"]["bad"].replace('archcheck.dev/drain-seconds: "20"', "")
    hits = [f for f in analyze(tmp_path, ruleset, text) if f.rule_id == "AC207"]
    assert len(hits) == 1 and hits[0].evidence["drain"] == 25
    assert "assumed" in hits[0].message


@pytest.mark.parametrize(
    ("ordering", "awaited"),
    [
        ('annotations: {argocd.argoproj.io/hook: PreSync}', True),
        ('annotations: {argocd.argoproj.io/sync-wave: "-1"}', True),
        ('annotations: {archcheck.dev/idempotent: "true"}', True),
        ('annotations: {argocd.argoproj.io/sync-wave: "2"}', False),
        ('annotations: {helm.sh/hook: post-install}', False),
    ],
)
def test_migration_orderings(
    tmp_path: Path, ruleset: Ruleset, ordering: str, awaited: bool
) -> None:
    bad = CASES["AC204"]["bad"].replace(
        "metadata: {name: app-migration}", f"metadata:\n  name: app-migration\n  {ordering}"
    )
    hits = [f for f in analyze(tmp_path, ruleset, bad) if f.rule_id == "AC204"]
    assert (hits == []) is awaited, hits


def test_migration_awaited_by_an_init_container(tmp_path: Path, ruleset: Ruleset) -> None:
    waiting = """\
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: other}
        spec:
          template:
            spec:
              initContainers:
                - {name: wait, image: groundnuty/k8s-wait-for:v2.0, args: [job, app-migration]}
              containers: [{name: other, image: shop/other:1}]
        """
    text = CASES["AC204"]["bad"] + textwrap.dedent(waiting)
    assert [f for f in analyze(tmp_path, ruleset, text) if f.rule_id == "AC204"] == []


def test_platforms_follow_what_each_rule_reads(tmp_path: Path, ruleset: Ruleset) -> None:
    """A rule's platforms (SARIF's tags) say what its check reads: the cluster rules only
    manifests, the compose-only hygiene rules only compose files, the matrix both."""
    by_id = {r.id: r.platforms for r in ruleset.rules}
    assert {by_id[rule] for rule in CASES} == {("kubernetes",)}
    assert by_id["AC104"] == by_id["AC106"] == ("docker-compose",)
    assert by_id["AC001"] == ("docker-compose", "kubernetes")
    # the compose-only rules stay silent on manifests that have each one's defect
    ids = {f.rule_id for f in analyze(tmp_path, ruleset, CASES["AC201"]["bad"])}
    ids |= {f.rule_id for f in analyze(tmp_path, ruleset, CASES["AC208"]["bad"])}
    assert not {i for i in ids if "kubernetes" not in by_id[i]}


def test_sarif_tags_the_cluster_rules_kubernetes(tmp_path: Path, ruleset: Ruleset) -> None:
    import json

    from archcheck.engine.evaluate import evaluate as judge
    from archcheck.reporters import sarif

    path = tmp_path / "k8s.yaml"
    path.write_text(CASES["AC202"]["bad"])
    report = judge(build_system(AnalyzeOptions(manifests=(path,))), ruleset)
    rules = json.loads(sarif.render(report))["runs"][0]["tool"]["driver"]["rules"]
    tags = {r["id"]: r["properties"]["tags"] for r in rules}
    assert tags["AC202"] == ["architecture", "kubernetes"]
    assert all("docker-compose" not in tags[i] for i in tags if i.startswith("AC2"))
