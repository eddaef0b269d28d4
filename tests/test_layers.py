"""The layering of docs/architecture.md holds: each stage imports only the stages below it, no
package has an import cycle, and reporters import nothing that builds the report. The contracts are in pyproject.toml ([tool.importlinter]);
import-linter reads every import, those inside functions and under TYPE_CHECKING included, so
a lazy import cannot hide an upward dependency."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from support import REPO


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    assert lint_imports.is_file(), "import-linter is missing: .venv/bin/pip install -e '.[test]'"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout


def test_every_package_is_in_a_layer() -> None:
    """A new top-level module or package must be placed in the layering, not left outside it."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [
        c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    ]
    named = {part.strip() for layer in layers for part in layer.replace("|", ":").split(":")}
    package = REPO / "archcheck"
    found = {
        f"archcheck.{p.stem}"
        for p in package.iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").is_file())
        and p.stem not in ("__init__", "__main__")
    }
    assert found == named, f"not in a layer: {sorted(found - named)}; gone: {sorted(named - found)}"
