"""Compose -> services and workloads (roles, owners, x-archcheck), and every hygiene rule,
through the real compose loader on small compose files written for each case."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from archcheck.compose import ComposeOptions, load_project
from archcheck.engine import evaluate, load_ruleset
from archcheck.engine.ruleset import Ruleset
from archcheck.errors import ArchcheckError
from archcheck.model import Finding, Service
from archcheck.pipeline import AnalyzeOptions, build_system
from archcheck.sources.compose_system import describe, valid_schedule


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset()


def compose(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "docker-compose.yml"
    path.write_text(textwrap.dedent(text))
    return path


def services(tmp_path: Path, text: str) -> dict[str, Service]:
    project = load_project(ComposeOptions(files=(compose(tmp_path, text),)))
    return {s.name: s for s in describe(project).services}


def findings(tmp_path: Path, ruleset: Ruleset, text: str, rule: str) -> list[Finding]:
    path = compose(tmp_path, text)
    system = build_system(AnalyzeOptions(compose=ComposeOptions(files=(path,))))
    return [f for f in evaluate(system, ruleset).findings if f.rule_id == rule]


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
        "schema-job": ("migration", None),
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


# --- hygiene: each rule fires on the defect and stays quiet on the fix ----------------------

HYGIENE = {
    "AC101": (
        """
        services:
          app-migration: {build: ., restart: always}
          app: {build: .}
        """,
        """
        services:
          app-migration: {build: ., restart: "no"}
          app: {build: .}
        """,
        "restart: always",
    ),
    "AC102": (
        """
        services:
          app-migration: {build: ., restart: "no"}
          app:
            build: .
            depends_on: [app-migration]
        """,
        """
        services:
          app-migration: {build: ., restart: "no"}
          app:
            build: .
            depends_on:
              app-migration: {condition: service_completed_successfully}
        """,
        "app-migration]",
    ),
    "AC103": (
        """
        services:
          web:
            image: nginx
            container_name: web
            deploy: {replicas: 2}
        """,
        """
        services:
          web:
            image: nginx
            deploy: {replicas: 2}
        """,
        "container_name: web",
    ),
    "AC104": (
        """
        services:
          app: {build: .}
          app-cron-worker:
            build: .
            environment: [WORKER_MODE=cron]
            deploy: {replicas: 3, resources: {limits: {memory: 256M}}}
            restart: unless-stopped
        """,
        """
        services:
          app: {build: .}
          app-cron-worker:
            build: .
            environment: [WORKER_MODE=cron]
            deploy: {replicas: 1, resources: {limits: {memory: 256M}}}
            restart: unless-stopped
        """,
        "replicas: 3",
    ),
    "AC105": (
        """
        services:
          app:
            build: .
            x-archcheck:
              events: [{topic: orders}]
          app-event-worker:
            build: .
            environment: [WORKER_MODE=events]
            deploy: {resources: {limits: {memory: 256M}}}
            restart: unless-stopped
        """,
        """
        services:
          app:
            build: .
            environment: [WORKER_MODE=api]
            x-archcheck:
              events: [{topic: orders}]
          app-event-worker:
            build: .
            environment: [WORKER_MODE=events]
            deploy: {resources: {limits: {memory: 256M}}}
            restart: unless-stopped
        """,
        "app:",
    ),
    "AC106": (
        """
        services:
          app: {build: .}
          app-worker: {build: ., restart: always}
        """,
        """
        services:
          app: {build: .}
          app-worker: {build: ., restart: always, deploy: {resources: {limits: {cpus: "1"}}}}
        """,
        "app-worker:",
    ),
    "AC107": (
        """
        services:
          app: {build: .}
          app-worker: {build: ., mem_limit: 256m}
        """,
        """
        services:
          app: {build: .}
          app-worker:
            build: .
            mem_limit: 256m
            deploy: {restart_policy: {condition: on-failure}}
        """,
        "app-worker:",
    ),
    "AC109": (
        """
        services:
          app: {build: .}
          app-dapr: {image: "daprio/daprd:1.14.4", network_mode: "service:app"}
          app-event-worker: {build: ., environment: [WORKER_MODE=events]}
        """,
        """
        services:
          app: {build: .}
          app-dapr: {image: "daprio/daprd:1.14.4", network_mode: "service:app"}
          app-event-worker: {build: ., environment: [WORKER_MODE=events]}
          app-event-worker-dapr:
            image: daprio/daprd:1.14.4
            command: ["./daprd", "--app-id", "app-event-worker"]
            network_mode: service:app-event-worker
        """,
        "app-event-worker:",
    ),
    "AC110": (
        """
        services:
          app: {build: .}
          app-cron-worker: {build: ., environment: [WORKER_MODE=cron], depends_on: [app]}
        """,
        """
        services:
          app: {build: .}
          app-cron-worker: {build: ., environment: [WORKER_MODE=cron]}
        """,
        "app-cron-worker:",
    ),
}


@pytest.mark.parametrize("rule", sorted(HYGIENE))
def test_hygiene_rule_fires_on_defect_only(tmp_path: Path, ruleset: Ruleset, rule: str) -> None:
    bad, good, marker = HYGIENE[rule]
    hits = findings(tmp_path, ruleset, bad, rule)
    assert len(hits) == 1, hits
    path = tmp_path / "docker-compose.yml"
    assert hits[0].location is not None and hits[0].location.file == str(path)
    assert hits[0].location.line == line_of(path, marker), hits[0]
    assert hits[0].severity == ruleset.by_id[rule].severity
    assert findings(tmp_path, ruleset, good, rule) == []


CAPACITY = """
x-archcheck: {{metrics: m.yaml}}
services:
  app:
    build: .
    environment: [WORKER_MODE=api]
    x-archcheck:
      events: [{{topic: orders}}]
  app-event-worker:
    build: .
    environment: [WORKER_MODE=events, WORKER_CONCURRENCY={concurrency}]
    deploy: {{replicas: {replicas}, resources: {{limits: {{memory: 256M}}}}}}
    restart: unless-stopped
"""


@pytest.mark.parametrize(
    ("rate", "replicas", "concurrency", "fires"),
    # 600/min = 10/s x 0.2 s = exactly 2 handlers needed; 601/min needs just over 2
    [(600, 1, 1, True), (600, 1, 2, False), (600, 2, 1, False), (601, 1, 2, True),
     (601, 2, 1, True), (601, 1, 3, False)],
)
def test_little_law_capacity(
    tmp_path: Path, ruleset: Ruleset, rate: int, replicas: int, concurrency: int, fires: bool
) -> None:
    (tmp_path / "m.yaml").write_text(
        "version: 1\nservices:\n  app:\n    workloads:\n"
        f"      orders: {{events_per_minute: {rate}, processing_ms_p95: 200}}\n"
    )
    hits = findings(
        tmp_path, ruleset, CAPACITY.format(replicas=replicas, concurrency=concurrency), "AC108"
    )
    assert bool(hits) is fires
    if fires and rate == 600:
        assert hits[0].evidence["needed"] == 2.0 and hits[0].evidence["available"] == 1


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
