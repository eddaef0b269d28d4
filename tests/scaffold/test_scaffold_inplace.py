"""`--in-place` patches the user's compose file with a ruamel.yaml round trip: comments, key
order, quoting and anchors stay; Docker Compose v2 reads the result like file + override."""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess

from scaffold_helpers import compose_binary, copy_fixture, run_cli
from support import REPO


def test_in_place_keeps_the_file_and_is_idempotent(tmp_path, capsys, monkeypatch):
    shop = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", shop)
    compose = shop / "docker-compose.yml"
    original = compose.read_text()
    code, _, err = run_cli(["scaffold", "pricing", "--in-place"], shop, capsys, monkeypatch)
    assert code == 0, err
    assert "overwrite  docker-compose.yml" in err
    assert not (shop / "docker-compose.workers.yml").exists()
    patched = compose.read_text()
    removed = [
        ln[2:]
        for ln in difflib.ndiff(original.splitlines(), patched.splitlines())
        if ln.startswith("- ")
    ]
    # Only the API's shared environment alias is replaced (by a merge of it); flow sequences
    # written over two lines are joined (a ruamel limit); every comment stays.
    assert "    environment: *kratos-env" in removed
    assert all(
        ln.strip().startswith(("environment: *kratos-env", "command:", '"--placement'))
        for ln in removed
    ), removed
    for line in original.splitlines():
        if line.lstrip().startswith("#"):
            assert line in patched
    assert "x-kratos-env: &kratos-env" in patched and "<<: *kratos-env" in patched
    assert patched.index("x-pricing-worker: &pricing-worker") < patched.index("\nservices:")

    proc = subprocess.run(
        [str(compose_binary()), "-f", "docker-compose.yml", "config", "--format", "json"],
        cwd=shop,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    services = json.loads(proc.stdout)["services"]
    assert services["pricing-service"]["environment"]["WORKER_MODE"] == "api"
    assert "WORKER_MODE" not in services["catalog-service"]["environment"]  # the anchor is intact
    assert services["pricing-cron-worker"]["deploy"]["replicas"] == 1

    code, _, err = run_cli(["scaffold", "pricing", "--in-place"], shop, capsys, monkeypatch)
    assert code == 0, err
    assert "identical  docker-compose.yml" in err
    assert compose.read_text() == patched


def test_in_place_with_a_list_environment(tmp_path, capsys, monkeypatch):
    svc = copy_fixture(tmp_path)
    compose = svc / "docker-compose.yml"
    compose.write_text(
        compose.read_text().replace(
            "    environment:\n      KRATOS_CONF: /app/configs\n",
            "    environment:\n      - KRATOS_CONF=/app/configs   # kept\n      - 'WORKER_MODE=all'\n",
        )
    )
    code, _, err = run_cli(["scaffold", "pricing", "--in-place"], svc, capsys, monkeypatch)
    assert code == 0, err
    text = compose.read_text()
    assert "- KRATOS_CONF=/app/configs   # kept" in text
    assert "WORKER_MODE=all" not in text and "- WORKER_MODE=api" in text
