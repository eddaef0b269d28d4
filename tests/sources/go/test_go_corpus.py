"""Discovery on five real repositories with hand-checked labels (../shared/corpus/discovery).

The corpus's own scorer runs the installed ``archcheck analyze`` in each trimmed tree and counts
labelled workloads found (recall) and reports that are not look-alikes or other services' code
(precision). The bar: recall >= 0.90, precision >= 0.95. The same trees check that reading only
what can matter (the first pass, then parsing by name) loses nothing parsing every file finds.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from support import SHARED, VENV_BIN, require_shared

RECALL, PRECISION = 0.90, 0.95


def test_corpus_recall_and_precision() -> None:
    corpus = require_shared(SHARED / "corpus" / "discovery")
    archcheck = VENV_BIN / "archcheck"
    command = str(archcheck) if archcheck.is_file() else shutil.which("archcheck")
    assert command, "archcheck is not installed (pip install -e .)"
    result = subprocess.run(
        [sys.executable, str(corpus / "score.py"), command, str(corpus)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    total = re.search(r"^TOTAL recall ([\d.]+) precision ([\d.]+)", result.stdout, re.MULTILINE)
    assert total is not None, result.stdout
    recall, precision = float(total.group(1)), float(total.group(2))
    assert recall >= RECALL and precision >= PRECISION, result.stdout


def test_the_first_pass_skips_no_file_the_extractor_would_register_work_in() -> None:
    """On every corpus file: what the first pass leaves unparsed holds no ticker loop, no
    WORKER_MODE read and no recognised library call, by the full extractor's own reading."""
    from test_go_scan import registers

    from archcheck.sources.go import scan as go_scan
    from archcheck.sources.go.facts import extract
    from archcheck.sources.go.libraries import load_catalog

    corpus = require_shared(SHARED / "corpus" / "discovery")
    catalog = load_catalog()
    skipped = 0
    for tree in sorted(corpus.glob("*/tree")):
        files, _ = go_scan.list_go_files(tree)
        for item in go_scan.scan(files, jobs=1, catalog=catalog):
            source = item.path.read_bytes()
            if item.parsed or item.note or go_scan.is_generated(source):
                continue
            skipped += 1
            assert registers(extract(source, catalog), catalog) == [], item.path
    assert skipped > 100


def test_parsing_by_name_finds_on_the_corpus_what_parsing_every_file_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Workloads, notes and coverage of each corpus tree are the same when every file is
    parsed, except the "partly read" notes of files that did not need reading."""
    from test_go_scan import everything

    from archcheck.sources.go.workloads import discover_go_workloads

    corpus = require_shared(SHARED / "corpus" / "discovery")
    for tree in sorted(corpus.glob("*/tree")):
        selective = discover_go_workloads({"svc": tree}, relative_to=tree, cache=None)
        full = everything(monkeypatch, tree)
        assert full.workloads == selective.workloads, tree
        assert (full.worker_mode, full.worker_entrypoints, full.scanned) == (
            selective.worker_mode, selective.worker_entrypoints, selective.scanned
        ), tree
        partly = "was only partly read"
        assert [n for n in full.notes if partly not in n.text or n in selective.notes] == list(
            selective.notes
        ), tree
