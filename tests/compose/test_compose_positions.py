"""Positions: every service and key remembers where its effective value was written.

After merging several files and following ``extends``, ``locate`` points at the place that won,
so a finding about ``deploy.replicas`` points at the override file that set it.
"""

from __future__ import annotations

from pathlib import Path

from archcheck.compose import ComposeOptions, load_project

BASE = """\
x-worker: &worker
  restart: unless-stopped
  deploy:
    resources:
      limits: {memory: 256m}

services:
  pricing:
    image: shop/pricing
    container_name: pricing
    deploy:
      replicas: 1
    environment:
      - WORKER_MODE=all
      - LOG_LEVEL=info
    ports:
      - "8080:80"
  pricing-worker:
    <<: *worker
    image: shop/pricing
  catalog:
    extends:
      file: common.yaml
      service: go-service
    command: ["catalog"]
"""

OVERRIDE = """\
services:
  pricing:
    deploy:
      replicas: 3
    environment:
      WORKER_MODE: api
"""

COMMON = """\
services:
  go-service:
    image: shop/go-base
    healthcheck:
      test: ["CMD", "/healthz"]
"""


def _project(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "compose.yaml").write_text(BASE)
    (tmp_path / "compose.override.yaml").write_text(OVERRIDE)
    (tmp_path / "common.yaml").write_text(COMMON)
    return load_project(ComposeOptions(environ={}, cwd=tmp_path))


def test_override_file_wins_position(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert project.files == (tmp_path / "compose.yaml", tmp_path / "compose.override.yaml")
    assert project.services["pricing"]["deploy"]["replicas"] == 3
    where = project.locate("services", "pricing", "deploy", "replicas")
    assert where is not None
    assert (where.file, where.line, where.column) == (str(tmp_path / "compose.override.yaml"),
                                                      4, 17)  # fmt: skip


def test_unchanged_keys_keep_their_first_position(tmp_path: Path) -> None:
    project = _project(tmp_path)
    where = project.locate("services", "pricing", "container_name")
    assert where is not None
    assert (where.file, where.line) == (str(tmp_path / "compose.yaml"), 10)


def test_environment_list_item_and_map_override(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert project.services["pricing"]["environment"] == {"LOG_LEVEL": "info", "WORKER_MODE": "api"}
    mode = project.locate("services", "pricing", "environment", "WORKER_MODE")
    level = project.locate("services", "pricing", "environment", "LOG_LEVEL")
    assert mode is not None and level is not None
    assert (mode.file, mode.line) == (str(tmp_path / "compose.override.yaml"), 6)
    assert (level.file, level.line, level.column) == (str(tmp_path / "compose.yaml"), 15, 9)


def test_merge_key_values_point_at_the_anchor(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert project.services["pricing-worker"]["restart"] == "unless-stopped"
    where = project.locate("services", "pricing-worker", "deploy", "resources", "limits")
    assert where is not None
    assert (where.file, where.line) == (str(tmp_path / "compose.yaml"), 5)


def test_extends_keys_point_at_the_file_that_wrote_them(tmp_path: Path) -> None:
    project = _project(tmp_path)
    image = project.locate("services", "catalog", "image")
    command = project.locate("services", "catalog", "command")
    assert image is not None and command is not None
    assert (image.file, image.line) == (str(tmp_path / "common.yaml"), 3)
    assert (command.file, command.line) == (str(tmp_path / "compose.yaml"), 25)


def test_list_items_and_nearest_ancestor(tmp_path: Path) -> None:
    project = _project(tmp_path)
    port = project.locate("services", "pricing", "ports", 0)
    assert port is not None and port.line == 17
    # a key that was never written falls back to the nearest written ancestor
    nested = project.locate("services", "pricing", "ports", 0, "target")
    assert nested == port
    service = project.locate("services", "catalog")
    assert service is not None and service.line == 21
    assert project.locate("services", "no-such-service") is None


def test_top_level_extension_keys_have_positions(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "x-archcheck:\n  environment: production\nservices:\n  api:\n    image: a\n"
    )
    project = load_project(ComposeOptions(environ={}, cwd=tmp_path))
    where = project.locate("x-archcheck", "environment")
    assert where is not None and (where.line, where.column) == (2, 16)
    assert project.config["x-archcheck"] == {"environment": "production"}
