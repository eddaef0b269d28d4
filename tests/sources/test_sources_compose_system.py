"""Compose -> services and workloads (roles, owners, x-archcheck), through the real compose
loader on small compose files written for each case. (The hygiene rules that judge them are
tested in tests/engine/test_engine_hygiene.py.)"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from archcheck.compose import ComposeOptions, load_project
from archcheck.errors import ArchcheckError
from archcheck.model import Service
from archcheck.pipeline import AnalyzeOptions, build_system
from archcheck.sources.compose_system import describe, valid_schedule


def compose(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "docker-compose.yml"
    path.write_text(textwrap.dedent(text))
    return path


def services(tmp_path: Path, text: str) -> dict[str, Service]:
    project = load_project(ComposeOptions(files=(compose(tmp_path, text),)))
    return {s.name: s for s in describe(project).services}


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


ROLES = """
services:
  db: {image: postgres:16}
  app-migrate:
    build: .
    command: ["/app/migrate"]
  app:
    build: .
    environment: [WORKER_MODE=api, WORKER_CONCURRENCY=4]
    depends_on:
      app-migrate: {condition: service_completed_successfully}
  app-events:
    build: .
    command: ["/app/worker", "-mode", "events"]
  app-cron-worker:
    build: .
    command: ["/app/worker", "--mode=cron"]
  app-worker:
    build: .
  schema-job:
    build: .
    command: ["migrate", "up"]
    restart: "no"
  app-dapr:
    image: daprio/daprd:1.14.4
    command: ["./daprd", "-app-id", "app"]
    network_mode: service:app
  other-sidecar:
    image: daprio/daprd:1.14.4
    network_mode: service:app-events
"""


def test_roles_and_owners(tmp_path: Path) -> None:
    found = services(tmp_path, ROLES)
    roles = {name: (s.role, s.owner) for name, s in found.items()}
    assert roles == {
        "db": ("infrastructure", None),
        "app-migrate": ("migration", "app"),
        "app": ("api", None),
        "app-events": ("event-worker", "app"),
        "app-cron-worker": ("cron-worker", "app"),
        "app-worker": ("worker", "app"),
        "schema-job": ("migration", "app"),  # the same build as app
        "app-dapr": ("sidecar", "app"),
        "other-sidecar": ("sidecar", "app-events"),
    }
    assert found["app"].worker_mode == "api" and found["app"].worker_concurrency == 4
    assert found["app-events"].worker_mode == "events"
    assert found["app-cron-worker"].worker_mode == "cron"
    assert found["app"].depends_on == {"app-migrate": "service_completed_successfully"}


def test_x_archcheck_declares_workloads_and_environment(tmp_path: Path) -> None:
    path = compose(tmp_path, """
        x-archcheck: {environment: staging}
        services:
          app:
            build: .
            x-archcheck:
              environment: production
              events:
                - {topic: orders.created, pubsub: pubsub, dead_letter_topic: orders.dlq}
              cron:
                - {name: cleanup, schedule: "@every 10m"}
          app-cron-worker:
            build: .
            environment: {WORKER_MODE: cron}
            x-archcheck:
              cron:
                - {name: report, schedule: "0 3 * * *"}
    """)
    facts = describe(load_project(ComposeOptions(files=(path,))))
    assert facts.environment == "staging"
    workloads = {(w.service, w.kind, w.name): w for w in facts.workloads}
    event = workloads[("app", "events", "orders.created")]
    assert event.dead_letter_topic == "orders.dlq" and event.origin == "x-archcheck"
    assert event.location is not None and event.location.line == line_of(path, "orders.created")
    assert workloads[("app", "cron", "cleanup")].schedule == "@every 10m"
    # a worker's declarations belong to the application it works for
    assert ("app", "cron", "report") in workloads
    assert {s.name: s.environment for s in facts.services}["app"] == "production"


BAD_EXTENSIONS = [
    ("    x-archcheck:\n      cron:\n        - {name: sync, schedule: every minute}\n",
     "is not a cron schedule"),
    ("    x-archcheck:\n      events: [{name: x}]\n", "topic"),
    ("    x-archcheck:\n      evnts: []\n", "evnts: unknown key"),
    ("    x-archcheck:\n      environment: prod\n", "environment"),
    ("    x-archcheck:\n      owner: nobody\n", "not a service of this project"),
]


@pytest.mark.parametrize(("block", "message"), BAD_EXTENSIONS, ids=[b[1] for b in BAD_EXTENSIONS])
def test_bad_x_archcheck_points_at_the_line(tmp_path: Path, block: str, message: str) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text("services:\n  app:\n    build: .\n" + block)
    with pytest.raises(ArchcheckError, match=message) as caught:
        describe(load_project(ComposeOptions(files=(path,))))
    location = caught.value.location
    assert location is not None and location.file == str(path)
    assert 4 <= location.line <= 6


def test_bad_top_level_x_archcheck(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text("x-archcheck:\n  metrcs: m.yaml\nservices:\n  app: {build: .}\n")
    with pytest.raises(ArchcheckError, match="metrcs: unknown key") as caught:
        describe(load_project(ComposeOptions(files=(path,))))
    assert caught.value.location is not None and caught.value.location.line == 2


@pytest.mark.parametrize(
    ("schedule", "ok"),
    [("*/5 * * * *", True), ("0 2 * * *", True), ("0 0 2 * * *", True), ("@daily", True),
     ("@every 1m30s", True), ("every 5 minutes", False), ("* * *", False), ("", False)],
)
def test_schedules(schedule: str, ok: bool) -> None:
    assert valid_schedule(schedule) is ok


def test_secrets_never_reach_the_system(tmp_path: Path) -> None:
    path = compose(tmp_path, """
        services:
          app:
            build: .
            environment:
              DB_PASSWORD: hunter2-very-secret
              WORKER_MODE: api
    """)
    system = build_system(AnalyzeOptions(compose=ComposeOptions(files=(path,))))
    assert "hunter2-very-secret" not in system.model_dump_json()
    assert "DB_PASSWORD" in system.services[0].environment_keys
