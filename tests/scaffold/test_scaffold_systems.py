"""Whole systems through the split, as a user runs it: scaffold, `go mod tidy`, build, vet, race
tests, Docker Compose v2's own `config` on the base file plus the override, and `--check` after
tidy (exit 0: the generator's files stay reproducible, the user's files are left alone).

The systems: the review's shop, a Kratos multi-app monorepo shaped like go-kratos/beer-shop (one
root go.mod, `app/<svc>/service`, a shared `deploy/build/Dockerfile` running `make build`), an
image-only system (the API has `image:` and no `build:`), and the cron-only and events-only
shapes of the pricing fixture. Real Go modules and the real Compose binary; no Docker engine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from scaffold_helpers import FIXTURE_MODULE, compose_binary, copy_fixture, go, run_cli
from support import REPO, require_tool

pytestmark = pytest.mark.slow

MONO_MODULE = "github.com/acme/beer-shop"
MONO_DOCKERFILE = """FROM golang:1.24 AS builder
ARG APP_RELATIVE_PATH
COPY . /src
WORKDIR /src/app/${APP_RELATIVE_PATH}
RUN make build

FROM debian:stable-slim
ARG APP_RELATIVE_PATH
COPY --from=builder /src/app/${APP_RELATIVE_PATH}/bin /app
WORKDIR /app
CMD ["./server", "-conf", "/data/conf"]
"""
MONO_MAKEFILE = """include ../../../app_makefile
"""
APP_MAKEFILE = """VERSION=$(shell git describe --tags --always)

.PHONY: build
build:
\tmkdir -p bin/ && go build -ldflags "-X main.Version=$(VERSION)" -o ./bin/ ./...
"""
MONO_COMPOSE = """name: beer-shop
services:
  pricing-db:
    image: mysql:8
    environment: {MYSQL_ROOT_PASSWORD: "${MYSQL_ROOT_PASSWORD:-dev}"}
  pricing-migrate:
    image: migrate/migrate:v4.17.0
    command: ["-path", "/migrations", "-database", "mysql://root@tcp(pricing-db)/pricing", "up"]
    depends_on: [pricing-db]
  pricing-service:
    image: acme/beer-pricing-service:0.1.0
    build:
      context: ../..
      dockerfile: deploy/build/Dockerfile
      args: {APP_RELATIVE_PATH: pricing/service}
    command: ["./server", "-conf", "/data/conf"]
    env_file: [./pricing.env]
    volumes: ["../../app/pricing/service/configs:/data/conf:ro"]
    depends_on:
      pricing-migrate: {condition: service_completed_successfully}
    x-archcheck:
      events:
        - {topic: warehouse.stock.updated, name: stock-updated, pubsub: pubsub,
           handler: PricingUsecase.ApplyStockUpdate}
      cron:
        - {name: price-sync, schedule: "*/5 * * * *", handler: PricingUsecase.SyncPrices}
  pricing-dapr:
    image: daprio/daprd:1.14.4
    command: ["./daprd", "--app-id", "pricing-service", "--app-port", "8000",
              "--resources-path", "/components", "--config", "/components/config.yaml"]
    volumes: ["./dapr:/components:ro"]
    network_mode: service:pricing-service
"""


def monorepo(tmp: Path) -> tuple[Path, Path]:
    """A beer-shop-shaped monorepo built from the pricing fixture: (compose folder, module root)."""
    root = tmp / "beer-shop"
    service = root / "app" / "pricing" / "service"
    shutil.copytree(REPO / "fixtures" / "go" / "pricing", service)
    (service / "docker-compose.yml").unlink()
    (service / "metrics.yaml").unlink()
    (service / "Dockerfile").unlink()
    shutil.move(service / "go.mod", root / "go.mod")
    shutil.move(service / "go.sum", root / "go.sum")
    gomod = (root / "go.mod").read_text().replace(FIXTURE_MODULE, MONO_MODULE, 1)
    (root / "go.mod").write_text(gomod)
    for path in service.rglob("*.go"):
        text = path.read_text().replace(FIXTURE_MODULE, f"{MONO_MODULE}/app/pricing/service")
        path.write_text(text)
    (service / "Makefile").write_text(MONO_MAKEFILE)
    (root / "app_makefile").write_text(APP_MAKEFILE)
    (root / "deploy" / "build").mkdir(parents=True)
    (root / "deploy" / "build" / "Dockerfile").write_text(MONO_DOCKERFILE)
    compose = root / "deploy" / "docker-compose"
    (compose / "dapr").mkdir(parents=True)
    (compose / "docker-compose.yml").write_text(MONO_COMPOSE)
    (compose / "pricing.env").write_text("LOG_LEVEL=info\n")
    shutil.copy(REPO / "fixtures" / "shop" / "dapr" / "components" / "pubsub.yaml", compose / "dapr")
    (compose / "dapr" / "config.yaml").write_text(
        "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata: {name: tracing}\nspec: {}\n"
    )
    return compose, root


def image_only(tmp: Path) -> tuple[Path, Path]:
    """The pricing fixture run from a registry image: no build section anywhere."""
    svc = copy_fixture(tmp)
    compose = svc / "docker-compose.yml"
    text = compose.read_text()
    text = text.replace(
        "    build:\n      context: .\n      dockerfile: Dockerfile\n    ports",
        "    image: ghcr.io/acme/pricing:1.4.0\n    ports",
    ).replace(
        "    build:\n      context: .\n      dockerfile: Dockerfile\n    command",
        "    image: ghcr.io/acme/pricing:1.4.0\n    command",
    )
    assert "build:" not in text
    compose.write_text(text)
    return svc, svc


def merged(folder: Path, base: str) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(
        [str(compose_binary()), "-f", base, "-f", "docker-compose.workers.yml", "config",
         "--format", "json"],
        cwd=folder, capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def split(folder: Path, module: Path, service: str, args: list[str], capsys, monkeypatch,  # type: ignore[no-untyped-def]
          base: str = "docker-compose.yml") -> tuple[dict, str]:  # type: ignore[type-arg]
    """Scaffold, tidy, build, vet, race-test, compose config, then --check after tidy."""
    go_bin = require_tool("go")
    code, _, err = run_cli(["scaffold", service, "-f", base, *args], folder, capsys, monkeypatch)
    assert code == 0, err
    go(["mod", "tidy"], module, go_bin)
    go(["build", "./..."], module, go_bin)
    go(["vet", "./..."], module, go_bin)
    go(["test", "-race", "-count=1", "./..."], module, go_bin)
    config = merged(folder, base)
    code, out, check_err = run_cli(
        ["scaffold", service, "-f", base, "--check", *args], folder, capsys, monkeypatch
    )
    assert code == 0, out + check_err
    return config, err


def test_shop(tmp_path, capsys, monkeypatch):  # type: ignore[no-untyped-def]
    shop = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", shop)
    config, _ = split(shop, shop / "pricing", "pricing", [], capsys, monkeypatch)
    services = config["services"]
    worker = services["pricing-event-worker"]
    # The API's environment (the *kratos-env anchor) and the API sidecar's components and image.
    assert worker["environment"]["DATABASE_URL"].startswith("postgres://shop:")
    assert worker["environment"]["WORKER_MODE"] == "events"
    dapr = services["pricing-event-worker-dapr"]
    assert dapr["image"] == "daprio/daprd:1.14.4"
    assert {v["target"] for v in dapr["volumes"]} == {"/components", "/worker-dapr"}
    assert "--enable-app-health-check" in dapr["command"]
    assert worker["depends_on"]["pricing-migration"]["condition"] == "service_completed_successfully"


def test_monorepo(tmp_path, capsys, monkeypatch):  # type: ignore[no-untyped-def]
    compose, root = monorepo(tmp_path)
    config, err = split(compose, root, "pricing", ["--mode", "all"], capsys, monkeypatch)
    service = root / "app" / "pricing" / "service"
    assert (service / "cmd" / "worker" / "main.go").is_file()  # where `make build` builds it
    assert f'"{MONO_MODULE}/app/pricing/service/internal/worker"' in (
        service / "cmd" / "worker" / "main.go"
    ).read_text()
    worker = config["services"]["pricing-cron-worker"]
    assert worker["image"] == "acme/beer-pricing-service:0.1.0"
    assert worker["build"]["args"] == {"APP_RELATIVE_PATH": "pricing/service"}
    assert worker["command"] == ["-conf", "/data/conf"]
    assert [v["target"] for v in worker["volumes"]] == ["/data/conf"]
    # env_file stays a reference in the override (compose config inlines what it holds).
    assert 'env_file: ["./pricing.env"]' in (compose / "docker-compose.workers.yml").read_text()
    assert worker["environment"]["LOG_LEVEL"] == "info"
    # A migration recognised by what it runs (the migrate/migrate image), not by its name.
    assert "pricing-migrate" in worker["depends_on"]
    dapr = config["services"]["pricing-event-worker-dapr"]["command"]
    assert dapr[dapr.index("--config") + 1] == "/components/config.yaml"
    assert "builds no cmd/worker" not in err


def test_image_only(tmp_path, capsys, monkeypatch):  # type: ignore[no-untyped-def]
    svc, module = image_only(tmp_path)
    config, err = split(svc, module, "pricing", ["--source", "."], capsys, monkeypatch)
    for name in ("pricing-event-worker", "pricing-cron-worker"):
        assert config["services"][name]["image"] == "ghcr.io/acme/pricing:1.4.0"
    assert "ghcr.io/acme/pricing:1.4.0, which must now also hold the worker binary" in err


@pytest.mark.parametrize("mode", ["events", "cron"])
def test_one_kind_only(mode, tmp_path, capsys, monkeypatch):  # type: ignore[no-untyped-def]
    svc = copy_fixture(tmp_path)
    config, _ = split(svc, svc, "pricing", ["--mode", mode], capsys, monkeypatch)
    names = set(config["services"])
    assert ("pricing-event-worker" in names) == (mode == "events")
    assert ("pricing-cron-worker" in names) == (mode == "cron")
    gomod = (svc / "go.mod").read_text()
    assert ("github.com/robfig/cron/v3" in gomod) == (mode == "cron")
    assert ("github.com/dapr/go-sdk" in gomod) == (mode == "events")
