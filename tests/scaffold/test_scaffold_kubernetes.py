"""``scaffold --target kubernetes`` on the shop's manifests: what it writes validates against
the real Kubernetes, KEDA and Dapr schemas, and comes back from analyze as already separated.

The round trip runs the user's kustomization (with the generated Component added) through the
real kustomize (``kubectl kustomize``), as a cluster would receive it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from kubernetes_schemas import KUBERNETES, validate_text
from scaffold_helpers import run_cli
from support import ON_CI, REPO

SHOP = REPO / "fixtures" / "shop"


def kustomize() -> list[str]:
    for tool, argv in (("kubectl", ["kubectl", "kustomize"]), ("kustomize", ["kustomize", "build"])):
        if shutil.which(tool):
            return argv
    if ON_CI:
        pytest.fail("neither kubectl nor kustomize is installed; .ci/setup installs kustomize")
    pytest.skip("neither kubectl nor kustomize is installed (bash .ci/setup installs kustomize)")


def shop(tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(SHOP, target, ignore=shutil.ignore_patterns("docker-compose.yml"))
    return target


def include(root: Path, *components: str) -> None:
    """What the scaffold asks the user to do: list the Component in their kustomization."""
    kustomization = root / "k8s" / "kustomization.yaml"
    data = yaml.safe_load(kustomization.read_text())
    data["components"] = list(components)
    kustomization.write_text(yaml.safe_dump(data))


def build(root: Path, *components: str) -> str:
    include(root, *components)
    return subprocess.run(
        [*kustomize(), str(root / "k8s")], capture_output=True, text=True, check=True, timeout=120
    ).stdout


def analyze_stdin(
    text: str, root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, object]:
    import io
    import json

    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code, out, err = run_cli(
        ["analyze", "-", "--metrics", "metrics.yaml", "--format", "json", "--fail-on", "never"],
        root, capsys, monkeypatch,
    )
    assert code == 0, err
    report: dict[str, object] = json.loads(out)
    return report


@pytest.fixture
def pricing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Path:
    root = shop(tmp_path)
    code, _, err = run_cli(["scaffold", "pricing", "--target", "kubernetes"], root / "k8s", capsys, monkeypatch)
    assert code == 2 and "k8s does not exist" in err  # run from k8s/, ./k8s is missing
    code, _, err = run_cli(["scaffold", "pricing", "--target", "kubernetes"], root, capsys, monkeypatch)
    assert code == 0, err
    assert "components: [pricing-workers]" in err
    return root


def test_generated_manifests_validate_against_the_schemas(pricing: Path) -> None:
    folder = pricing / "k8s" / "pricing-workers"
    files = sorted(p.name for p in folder.glob("*.yaml"))
    assert files == [
        "cron-worker.yaml", "cronjobs.yaml", "dapr.yaml", "event-worker.yaml", "kustomization.yaml"
    ]
    for name in files[:-1]:
        assert validate_text((folder / name).read_text()) == [], name
    kinds = [d["kind"] for d in yaml.safe_load_all((folder / "event-worker.yaml").read_text())]
    assert kinds == ["Deployment", "PodDisruptionBudget", "ScaledObject"]
    assert len(KUBERNETES) >= 2
    # by the rule: price-sync (every 5 min) stays in the Deployment, cache-warmup (daily, 15 min
    # at most) gets a CronJob, and the Deployment no longer schedules it
    cron = yaml.safe_load((folder / "cron-worker.yaml").read_text())
    pod = cron["spec"]["template"]
    assert pod["spec"]["containers"][0]["args"][-2:] == ["-jobs", "price-sync"]
    assert "cache-warmup" not in pod["metadata"]["annotations"]["archcheck.dev/cron"]
    (job,) = [d for d in yaml.safe_load_all((folder / "cronjobs.yaml").read_text()) if d]
    assert job["kind"] == "CronJob" and job["metadata"]["name"] == "pricing-cache-warmup"
    spec = job["spec"]
    assert (spec["schedule"], spec["timeZone"], spec["concurrencyPolicy"]) == ("0 2 * * *", "UTC", "Forbid")
    assert spec["startingDeadlineSeconds"] > 0
    pod = spec["jobTemplate"]["spec"]["template"]
    assert pod["spec"]["restartPolicy"] == "Never"
    assert pod["spec"]["containers"][0]["args"][-2:] == ["-run-job", "cache-warmup"]
    assert pod["metadata"]["annotations"]["dapr.io/enabled"] == "true"  # as on the API's pods


def test_round_trip_through_kustomize_is_already_separated(
    pricing: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build(pricing, "pricing-workers")
    assert validate_text(built) == []
    report = analyze_stdin(built, pricing, capsys, monkeypatch)
    verdicts = {(v["service"], v["kind"]): v for v in report["verdicts"]}  # type: ignore[attr-defined]
    assert verdicts[("pricing-service", "events")]["summary"].startswith(
        "already separated in pricing-event-worker"
    )
    assert verdicts[("pricing-service", "cron")]["summary"].startswith(
        "already separated in pricing-cron-worker"
    )
    pricing_findings = [
        f for f in report["findings"] if str(f["service"]).startswith("pricing")  # type: ignore[attr-defined]
    ]
    assert pricing_findings == []
    # the other applications are untouched: their migrations still have nothing to wait for
    assert {f["service"] for f in report["findings"]} == {  # type: ignore[attr-defined]
        "catalog-migration", "warehouse-migration"
    }
    deployment = next(
        d for d in yaml.safe_load_all(built) if d["kind"] == "Deployment"
        and d["metadata"]["name"] == "pricing-service"
    )
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "WORKER_MODE", "value": "api"} in env


def test_without_the_component_the_api_still_runs_everything(
    pricing: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers alone (the Component's patch not applied) are what AC111 is for: the API has
    no WORKER_MODE and manifests name no code to read, so archcheck cannot tell (medium)."""
    include(pricing, "pricing-workers")
    argv = ["analyze", "k8s", "--format", "json", "--fail-on", "medium"]
    code, out, _err = run_cli(argv, pricing, capsys, monkeypatch)
    assert code == 1
    assert '"AC111"' in out and "patches not applied" in out


def test_check_dry_run_and_conflicts(
    pricing: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["scaffold", "pricing", "--target", "kubernetes"]
    code, out, err = run_cli([*argv, "--check"], pricing, capsys, monkeypatch)
    assert code == 0 and "up to date" in err and out == ""
    worker = pricing / "k8s" / "pricing-workers" / "event-worker.yaml"
    edited = worker.read_text().replace("maxReplicaCount: 4", "maxReplicaCount: 9")
    worker.write_text(edited)
    code, out, err = run_cli([*argv, "--check"], pricing, capsys, monkeypatch)
    assert code == 1 and "-  maxReplicaCount: 9" in out.replace("\r", "")
    code, out, err = run_cli(argv, pricing, capsys, monkeypatch)
    assert code == 1 and "conflict" in err and worker.read_text() == edited
    code, out, err = run_cli([*argv, "--dry-run", "--force"], pricing, capsys, monkeypatch)
    assert code == 0 and "+  maxReplicaCount: 4" in out and worker.read_text() == edited
    code, out, err = run_cli([*argv, "--force"], pricing, capsys, monkeypatch)
    assert code == 0 and "maxReplicaCount: 4" in worker.read_text()


def test_catalog_splits_only_its_cron_job_and_keeps_its_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = shop(tmp_path)
    code, _, err = run_cli(["scaffold", "catalog", "--target", "kubernetes"], root, capsys, monkeypatch)
    assert code == 0, err
    folder = root / "k8s" / "catalog-workers"
    assert sorted(p.name for p in folder.glob("*.yaml")) == ["cron-worker.yaml", "kustomization.yaml"]
    built = build(root, "catalog-workers")
    assert validate_text(built) == []
    report = analyze_stdin(built, root, capsys, monkeypatch)
    verdicts = {(v["service"], v["kind"]): v for v in report["verdicts"]}  # type: ignore[attr-defined]
    assert verdicts[("catalog-service", "cron")]["summary"].startswith("already separated")
    assert verdicts[("catalog-service", "events")]["decision"] == "inline"
    assert not [f for f in report["findings"] if str(f["service"]).startswith("catalog")]  # type: ignore[attr-defined]
    assert 'value: "events"' in (folder / "kustomization.yaml").read_text()


@pytest.mark.parametrize(
    ("pubsub", "metadata", "trigger"),
    [
        ("pubsub.kafka", "- {name: brokers, value: 'kafka:9092'}", "kafka"),
        ("pubsub.redis", "- {name: redisHost, value: 'redis:6379'}", "redis-streams"),
        ("pubsub.rabbitmq", "- {name: connectionString, secretKeyRef: {name: mq, key: url}}", "rabbitmq"),
        ("pubsub.nats", "- {name: natsURL, value: 'nats://nats:4222'}", "prometheus"),
    ],
)
def test_the_scaler_matches_the_pubsub_component(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    pubsub: str,
    metadata: str,
    trigger: str,
) -> None:
    root = shop(tmp_path)
    dapr = root / "k8s" / "dapr.yaml"
    text = dapr.read_text().replace("type: pubsub.redis", f"type: {pubsub}")
    text = text.replace("    - name: redisHost\n      value: redis:6379\n", f"    {metadata}\n")
    dapr.write_text(text)
    code, _, err = run_cli(
        ["scaffold", "pricing", "--target", "kubernetes", "--mode", "events"], root, capsys, monkeypatch
    )
    assert code == 0, err
    worker = (root / "k8s" / "pricing-workers" / "event-worker.yaml").read_text()
    assert validate_text(worker) == []
    scaled = next(d for d in yaml.safe_load_all(worker) if d["kind"] == "ScaledObject")
    assert {t["type"] for t in scaled["spec"]["triggers"]} == {trigger}
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (1, 4)


def test_a_new_migration_job_when_the_code_has_one_and_the_manifests_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = shop(tmp_path)
    pricing = root / "k8s" / "pricing.yaml"
    docs = pricing.read_text().split("\n---\n")
    pricing.write_text("\n---\n".join(d for d in docs if "kind: Job" not in d))
    (root / "pricing" / "cmd" / "migrate").mkdir()
    code, _, err = run_cli(["scaffold", "pricing", "--target", "kubernetes"], root, capsys, monkeypatch)
    assert code == 0, err
    job = root / "k8s" / "pricing-workers" / "migration.yaml"
    assert validate_text(job.read_text()) == []
    report = analyze_stdin(build(root, "pricing-workers"), root, capsys, monkeypatch)
    assert not [f for f in report["findings"] if str(f["service"]).startswith("pricing")]  # type: ignore[attr-defined]


def test_cron_as_cronjob_gives_every_job_a_cronjob_and_comes_back_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = shop(tmp_path)
    code, _out, err = run_cli(
        ["scaffold", "pricing", "--target", "kubernetes", "--cron-as", "cronjob"], root, capsys, monkeypatch
    )
    assert code == 0, err
    folder = root / "k8s" / "pricing-workers"
    assert not (folder / "cron-worker.yaml").exists()  # no job is left for a scheduler
    text = (folder / "cronjobs.yaml").read_text()
    assert validate_text(text) == []
    jobs = {d["metadata"]["name"]: d["spec"] for d in yaml.safe_load_all(text) if d}
    assert {n: s["schedule"] for n, s in jobs.items()} == {
        "pricing-price-sync": "*/5 * * * *", "pricing-cache-warmup": "0 2 * * *"
    }
    built = build(root, "pricing-workers")
    assert validate_text(built) == []
    report = analyze_stdin(built, root, capsys, monkeypatch)
    verdicts = {(v["service"], v["kind"]): v for v in report["verdicts"]}  # type: ignore[attr-defined]
    assert verdicts[("pricing-service", "cron")]["summary"].startswith(
        "already separated in pricing-cache-warmup, pricing-price-sync"
    )
    assert not [f for f in report["findings"] if str(f["service"]).startswith("pricing")]  # type: ignore[attr-defined]
    # the hygiene rules the CronJobs satisfy do fire once the fields are gone
    bare = built.replace("concurrencyPolicy: Forbid", "concurrencyPolicy: Allow")
    bare = "\n".join(line for line in bare.splitlines() if "startingDeadlineSeconds" not in line)
    rules = {
        (f["rule_id"], f["service"]) for f in analyze_stdin(bare, root, capsys, monkeypatch)["findings"]  # type: ignore[attr-defined]
    }
    assert {("AC202", "pricing-price-sync"), ("AC203", "pricing-cache-warmup")} <= rules


def test_cron_as_deployment_and_schedules_no_cronjob_can_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = shop(tmp_path)
    argv = ["scaffold", "pricing", "--target", "kubernetes", "--mode", "cron"]
    code, _out, err = run_cli([*argv, "--cron-as", "deployment"], root, capsys, monkeypatch)
    assert code == 0, err
    folder = root / "k8s" / "pricing-workers"
    assert not (folder / "cronjobs.yaml").exists()
    cron = yaml.safe_load((folder / "cron-worker.yaml").read_text())
    assert "-jobs" not in cron["spec"]["template"]["spec"]["containers"][0]["args"]
    shutil.rmtree(folder)
    pricing = root / "k8s" / "pricing.yaml"
    pricing.write_text(pricing.read_text().replace('schedule: "0 2 * * *"', 'schedule: "@every 90m"'))
    code, _out, err = run_cli([*argv, "--cron-as", "cronjob"], root, capsys, monkeypatch)
    assert code == 0, err
    assert "cache-warmup stays in the singleton cron Deployment: its schedule '@every 90m'" in err
    cron = yaml.safe_load((folder / "cron-worker.yaml").read_text())
    assert cron["spec"]["template"]["spec"]["containers"][0]["args"][-2:] == ["-jobs", "cache-warmup"]
    names = [d["metadata"]["name"] for d in yaml.safe_load_all((folder / "cronjobs.yaml").read_text()) if d]
    assert names == ["pricing-price-sync"]
    report = analyze_stdin(build(root, "pricing-workers"), root, capsys, monkeypatch)
    assert not [f for f in report["findings"] if str(f["service"]).startswith("pricing")]  # type: ignore[attr-defined]
