"""Plan verdicts and the all-or-nothing writer, on small trees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archcheck.errors import ScaffoldError
from archcheck.scaffold.plan import MANIFEST, plan_root, unified_diff
from archcheck.scaffold.write import apply


def verdicts(items):  # type: ignore[no-untyped-def]
    return {i.rel: i.verdict for i in items}


def test_verdicts_follow_the_manifest(tmp_path: Path) -> None:
    apply(plan_root(tmp_path, {"a.go": "A\n", "b.go": "B\n"}, force=False))
    assert (tmp_path / MANIFEST).is_file()
    (tmp_path / "b.go").write_text("B edited\n")
    (tmp_path / "mine.go").write_text("user file\n")
    items = plan_root(
        tmp_path, {"a.go": "A2\n", "b.go": "B2\n", "mine.go": "gen\n", "c.go": "C\n"}, force=False
    )
    assert verdicts(items) == {
        "a.go": "overwrite",
        "b.go": "conflict",
        "mine.go": "conflict",
        "c.go": "create",
    }
    forced = plan_root(tmp_path, {"a.go": "A2\n", "b.go": "B2\n", "mine.go": "gen\n"}, force=True)
    assert set(verdicts(forced).values()) == {"overwrite"}
    gone = plan_root(tmp_path, {"a.go": "A\n"}, force=False)
    assert verdicts(gone) == {"a.go": "identical", "b.go": "skip"}


def test_paths_escaping_the_root_are_refused(tmp_path: Path) -> None:
    for rel in ("../evil.go", "/etc/passwd", "a/../../x"):
        with pytest.raises(ScaffoldError, match="outside"):
            plan_root(tmp_path, {rel: "x"}, force=False)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (tmp_path / "link").symlink_to(outside)
    with pytest.raises(ScaffoldError, match="symlink"):
        plan_root(tmp_path, {"link/x.go": "x"}, force=False)


def test_broken_manifest_is_an_error_with_a_way_out(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(ScaffoldError, match="delete it"):
        plan_root(tmp_path, {"a.go": "A"}, force=False)


def test_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file where a folder must go")
    items = plan_root(tmp_path, {"ok.go": "ok\n", "blocker/x.go": "x\n"}, force=False)
    with pytest.raises(ScaffoldError, match="nothing was written"):
        apply(items)
    assert sorted(os.listdir(tmp_path)) == ["blocker"]


def test_diff_of_a_new_file(tmp_path: Path) -> None:
    (item,) = plan_root(tmp_path, {"n.go": "x\n"}, force=False)
    assert unified_diff(item, "n.go").startswith("--- /dev/null\n+++ b/n.go\n")
