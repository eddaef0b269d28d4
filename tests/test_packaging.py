"""The distribution is complete: the sdist built from the checkout builds a wheel which, installed
into a fresh virtual environment and run from a directory outside the checkout, finds its rules,
templates and bundled example.

Both are built offline (``--no-isolation``, hatchling comes with the test extra): first the
sdist, then the wheel from the unpacked sdist, as pip does when it installs the sdist. The fresh
environment gets archcheck only from the wheel (``--no-deps``); its third-party dependencies are
shared from the test environment through a ``.pth`` line, so no network is needed. The test
checks that ``archcheck`` is imported from the fresh environment, not from the checkout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from support import REPO

from archcheck import links

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), **env}
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False, env=environ
    )


def _build(kind: str, source: Path, dist: Path) -> Path:
    built = _run([sys.executable, "-m", "build", f"--{kind}", "--no-isolation", "--outdir",
                  str(dist), str(source)], dist.parent)  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    pattern = f"{links.DISTRIBUTION.replace('-', '_')}-*" + (".tar.gz" if kind == "sdist" else ".whl")
    (artifact,) = dist.glob(pattern)
    return artifact


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sdist")
    return _build("sdist", REPO, root / "dist")


@pytest.fixture(scope="module")
def installed(sdist: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(wheel built from the sdist, bin directory of a fresh venv with only that archcheck)."""
    root = tmp_path_factory.mktemp("packaging")
    with tarfile.open(sdist) as archive:
        archive.extractall(root / "unpacked", filter="data")
    (source,) = (root / "unpacked").iterdir()
    wheel = _build("wheel", source, root / "dist")
    venv = root / "fresh"
    created = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], root)
    assert created.returncode == 0, created.stderr
    fresh_python = venv / "bin" / "python"
    install = _run([sys.executable, "-m", "pip", "--python", str(fresh_python), "install",
                    "--no-deps", "--no-index", "--quiet", str(wheel)], root)  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    site = _run([str(fresh_python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                root).stdout.strip()  # fmt: skip
    (Path(site) / "zz_shared_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return wheel, venv / "bin"


def test_sdist_has_the_license_and_what_the_wheel_needs(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for name in ("LICENSE", "README.md", "pyproject.toml", "fixtures/shop/docker-compose.yml",
                 "rules/AC103-container-name-with-replicas.yaml", "archcheck/__init__.py"):  # fmt: skip
        assert name in names, f"{name} missing from the sdist"
    assert not any(name.startswith((".venv/", "tests/")) for name in names)


def test_metadata_names_the_distribution_license_and_project_urls(
    installed: tuple[Path, Path],
) -> None:
    wheel, _ = installed
    archive = zipfile.ZipFile(wheel)
    (metadata_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    metadata = Parser().parsestr(archive.read(metadata_name).decode())
    assert metadata["Name"] == links.DISTRIBUTION != "archcheck"  # PyPI's archcheck is another tool
    assert metadata["License-Expression"] == "Apache-2.0"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in archive.namelist())
    urls = dict(value.split(", ", 1) for value in metadata.get_all("Project-URL") or [])
    assert urls["Source"] == links.REPOSITORY_URL
    assert {"Homepage", "Documentation", "Issues"} <= set(urls)
    assert "Programming Language :: Python :: 3.11" in (metadata.get_all("Classifier") or [])
    entry_points = archive.read(metadata_name.replace("METADATA", "entry_points.txt")).decode()
    assert "\narchcheck = " in entry_points  # the command keeps its name


def test_every_published_name_is_the_distribution() -> None:
    """pyproject, the hook, the Action, the CI docs and SARIF install or name the same package."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["name"] == links.DISTRIBUTION
    action = (REPO / "action.yml").read_text()
    assert f'install -q "{links.DISTRIBUTION}==$ARCHCHECK_VERSION"' in action
    ci = (REPO / "docs" / "ci.md").read_text()
    assert f"additional_dependencies: [{links.DISTRIBUTION}==" in ci
    assert f"pip install -q {links.DISTRIBUTION}" in ci
    for text in (action, ci, (REPO / "README.md").read_text()):
        pip_archcheck = r"pip install (-q )?\"?archcheck(==|[\s`\"]|$)"
        assert not re.search(pip_archcheck, text, flags=re.MULTILINE)


def test_wheel_contains_rules_templates_and_example(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("rules", "templates", "schemas", "examples/shop"):
        prefix = f"archcheck/_bundled/{folder}/"
        assert any(name.startswith(prefix) for name in names), f"{prefix} missing from the wheel"
    assert "archcheck/_bundled/examples/shop/docker-compose.yml" in names
    shipped_rules = {Path(n).name for n in names if n.startswith("archcheck/_bundled/rules/")}
    assert {p.name for p in (REPO / "rules").glob("*.yaml")} <= shipped_rules


def _example(bin_dir: Path, cwd: Path) -> Path:
    found = _run([str(bin_dir / "python"), "-c",
                  ("import archcheck, archcheck.files.bundled as b; print(archcheck.__file__); "
                  "print(b.example_dir())")], cwd)  # fmt: skip
    assert found.returncode == 0, found.stderr
    module, example = found.stdout.split()
    venv = str(bin_dir.parent)
    assert module.startswith(venv), f"archcheck was imported from {module}, not the wheel"
    assert example.startswith(venv), example
    return Path(example)


def test_installed_config_runs_on_bundled_example(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    _, bin_dir = installed
    example = _example(bin_dir, tmp_path)
    version = _run([str(bin_dir / "archcheck"), "--version"], tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("archcheck "), version.stderr
    result = _run([str(bin_dir / "archcheck"), "config", "-f",
                   str(example / "docker-compose.yml"), "--format", "json"], tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert {"pricing-service", "catalog-service", "warehouse-service"} <= set(config["services"])
    assert "Traceback" not in result.stderr


def test_installed_analyze_runs_on_bundled_example(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    _, bin_dir = installed
    example = _example(bin_dir, tmp_path)
    result = _run([str(bin_dir / "archcheck"), "analyze", str(example / "docker-compose.yml")],
                  tmp_path)  # fmt: skip
    assert str(REPO) not in result.stdout
    # exit 1 is the documented answer for the shop: pricing is a high-priority split
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for service in ("pricing", "catalog", "warehouse"):
        assert service in result.stdout
