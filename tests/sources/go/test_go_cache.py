"""The facts cache: a re-run on an unchanged tree parses nothing; it is bounded; a broken or
deleted cache only costs a re-parse."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from archcheck.sources.go import scan as go_scan
from archcheck.sources.go.cache import FactsCache, cache_dir
from archcheck.sources.go.libraries import catalog_digest
from archcheck.sources.go.workloads import _result_key, discover_go_workloads

TICKER = """
    package main

    import "time"

    func main() {{
    	for range time.Tick({n} * time.Minute) {{
    		syncRates{n}()
    	}}
    }}
    """


def tree(root: Path, count: int) -> Path:
    for n in range(count):
        path = root / f"cmd/app{n}/main.go"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(TICKER.format(n=n + 1)).lstrip(), encoding="utf-8")
    return root


def _key(root: Path) -> str:
    return _result_key({"svc": root}, root.resolve(), catalog_digest())


def counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    parsed: list[int] = []
    real = go_scan._parse

    def spy(items: list[bytes], jobs: int | None) -> object:
        parsed.append(len(items))
        return real(items, jobs)

    monkeypatch.setattr(go_scan, "_parse", spy)
    return parsed


def test_warm_run_parses_nothing_and_an_edit_parses_one_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(tmp_path / "src", 5)
    parsed = counting(monkeypatch)
    cold = discover_go_workloads({"svc": root}, relative_to=root)
    assert sum(parsed) == 5
    parsed.clear()
    warm = discover_go_workloads({"svc": root}, relative_to=root)
    assert sum(parsed) == 0
    assert warm.workloads == cold.workloads
    (root / "cmd/app1/main.go").write_text(
        textwrap.dedent(TICKER.format(n=9)).lstrip(), encoding="utf-8"
    )
    parsed.clear()
    edited = discover_go_workloads({"svc": root}, relative_to=root)
    assert sum(parsed) == 1
    assert {w.schedule for w in edited.workloads} >= {"@every 9m"}


def test_the_cache_lives_under_the_user_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARCHCHECK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    assert cache_dir() == Path("/somewhere/cache/archcheck")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "archcheck"


def test_the_cache_is_bounded(tmp_path: Path) -> None:
    from archcheck.sources.go.facts import FileFacts

    cache = FactsCache(tmp_path / "c.sqlite", max_entries=3)
    for n in range(5):
        cache.put(f"k{n}", FileFacts(package=f"p{n}"))
        cache.flush()
    assert sum(cache.get(f"k{n}") is not None for n in range(5)) == 3
    assert cache.get("k4") == FileFacts(package="p4")


def test_a_corrupt_or_deleted_cache_only_costs_a_reparse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(tmp_path / "src", 2)
    first = discover_go_workloads({"svc": root}, relative_to=root)
    store = cache_dir() / "go-facts.sqlite"
    results = list((cache_dir() / "go-results").glob("*.pickle"))
    assert store.is_file() and len(results) == 1
    store.write_bytes(b"not a database")
    results[0].write_bytes(results[0].read_bytes()[:40])  # a torn whole result
    parsed = counting(monkeypatch)
    again = discover_go_workloads({"svc": root}, relative_to=root)
    assert again.workloads == first.workloads and sum(parsed) == 2
    parsed.clear()
    results[0].unlink()  # the per-file facts only: the database was started afresh
    discover_go_workloads({"svc": root}, relative_to=root)
    assert sum(parsed) == 0
    store.unlink()
    shutil.rmtree(cache_dir() / "go-results")
    assert discover_go_workloads({"svc": root}, relative_to=root).workloads == first.workloads


def test_a_warm_whole_result_opens_no_database(tmp_path: Path) -> None:
    """The warm run most analyses are: one small file read, no database opened (SQLite's
    connection and import were 2 ms of a 40 ms run; tests/cli/test_cli_startup.py checks the import)."""
    root = tree(tmp_path / "src", 1)
    discover_go_workloads({"svc": root}, relative_to=root)
    store = FactsCache()
    assert store.result(_key(root)) is not None
    assert store._opened is False


def test_no_cache_when_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHCHECK_NO_CACHE", "1")
    discover_go_workloads({"svc": tree(tmp_path / "src", 1)})
    assert not (cache_dir() / "go-facts.sqlite").exists()


def test_a_warm_run_reads_no_go_file_and_any_change_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(tmp_path / "src", 2)
    cold = discover_go_workloads({"svc": root}, relative_to=root)
    entries: list[Path] = []
    real = go_scan.Index.entry

    def spy(self: go_scan.Index, path: Path) -> object:
        entries.append(path)
        return real(self, path)

    monkeypatch.setattr(go_scan.Index, "entry", spy)
    warm = discover_go_workloads({"svc": root}, relative_to=root)
    assert warm == cold and entries == []  # the whole result, from stats alone
    (tmp_path / "unrelated.txt").write_text("x", encoding="utf-8")  # beside the tree, not in it
    assert discover_go_workloads({"svc": root}, relative_to=root) == cold and entries == []
    (tmp_path / "go.mod").write_text("module example.com/up\n\ngo 1.22\n", encoding="utf-8")
    discover_go_workloads({"svc": root}, relative_to=root)
    assert entries  # a go.mod above the tree may change the module: computed again
    entries.clear()
    (tmp_path / "go.mod").unlink()
    # A file added to a package (no existing file changes) is seen through the folder's mtime.
    (root / "cmd/app1/more.go").write_text(
        'package main\n\nimport "time"\n\nfunc init() {\n\tgo func() {\n'
        "\t\tfor range time.Tick(7 * time.Minute) {\n\t\t\tpruneOrders()\n\t\t}\n\t}()\n}\n",
        encoding="utf-8",
    )
    added = discover_go_workloads({"svc": root}, relative_to=root)
    assert "@every 7m" in {w.schedule for w in added.workloads} and entries
    # And one removed.
    (root / "cmd/app1/more.go").unlink()
    assert discover_go_workloads({"svc": root}, relative_to=root).workloads == cold.workloads


def test_whole_results_are_bounded(tmp_path: Path) -> None:
    from archcheck.sources.go.cache import MAX_RESULTS

    cache = FactsCache(tmp_path / "c.sqlite")
    for n in range(MAX_RESULTS + 5):
        cache.put_result(f"k{n}", [], n)
    kept = [n for n in range(MAX_RESULTS + 5) if cache.result(f"k{n}") is not None]
    assert len(kept) == MAX_RESULTS and kept[-1] == MAX_RESULTS + 4
