"""What start-up does not pay for: pydantic's plugin scan when no package has a plugin, and
typer's pydantic coercion of options that were not given (``bench/startup`` measures the CPU)."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points, version
from pathlib import Path

import pytest
from support import REPO, modules_after, run_cli

from archcheck.cli import pydantic_plugins
from archcheck.sources.go.syntax import GRAMMAR, grammar_version


def test_help_through_typer_imports_no_pydantic(tmp_path: Path) -> None:
    modules = modules_after(["analyze", "--help"], tmp_path)
    assert "typer" in modules  # the probe ran the app
    assert not {m for m in modules if m.split(".")[0] == "pydantic"}


def test_analyze_does_not_read_package_metadata() -> None:
    modules = modules_after(["analyze", "--no-discover"], REPO / "fixtures" / "shop")
    assert "archcheck.model" in modules  # the probe analysed the shop
    assert "importlib.metadata" not in modules


def test_the_plugin_scan_agrees_with_importlib_metadata() -> None:
    assert pydantic_plugins.declares_plugins(sys.path) == bool(entry_points(group="pydantic"))


def test_a_declared_plugin_or_an_archive_keeps_pydantic_s_own_loader(tmp_path: Path) -> None:
    dist = tmp_path / "site" / "some_plugin-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "entry_points.txt").write_text("[console_scripts]\nx = y:z\n", encoding="utf-8")
    (tmp_path / "site" / "plain.egg-info").write_text("Name: plain\n", encoding="utf-8")
    site = str(tmp_path / "site")
    assert not pydantic_plugins.declares_plugins([site, str(tmp_path / "missing")])
    (dist / "entry_points.txt").write_text("[pydantic]\nmine = some_plugin:plugin\n", "utf-8")
    assert pydantic_plugins.declares_plugins([site])
    archive = tmp_path / "lib.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    assert pydantic_plugins.declares_plugins([str(archive)])


def test_typer_still_checks_option_values(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["analyze", "--prometheus-retries", "abc"], capsys)
    assert code == 2
    assert "--prometheus-retries" in out + err and "valid integer" in out + err


def test_the_grammar_version_is_what_importlib_metadata_says() -> None:
    assert grammar_version() == version(GRAMMAR)


def test_a_cached_go_result_is_read_without_the_scanner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCHCHECK_CACHE_DIR", str(tmp_path))
    shop = REPO / "fixtures" / "shop"
    first = modules_after(["analyze"], shop)
    assert "archcheck.sources.go.scan" in first  # nothing cached yet: the scanner read the code
    again = modules_after(["analyze"], shop)
    assert "archcheck.sources.go.workloads" in again
    scanner = {"archcheck.sources.go.discover", "archcheck.sources.go.scan", "tree_sitter"}
    assert not scanner & again
    assert not {"importlib.metadata", "sqlite3", "pickle"} & again  # one file, read by _pickle
