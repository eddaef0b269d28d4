"""What the workers inherit, which files stay the user's, and what the scaffold says about the
image: on copies of fixtures/go/pricing, through the real command and Docker Compose v2's own
``config`` (no Go build here; test_scaffold_systems.py builds)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from scaffold_helpers import compose_binary, copy_fixture, run_cli

from archcheck.scaffold.dockerfile import go_builds


@pytest.fixture
def svc(tmp_path: Path) -> Path:
    return copy_fixture(tmp_path)


def verdicts(err: str) -> dict[str, str]:
    found = re.findall(r"^\s*(create|identical|overwrite|conflict|skip|keep)  (\S+)", err, re.MULTILINE)
    return {path: verdict for verdict, path in found}


def config(folder: Path) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(
        [str(compose_binary()), "-f", "docker-compose.yml", "-f", "docker-compose.workers.yml",
         "config", "--format", "json"],
        cwd=folder, capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_edited_user_files_are_kept_by_reruns_check_and_force(svc, capsys, monkeypatch):  # type: ignore[no-untyped-def]
    assert run_cli(["scaffold", "pricing"], svc, capsys, monkeypatch)[0] == 0
    worker_yaml = svc / "configs" / "worker.yaml"
    bindings = svc / "internal" / "worker" / "event" / "bindings.go"
    edited = worker_yaml.read_text().replace("concurrency: 10", "concurrency: 32")
    worker_yaml.write_text(edited)
    bindings.write_text(bindings.read_text() + "\n// bound to our Redis deduper next sprint\n")
    for args in ([], ["--check"], ["--force"]):
        code, _, err = run_cli(["scaffold", "pricing", *args], svc, capsys, monkeypatch)
        assert code == 0, err
        found = verdicts(err)
        assert found["configs/worker.yaml"] == "keep" and found[
            "internal/worker/event/bindings.go"
        ] == "keep"
    assert worker_yaml.read_text() == edited and "next sprint" in bindings.read_text()
    code, _, err = run_cli(
        ["scaffold", "pricing", "--reset", "configs/worker.yaml"], svc, capsys, monkeypatch
    )
    assert code == 1 and verdicts(err)["configs/worker.yaml"] == "conflict"  # edited: say so
    code, _, err = run_cli(
        ["scaffold", "pricing", "--reset", "configs/worker.yaml", "--force"], svc, capsys, monkeypatch
    )
    assert code == 0 and "concurrency: 10" in worker_yaml.read_text()
    assert "next sprint" in bindings.read_text()  # not named: untouched
    code, _, err = run_cli(["scaffold", "pricing", "--reset", "go.mod"], svc, capsys, monkeypatch)
    assert code == 2 and "not a file of yours" in err


def test_dotted_service_names_and_literal_secrets(svc, capsys, monkeypatch):  # type: ignore[no-untyped-def]
    compose = svc / "docker-compose.yml"
    text = compose.read_text().replace("pricing-service:", "Pricing_v2.API:")
    text = text.replace(
        "      KRATOS_CONF: /app/configs\n",
        "      KRATOS_CONF: /app/configs\n      API_TOKEN: tok-literal-4711\n"
        "      DATABASE_URL: postgres://app:${DB_PASSWORD:-dev}@db/app\n",
    )
    compose.write_text(text)
    code, _, err = run_cli(["scaffold", "Pricing_v2.API", "--mode", "all"], svc, capsys, monkeypatch)
    assert code == 0, err
    override = (svc / "docker-compose.workers.yml").read_text()
    assert "&pricing-v2-api-worker" in override and "tok-literal-4711" not in override
    assert "tok-literal-4711" not in err and "API_TOKEN holds a literal secret" in err
    services = config(svc)["services"]
    worker = services["pricing-v2-api-event-worker"]
    assert worker["environment"]["DATABASE_URL"] == "postgres://app:dev@db/app"  # a reference
    assert "API_TOKEN" not in worker["environment"]
    assert services["Pricing_v2.API"]["environment"]["WORKER_MODE"] == "api"
    dapr = services["pricing-v2-api-event-worker-dapr"]["command"]
    assert dapr[dapr.index("--app-id") + 1] == "pricing-v2-api-event-worker"


def test_a_dockerfile_building_one_binary_gets_the_exact_lines(svc, capsys, monkeypatch):  # type: ignore[no-untyped-def]
    dockerfile = svc / "Dockerfile"
    dockerfile.write_text(
        "FROM golang:1.24 AS builder\nCOPY . /src\nWORKDIR /src\n"
        "RUN go build -trimpath -o /out/pricing ./cmd/pricing\n"
        "FROM debian:stable-slim\nCOPY --from=builder /out/pricing /app/pricing\n"
    )
    code, _, err = run_cli(["scaffold", "pricing"], svc, capsys, monkeypatch)
    assert code == 0, err
    assert (
        f"{dockerfile}:4: the image builds ./cmd/pricing only; add `RUN go build -o"
        " /out/worker ./cmd/worker` after that line"
    ) in err


def test_go_builds_follow_workdir_args_and_make_targets(tmp_path: Path) -> None:
    service = tmp_path / "app" / "pricing" / "service"
    service.mkdir(parents=True)
    (service / "Makefile").write_text("include ../../../app_makefile\n")
    (tmp_path / "app_makefile").write_text(
        'build:\n\tmkdir -p bin/ && go build -ldflags "-X main.Version=$(VERSION)" -o ./bin/ ./...\n'
    )
    dockerfile = (
        "FROM golang:1.24 AS builder\nARG APP_RELATIVE_PATH\nCOPY . /src\n"
        "WORKDIR /src/app/${APP_RELATIVE_PATH}\nRUN make build\n"
    )
    (build,) = go_builds(dockerfile, tmp_path, {"APP_RELATIVE_PATH": "pricing/service"})
    assert build.folder == service and build.output == "./bin/" and build.builds_all
    assert go_builds("FROM scratch\nRUN go build -o /x ./cmd/x\n", tmp_path, {})[0].folder is None
