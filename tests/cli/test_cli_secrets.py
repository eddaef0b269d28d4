"""The secret corpus planted in the shop never reaches any output: ``config`` in both formats,
every analyze format, the baseline, scaffold's dry-run diffs and ``--in-place`` messages, and
error messages. Look-alikes stay readable; ``config --no-redact`` prints everything."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import support
from secret_corpus import LOOK_ALIKES, PRIVATE_KEY_BODY, SECRETS
from support import REPO

from archcheck.reporters import FORMATS

HIDDEN = [s.hidden for s in SECRETS]


def run_cli(
    argv: list[str], cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    return support.run_cli(argv, capsys)


def _yaml_string(value: str) -> str:
    """``value`` as a YAML scalar Compose reads back unchanged (``$`` escaped)."""
    return json.dumps(value.replace("$", "$$"))


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """The shop with every corpus value in the shared environment and in each kind of string
    a service can hold (command, entrypoint, labels, healthcheck, build args, x- fields)."""
    shop = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", shop)
    compose = shop / "docker-compose.yml"
    text = compose.read_text()
    env = "".join(
        f"  {name}: {_yaml_string(value)}\n"
        for name, value in [*LOOK_ALIKES, *((s.name, s.value) for s in SECRETS)]
    )  # the secrets last: next to where --in-place inserts, so in its diff's context
    block_end = text.index("\n\n", text.index("x-kratos-env: &kratos-env\n")) + 1
    text = text[:block_end] + env + text[block_end:]
    demo = f"""
  secrets-demo:
    image: busybox:1.36
    build:
      context: ./pricing
      args:
        NPM_TOKEN: {_yaml_string(SECRETS[14].value)}
        GIT_REMOTE: {_yaml_string(SECRETS[2].value)}
    command: ["migrate", "--db-password", "Zq8kLmP2x", "--dsn", {_yaml_string(SECRETS[5].value)}]
    entrypoint: ["/bin/app", "--api-key", "ak-5566x9"]
    labels:
      traefik.http.middlewares.auth.basicauth.users: {_yaml_string(SECRETS[-1].value)}
      com.example.note: "see http://openfga:8080"
    healthcheck:
      test: ["CMD-SHELL", {_yaml_string(SECRETS[-4].value)}]
    x-vault:
      token: {_yaml_string(SECRETS[11].value)}
      key: {_yaml_string(SECRETS[16].value)}
    networks: [microservices]
"""
    text = text.replace("\nservices:\n", f"\nservices:\n{demo}", 1)
    compose.write_text(text)
    return shop


def _assert_clean(text: str, where: str) -> None:
    leaked = [h for h in [*HIDDEN, "Zq8kLmP2x", "ak-5566x9", PRIVATE_KEY_BODY[:20]] if h in text]
    assert not leaked, f"{where} prints secrets: {leaked}"


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_config_masks_secrets_and_shows_look_alikes(shop, capsys, monkeypatch, fmt):
    code, out, err = run_cli(["config", "--format", fmt], shop, capsys, monkeypatch)
    assert code == 0, err
    _assert_clean(out + err, f"config --format {fmt}")
    for _, value in LOOK_ALIKES:
        assert value.replace("$", "$$") in out or value in out, value
    if fmt == "json":
        env = json.loads(out)["services"]["pricing-service"]["environment"]
        for secret in SECRETS:
            if secret.masked is not None:
                assert env[secret.name] == secret.masked.replace("$", "$$"), secret.name


def test_config_no_redact_prints_compose_values(shop, capsys, monkeypatch):
    code, out, _ = run_cli(["config", "--format", "json", "--no-redact"], shop, capsys, monkeypatch)
    assert code == 0
    env = json.loads(out)["services"]["pricing-service"]["environment"]
    for secret in SECRETS:
        assert env[secret.name] == secret.value.replace("$", "$$")


def test_config_fast_path_masks_the_same(shop, capsys, monkeypatch):
    from archcheck.cli import launch

    monkeypatch.chdir(shop)
    launch.main(["config", "--format", "json"])
    fast = capsys.readouterr().out
    _, typed, _ = run_cli(["config", "--format", "json"], shop, capsys, monkeypatch)
    assert fast == typed
    launch.main(["config", "--no-redact"])
    assert SECRETS[0].value in capsys.readouterr().out


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_analyze_format_is_clean(shop, capsys, monkeypatch, fmt):
    code, out, err = run_cli(["analyze", "--format", fmt, "--verbose"], shop, capsys, monkeypatch)
    assert code in (0, 1), err
    assert out
    _assert_clean(out + err, f"analyze --format {fmt}")


def test_baseline_is_clean(shop, capsys, monkeypatch):
    code, _, err = run_cli(["baseline", "-o", "base.json"], shop, capsys, monkeypatch)
    assert code == 0, err
    _assert_clean((shop / "base.json").read_text() + err, "baseline")


def test_scaffold_dry_run_diffs_are_clean(shop, capsys, monkeypatch):
    for argv in (["scaffold", "pricing", "--dry-run"],
                 ["scaffold", "pricing", "--in-place", "--dry-run"]):  # fmt: skip
        code, out, err = run_cli(argv, shop, capsys, monkeypatch)
        assert code in (0, 1), err
        assert "---" in out + err  # a diff was shown
        _assert_clean(out + err, " ".join(argv))
    assert 'USERS: "admin:********"' in out  # the context held secrets, masked


def test_scaffold_in_place_prints_nothing_secret_and_keeps_the_values(shop, capsys, monkeypatch):
    code, out, err = run_cli(["scaffold", "pricing", "--in-place"], shop, capsys, monkeypatch)
    assert code == 0, err
    _assert_clean(out + err, "scaffold --in-place")
    patched = (shop / "docker-compose.yml").read_text()
    assert all(_yaml_string(s.value) in patched for s in SECRETS)  # the user's data is intact


def test_error_messages_do_not_echo_values(tmp_path, capsys, monkeypatch):
    (tmp_path / "compose.yaml").write_text(
        'services:\n  a:\n    image: x\n    environment:\n      DB_PASSWORD: "Pa55${wordX"\n'
    )
    code, out, err = run_cli(["config"], tmp_path, capsys, monkeypatch)
    assert code == 2
    assert "Pa55" not in out + err and "wordX" not in out + err
    assert "compose.yaml:5" in err

    (tmp_path / "compose.yaml").write_text("services:\n  a:\n    image: x\n    env_file: .env\n")
    (tmp_path / ".env").write_text('A=1\nDB_PASSWORD="S3cr3tValue\nB=2\n')
    code, out, err = run_cli(["config"], tmp_path, capsys, monkeypatch)
    assert code == 2
    assert "S3cr3tValue" not in out + err
    assert ".env:2" in err


@pytest.mark.parametrize("declared", ["../secrets/db_password.txt", "ABSOLUTE"])
def test_x_archcheck_metrics_cannot_name_files_outside_the_project(
    declared, tmp_path, capsys, monkeypatch
):
    (tmp_path / "secrets").mkdir()
    secret = tmp_path / "secrets" / "db_password.txt"
    secret.write_text("hunter2-from-disk\n")
    project = tmp_path / "project"
    project.mkdir()
    declared = str(secret) if declared == "ABSOLUTE" else declared
    (project / "compose.yaml").write_text(
        f"x-archcheck:\n  metrics: {declared}\nservices:\n  a:\n    image: x\n"
    )
    code, out, err = run_cli(["analyze"], project, capsys, monkeypatch)
    assert code == 2
    assert "outside the compose file's folder" in err
    assert "hunter2" not in out + err


@pytest.mark.parametrize("name", ["pw.prom", "pw.yaml", "pw.txt"])
def test_a_wrong_metrics_file_is_not_quoted(name, tmp_path, capsys, monkeypatch):
    """``--metrics`` pointed at a password file: the parse error names the line, not its text."""
    (tmp_path / "compose.yaml").write_text("services:\n  a:\n    image: x\n")
    (tmp_path / name).write_text("hunter2-from-disk\n")
    code, out, err = run_cli(["analyze", "--metrics", name], tmp_path, capsys, monkeypatch)
    assert code == 2
    assert f"{name}:1:" in err
    assert "hunter2" not in out + err
