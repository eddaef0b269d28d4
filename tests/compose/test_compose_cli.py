"""`archcheck config` from the command line: the output Compose would print (secrets redacted,
`$` escaped as `$$`), the same through the start-up fast path and through the typer app, and a
lean start-up (`--version` and `config` import neither the loader nor pydantic needlessly)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support import modules_after

from archcheck import cli
from archcheck.cli import launch

COMPOSE = """\
services:
  api:
    image: shop/api:${TAG:-1.0}
    environment:
      DATABASE_PASSWORD: hunter2
      DATABASE_URL: postgres://app:hunter2@db/app
      GREETING: cost $$5
    build:
      context: .
      args:
        NPM_TOKEN: abc123
  db:
    image: postgres:16
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAG", raising=False)
    for name in ("COMPOSE_FILE", "COMPOSE_PROFILES", "COMPOSE_PROJECT_NAME"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _run(entry: object, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """(exit code, stdout); stderr is kept in ``_run.err`` for the tests that read it."""
    try:
        entry(argv)  # type: ignore[operator]
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    _LAST_ERR[0] = captured.err
    return code, captured.out


_LAST_ERR = [""]


def test_json_output_is_compose_shaped_redacted_and_escaped(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(launch.main, ["config", "--format", "json", "-p", "shop"], capsys)
    assert code == 0
    config = json.loads(out)
    assert config["name"] == "shop"
    api = config["services"]["api"]
    assert api["image"] == "shop/api:1.0"
    assert api["environment"]["DATABASE_PASSWORD"] == "********"
    assert api["environment"]["DATABASE_URL"] == "postgres://app:********@db/app"
    assert api["environment"]["GREETING"] == "cost $$5"
    assert api["build"]["args"]["NPM_TOKEN"] == "********"
    assert api["build"]["context"] == str(project)
    assert "hunter2" not in out and "abc123" not in out


@pytest.mark.parametrize(
    "argv",
    [
        ["config", "--format", "json"],
        ["config", "--format=yaml", "-p", "shop"],
        ["config", "--services"],
        ["config", "-f", "compose.yaml", "--project-name", "x", "--format", "json"],
    ],
)
def test_fast_path_and_typer_app_print_the_same(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    fast = _run(launch.main, argv, capsys)
    typed = _run(cli.main, argv, capsys)
    assert fast == typed
    assert fast[0] == 0 and fast[1]


def test_services_lists_names(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(launch.main, ["config", "--services"], capsys) == (0, "api\ndb\n")


def test_unknown_option_falls_back_to_typer_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = _run(launch.main, ["config", "--no-such-flag"], capsys)
    assert code == 2
    assert "--no-such-flag" in _LAST_ERR[0]


def test_bad_format_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = _run(launch.main, ["config", "--format", "toml"], capsys)
    assert code == 2
    assert "unknown --format 'toml'" in _LAST_ERR[0]


def test_version_imports_nothing_heavy(tmp_path: Path) -> None:
    modules = modules_after(["--version"], tmp_path)
    assert "typer" in modules  # the probe ran the app
    heavy = {m for m in modules if m.split(".")[0] in ("yaml", "pydantic", "docker", "jinja2")}
    assert not heavy, heavy
    assert not {m for m in modules if m.startswith("archcheck.compose")}


def test_config_fast_path_skips_typer_and_pydantic(project: Path) -> None:
    modules = modules_after(["config", "--format", "json"], project)
    assert "archcheck.compose.project" in modules  # the probe loaded the project
    assert "typer" not in modules
    assert "pydantic" not in modules


def test_yaml_output_holds_the_same_data_as_json(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    _, as_json = _run(launch.main, ["config", "--format", "json"], capsys)
    _, as_yaml = _run(launch.main, ["config"], capsys)
    from_json = json.loads(as_json)
    from_yaml = yaml.safe_load(as_yaml)
    assert list(from_yaml)[:2] == ["name", "services"]  # Compose's YAML order
    for service in from_json["services"].values():
        for key in ("command", "entrypoint"):
            if service[key] is None:
                del service[key]  # Compose's YAML leaves empty ones out
    assert from_yaml == from_json


REPLICATED = """\
services:
  worker:
    image: shop/worker:1.0
    container_name: shop-worker
    deploy:
      replicas: 2
"""


def test_config_rejects_container_name_with_replicas_as_compose_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Compose refuses this project; `config` says so at container_name, while `analyze`
    reports it as AC103 (with the same location) and judges the rest."""
    from support import compose_reference_binary, run_cli

    path = tmp_path / "compose.yaml"
    path.write_text(REPLICATED)
    monkeypatch.chdir(tmp_path)
    code, out = _run(launch.main, ["config"], capsys)
    assert (code, out) == (2, "")
    assert f"error: {path}:4:21: services.worker: can't set container_name" in _LAST_ERR[0]
    assert "Traceback" not in _LAST_ERR[0]
    reference = compose_reference_binary()
    if reference is not None:
        result = subprocess.run([str(reference), "config", "-q"], cwd=tmp_path,
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert result.returncode != 0 and "container name must be unique" in result.stderr
    code, out, _ = run_cli(["analyze", str(path), "--no-discover", "--format", "json"], capsys)
    [finding] = [f for f in json.loads(out)["findings"] if f["rule_id"] == "AC103"]
    assert (finding["location"]["line"], finding["location"]["column"]) == (4, 21)
    path.write_text(REPLICATED.replace("replicas: 2", "replicas: 1"))
    assert _run(launch.main, ["config"], capsys)[0] == 0
