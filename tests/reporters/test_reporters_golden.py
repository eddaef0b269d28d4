"""Whole reports of the review's shop and the review's own compose example, compared with the
golden files in tests/reporters/golden/. After an intended change run
`pytest tests/reporters/test_reporters_golden.py --update-golden` and review the diff.

Compose and metrics only (`--no-discover`): Go and Dapr discovery have their own tests, and
their notes would make these files change with every fixture edit of another area.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import REPO, run_cli

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "shop.txt": ["fixtures/shop/docker-compose.yml", "-v"],
    "shop.md": ["fixtures/shop/docker-compose.yml", "--format", "markdown", "-v"],
    "shop.json": ["fixtures/shop/docker-compose.yml", "--format", "json"],
    "review-example.txt": ["fixtures/review-example/docker-compose.yml", "-v"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_report(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    update_golden: bool,
) -> None:
    monkeypatch.chdir(REPO)
    code, out, err = run_cli(["analyze", *CASES[name], "--no-discover"], capsys)
    assert code == 1, err
    path = GOLDEN / name
    if update_golden:
        path.parent.mkdir(exist_ok=True)
        path.write_text(out)
    assert path.is_file(), f"{path} is missing: run pytest with --update-golden"
    assert out == path.read_text()
