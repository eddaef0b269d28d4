"""Shared fixtures (paths to the repository, the shared corpus, a real Prometheus) and the
markers of slow tests.

Slow tests are marked here, in one place, by what makes them slow, so that
``pytest -m "not slow"`` is the inner loop (under a minute) and ``pytest -m go`` runs only the
Go builds. A test is marked by its module (``SLOW_MODULES``), by the fixture it uses
(``prometheus_server``) or by being a Hypothesis test (``fuzz``); every such test is also
``slow``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import REPO, SCREENSHOTS, PrometheusServer

SLOW_MODULES: dict[str, str] = {
    "tests/scaffold/test_scaffold_go.py": "go",
    "tests/scaffold/test_scaffold_systems.py": "go",
    "tests/scaffold/test_scaffold_e2e.py": "go",
    "tests/compose/test_compose_differential.py": "differential",
    "tests/compose/test_compose_conformance.py": "differential",
    "tests/compose/test_compose_fuzz.py": "fuzz",
    "tests/test_readme.py": "readme",
    "tests/test_packaging.py": "packaging",
    "tests/test_tooling.py": "tooling",
    "tests/sources/go/test_go_corpus.py": "corpus",
    "tests/scaffold/test_scaffold_kubernetes.py": "kubernetes",
    "tests/reporters/test_reporters_browser.py": "browser",
    "tests/reporters/test_reporters_mermaid.py": "browser",
}
"""Module -> marker. Keep in step with the tree (``pytest_collection_modifyitems`` checks)."""
SLOW_MARKERS = (
    "go", "prometheus", "differential", "fuzz", "readme", "packaging", "tooling", "corpus",
    "kubernetes", "browser",
)


XDIST_GROUPS = ("go", "prometheus")
"""Tests of these kinds run on one xdist worker each (``--dist loadgroup``): the Go builds share
one build cache instead of competing for it, and one Prometheus server serves every test."""


@pytest.hookimpl(tryfirst=True)  # NOTE: before xdist reads the xdist_group markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = [module for module in SLOW_MODULES if not (REPO / module).is_file()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py SLOW_MODULES names missing files: {missing}")
    for item in items:
        module = Path(str(item.fspath)).relative_to(REPO).as_posix()
        if module in SLOW_MODULES:
            item.add_marker(SLOW_MODULES[module])
        if "prometheus_server" in getattr(item, "fixturenames", ()):
            item.add_marker("prometheus")
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker("fuzz")
        if any(item.get_closest_marker(name) for name in SLOW_MARKERS):
            item.add_marker("slow")
        for group in XDIST_GROUPS:
            if item.get_closest_marker(group):
                item.add_marker(pytest.mark.xdist_group(group))


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


_STARTED = time.time()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The screenshots this run's browser tests wrote, by path: where a person (or a CI log
    reader) looks at the HTML report as Chromium drew it."""
    if not SCREENSHOTS.is_dir():
        return
    shots = sorted(p for p in SCREENSHOTS.glob("*.png") if p.stat().st_mtime >= _STARTED)
    if shots:
        terminalreporter.write_sep("-", f"{len(shots)} screenshot(s) written")
        for path in shots:
            terminalreporter.write_line(str(path))
