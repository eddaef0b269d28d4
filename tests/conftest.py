"""Shared fixtures: paths to the repository, the shared corpus and the reference binaries."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import REPO


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
