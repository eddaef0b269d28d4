"""The fixture's generated tree, checked in under golden/pricing/ (suffix .golden) so reviewers
see every change to the templates as a diff. Rewrite with `pytest --update-golden`."""

from __future__ import annotations

import json
from pathlib import Path

from scaffold_helpers import copy_fixture, run_cli

from archcheck.scaffold.plan import MANIFEST

GOLDEN = Path(__file__).resolve().parent / "golden" / "pricing"


def test_generated_tree_matches_golden(tmp_path, capsys, monkeypatch, update_golden):
    svc = copy_fixture(tmp_path)
    code, _, err = run_cli(["scaffold", "pricing"], svc, capsys, monkeypatch)
    assert code == 0, err
    generated = sorted(json.loads((svc / MANIFEST).read_text())["files"])
    assert "cmd/worker/wire_gen.go" in generated and "docker-compose.workers.yml" in generated
    if update_golden:
        for old in GOLDEN.rglob("*.golden"):
            old.unlink()
        for rel in generated:
            dest = GOLDEN / f"{rel}.golden"
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text((svc / rel).read_text())
    expected = sorted(
        p.relative_to(GOLDEN).as_posix()[: -len(".golden")] for p in GOLDEN.rglob("*.golden")
    )
    assert generated == expected, "generated files changed: run pytest --update-golden and review"
    for rel in generated:
        assert (svc / rel).read_text() == (GOLDEN / f"{rel}.golden").read_text(), (
            f"{rel} differs from golden: run pytest --update-golden and review the diff"
        )
