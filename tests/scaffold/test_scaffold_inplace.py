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


def test_in_place_keeps_crlf_line_endings_and_a_bom(tmp_path, capsys, monkeypatch):
    """A compose file saved on Windows (CRLF, often with a UTF-8 BOM) stays so: only the
    worker's lines are added, every line ends in CRLF, the BOM is still first."""
    shop = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", shop)
    compose = shop / "docker-compose.yml"
    original = compose.read_text()
    compose.write_bytes(b"\xef\xbb\xbf" + original.replace("\n", "\r\n").encode())
    code, _, err = run_cli(["scaffold", "pricing", "--in-place"], shop, capsys, monkeypatch)
    assert code == 0, err
    raw = compose.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    assert raw.count(b"\n") == raw.count(b"\r\n") and b"pricing-cron-worker" in raw
    assert b"\r\r\n" not in raw
    code, _, err = run_cli(["scaffold", "pricing", "--in-place"], shop, capsys, monkeypatch)
    assert code == 0, err
    assert "identical  docker-compose.yml" in err
    assert compose.read_bytes() == raw
    proc = subprocess.run(
        [str(compose_binary()), "-f", "docker-compose.yml", "config", "--format", "json"],
        cwd=shop, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "pricing-cron-worker" in json.loads(proc.stdout)["services"]
