"""The cluster hygiene rules AC201-AC208: each fires on its defect, at the marked line, and
not on the fixed manifest; the compose-only AC104/AC106 leave manifests to them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

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
    path.write_text(API + textwrap.dedent(text))
    system = build_system(AnalyzeOptions(manifests=(path,)))
    return list(evaluate(system, ruleset).findings)


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


API = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  annotations:
    archcheck.dev/events: "[{topic: orders}]"
    archcheck.dev/cron: "[{name: sync, schedule: '*/5 * * * *'}]"
spec:
  template:
    spec:
      containers: [{name: app, image: shop/app:1}]
---
"""
"""The application every case's worker, job or migration belongs to."""

FIT = "resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 500m, memory: 256Mi}}"
EVENT_POD = """\
    metadata:
      annotations: {dapr.io/enabled: "true", dapr.io/graceful-shutdown-seconds: "%s",
                    archcheck.dev/drain-seconds: "20"}
    spec:
      terminationGracePeriodSeconds: %s
      containers:
        - name: worker
          image: shop/app:1
          args: [-mode, events]
          """ + FIT + "\n"
PDB = """\
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: app-event-worker}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: app-event-worker}}
"""


def event_worker(sidecar: int, grace: int, pdb: str = PDB) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-event-worker}\nspec:\n"
        "  template:\n    metadata:\n      labels: {app: app-event-worker}\n"
        + (EVENT_POD % (sidecar, grace)).replace("    metadata:\n", "", 1)
        + pdb
    )


def cronjob(extra: str) -> str:
    return f"""\
        apiVersion: batch/v1
        kind: CronJob
        metadata: {{name: app-sync, annotations: {{archcheck.dev/owner: app}}}}
        spec:
          schedule: "*/5 * * * *"{extra}
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - {{name: job, image: shop/app:1, args: [-mode, cron, -job, sync], {FIT}}}
        """


CASES: dict[str, tuple[str, str, str]] = {
    "AC201": (
        f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: app-cron-worker}}
        spec:
          replicas: 3
          template:
            spec:
              containers: [{{name: w, image: shop/app:1, args: [-mode, cron], {FIT}}}]
        """,
        f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: app-cron-worker}}
        spec:
          replicas: 1
          strategy: {{type: Recreate}}
          template:
            spec:
              containers: [{{name: w, image: shop/app:1, args: [-mode, cron], {FIT}}}]
        """,
        "replicas: 3",
    ),
    "AC202": (
        cronjob("\n          startingDeadlineSeconds: 60"),
        cronjob("\n          startingDeadlineSeconds: 60\n          concurrencyPolicy: Forbid"),
        'schedule: "*/5',
    ),
    "AC203": (
        cronjob("\n          concurrencyPolicy: Forbid"),
        cronjob("\n          concurrencyPolicy: Forbid\n          startingDeadlineSeconds: 60"),
        'schedule: "*/5',
    ),
    "AC204": (
        """\
        apiVersion: batch/v1
        kind: Job
        metadata: {name: app-migration}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: migrate, image: shop/app:1, command: [/app/migrate]}]
        """,
        """\
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: app-migration
          annotations: {helm.sh/hook: "pre-install,pre-upgrade"}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: migrate, image: shop/app:1, command: [/app/migrate]}]
        """,
        "name: app-migration",
    ),
    "AC205": (event_worker(30, 60, pdb=""), event_worker(30, 60), "name: app-event-worker"),
    "AC206": (event_worker(25, 30), event_worker(25, 45), "terminationGracePeriodSeconds"),
    "AC207": (event_worker(10, 60), event_worker(25, 60), "graceful-shutdown-seconds"),
    "AC208": (
        """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: app-cron-worker}
        spec:
          template:
            spec:
              containers:
                - name: w
                  image: shop/app:1
                  args: [-mode, cron]
                  resources: {limits: {cpu: "1", memory: 256Mi}}
        """,
        f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: app-cron-worker}}
        spec:
          template:
            spec:
              containers: [{{name: w, image: shop/app:1, args: [-mode, cron], {FIT}}}]
        """,
        "resources:",
    ),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_cluster_rule_fires_on_defect_only(tmp_path: Path, ruleset: Ruleset, rule: str) -> None:
    bad, good, marker = CASES[rule]
    hits = [f for f in analyze(tmp_path, ruleset, bad) if f.rule_id == rule]
    path = tmp_path / "k8s.yaml"
    assert len(hits) == 1, hits
    assert hits[0].location is not None and hits[0].location.file == str(path)
    assert hits[0].location.line == line_of(path, marker), (hits[0], path.read_text())
    assert hits[0].severity == ruleset.by_id[rule].severity
    assert [f for f in analyze(tmp_path, ruleset, good) if f.rule_id == rule] == []


def test_every_cluster_rule_has_a_case(ruleset: Ruleset) -> None:
    assert {r.id for r in ruleset.rules if r.id.startswith("AC2")} == set(CASES)


def test_compose_rules_leave_manifests_to_the_cluster_rules(
    tmp_path: Path, ruleset: Ruleset
) -> None:
    ids = {f.rule_id for f in analyze(tmp_path, ruleset, CASES["AC201"][0])}
    assert "AC201" in ids and "AC104" not in ids
    ids = {f.rule_id for f in analyze(tmp_path, ruleset, CASES["AC208"][0])}
    assert "AC208" in ids and "AC106" not in ids


def test_autoscaled_cron_worker_is_flagged_at_the_autoscaler(
    tmp_path: Path, ruleset: Ruleset
) -> None:
    good = textwrap.dedent(CASES["AC201"][1])
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
    text = event_worker(10, 60).replace('archcheck.dev/drain-seconds: "20"', "")
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
    bad = textwrap.dedent(CASES["AC204"][0]).replace(
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
    text = textwrap.dedent(CASES["AC204"][0]) + textwrap.dedent(waiting)
    assert [f for f in analyze(tmp_path, ruleset, text) if f.rule_id == "AC204"] == []
