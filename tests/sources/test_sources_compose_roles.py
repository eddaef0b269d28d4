"""Roles by what a service does: a migration is recognised by the tool it runs, its image or who
waits for it to complete, not by its name alone; an image-only application is an API when a
Dapr sidecar serves it or it waits for a migration; databases and brokers are infrastructure.
The one inference that analyze and scaffold share (archcheck.sources.compose_system)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from archcheck.compose import ComposeOptions, load_project
from archcheck.sources.compose_system import describe, image_repository

SYSTEM = """
services:
  db: {image: "postgres:16-alpine"}
  cache: {image: "ghcr.io/valkey-io/valkey:8"}
  broker: {image: "bitnami/kafka:3.7"}
  migrate:
    image: migrate/migrate:v4.17.0
    command: ["-path", "/m", "-database", "postgres://db/app", "up"]
  order-Migration:
    image: ghcr.io/acme/orders:1.2
    command: ["/app/orders", "migrate", "up"]
  schema:
    image: flyway/flyway:10
    restart: on-failure
  goose-up:
    build: .
    entrypoint: ["goose", "up"]
  Order_v2.API:
    image: ghcr.io/acme/orders:1.2
    depends_on:
      order-Migration: {condition: service_completed_successfully}
  pricing:
    image: ghcr.io/acme/pricing:1.4
  pricing-dapr:
    image: daprio/daprd:1.14.4
    command: ["./daprd", "--app-id", "pricing"]
    network_mode: service:pricing
  dashboard: {image: "grafana/grafana:11"}
  migrations-ui:
    image: ghcr.io/acme/migrations-ui:1
    ports: ["8080:8080"]
    restart: unless-stopped
"""


def test_roles_come_from_what_services_do(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text(textwrap.dedent(SYSTEM))
    roles = {s.name: s.role for s in describe(load_project(ComposeOptions(files=(path,)))).services}
    assert roles == {
        "db": "infrastructure",
        "cache": "infrastructure",
        "broker": "infrastructure",
        "migrate": "migration",  # the migrate/migrate image
        "order-Migration": "migration",  # awaited to complete, and runs `migrate up`
        "schema": "migration",  # the flyway image, though it restarts on failure
        "goose-up": "migration",  # the goose executable
        "Order_v2.API": "api",  # image-only, waits for its migration
        "pricing": "api",  # image-only, served by a Dapr sidecar
        "pricing-dapr": "sidecar",
        "dashboard": "infrastructure",
        "migrations-ui": "infrastructure",  # a name alone does not make a migration
    }


def test_image_repository() -> None:
    assert image_repository("ghcr.io/acme/pricing:1.4@sha256:abc") == "pricing"
    assert image_repository("postgres") == "postgres"
    assert image_repository(None) == ""
