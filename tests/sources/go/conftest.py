"""Go discovery tests never touch the user's cache: each test gets its own."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("archcheck-cache")
    monkeypatch.setenv("ARCHCHECK_CACHE_DIR", str(folder))
    return folder
