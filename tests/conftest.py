"""Shared fixtures: paths to the repository, the shared corpus and the reference binaries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import REPO, PrometheusServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="Rewrite golden files from current output."
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def prometheus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    """A real Prometheus (Debian's package) on a free 127.0.0.1 port, started once per session.

    Its TSDB is backfilled with ``promtool tsdb create-blocks-from openmetrics`` from two data
    sets ending at ``PROM_END``: series reproducing the shop's ``fixtures/shop/metrics.yaml``
    over 7 days, and a fleet of 500 services over one hour (``fleet_measurements``).
    """
    from support import PROM_END, fleet_measurements, openmetrics_lines

    from archcheck.sources.snapshot import load_snapshot

    shop = load_snapshot(REPO / "fixtures" / "shop" / "metrics.yaml")
    server = PrometheusServer(
        tmp_path_factory.mktemp("prometheus"),
        [
            openmetrics_lines(shop, end=PROM_END),
            openmetrics_lines(fleet_measurements(500), end=PROM_END, span_s=3600, step_s=300),
        ],
    )
    yield server
    server.stop()
