"""The README's two set-up commands stay true: CI runs the test one verbatim, and this test runs
the main one (install, then the bundled example) exactly as a newcomer would paste it: in a
copy of the checkout, with a fresh virtual environment's ``pip`` and ``archcheck`` on PATH.

The fresh environment shares the test environment's third-party packages through a ``.pth``
line and pip runs offline (``PIP_NO_INDEX``), so the test needs no network; the command itself
is not changed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from support import REPO

MAIN_PREFIX = "pip install . && "
TEST_PREFIX = "bash .ci/setup && "


def _readme_commands() -> tuple[str, str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    main = re.findall(rf"^ {{4}}({re.escape(MAIN_PREFIX)}.+)$", text, flags=re.MULTILINE)
    tests = re.findall(rf"^ {{4}}({re.escape(TEST_PREFIX)}.+)$", text, flags=re.MULTILINE)
    assert len(main) == 1 and len(tests) == 1, (main, tests)
    return main[0], tests[0]


def test_readme_shows_the_two_setup_commands() -> None:
    main, tests = _readme_commands()
    assert main == "pip install . && archcheck analyze --example"
    assert "pytest" in tests
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert text.index(main) < text.index("## Developing") < text.index(tests)


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    skip = ("#", "set ", "cd ", "export ")
    command_lines = [line for line in ci_lines if line and not line.startswith(skip)]
    assert command_lines == [_readme_commands()[1]]
    assert any(line.startswith("export ARCHCHECK_REQUIRE_SHARED=1 ") for line in ci_lines)


@pytest.mark.slow
def test_readme_main_command_installs_and_runs_the_bundled_example(tmp_path: Path) -> None:
    checkout = tmp_path / "archcheck"
    shutil.copytree(REPO, checkout, ignore=shutil.ignore_patterns(
        ".venv", ".git", "__pycache__", "*.egg-info", ".*_cache", "build", "dist"))  # fmt: skip
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    site = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(site) / "zz_shared_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # NOTE: pip's double negative: 0 = build without isolation
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    result = subprocess.run(["bash", "-c", _readme_commands()[0]], cwd=checkout, env=env,
                            capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    # Exit 1 is the documented answer for the shop: pricing is a high-priority split.
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "Successfully installed archcheck-compose" in out
    assert str(venv) in out  # the example came from the installed package, not the checkout
    assert re.search(r"^pricing-service \[HIGH\] separate$", out, flags=re.MULTILINE), out
    assert re.search(r"^catalog-service \[MEDIUM\] separate$", out, flags=re.MULTILINE), out
    assert re.search(r"^warehouse-service \[LOW\] inline$", out, flags=re.MULTILINE), out
    assert "Traceback" not in result.stderr
