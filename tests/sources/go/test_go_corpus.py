"""Discovery on five real repositories with hand-checked labels (../shared/corpus/discovery).

The corpus's own scorer runs the installed ``archcheck analyze`` in each trimmed tree and counts
labelled workloads found (recall) and reports that are not look-alikes or other services' code
(precision). The bar: recall >= 0.90, precision >= 0.95.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

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
