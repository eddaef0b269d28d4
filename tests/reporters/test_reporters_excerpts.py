"""The text report shows the source line under each finding, secrets masked."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_cli

from archcheck.files.excerpts import MAX_CHARS, safe_line
from archcheck.files.redact import REDACTED


def test_the_text_report_shows_the_line_and_a_caret_under_the_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  api:\n    image: shop/api:1\n    container_name: api\n"
        "    deploy:\n      replicas: 2\n"
    )
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["analyze", "--no-discover"], capsys)
    assert code == 1, err
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "AC103" in line)
    where = lines[at].split()[-1]
    assert where == "docker-compose.yml:4:21"
    gutter = next(i for i in range(at, len(lines)) if "|" in lines[i])
    assert lines[gutter].strip() == "4 |     container_name: api"
    caret = lines[gutter + 1]
    assert caret.index("^") == lines[gutter].index("api")  # column 21 of the source line
    code, out, _ = run_cli(["analyze", "--no-discover", "--format", "json"], capsys)
    assert '"excerpt": "    container_name: api"' in out


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("      DB_PASSWORD: hunter2", f"      DB_PASSWORD: {REDACTED}"),
        ("      - API_KEY=abc123", f"      - API_KEY={REDACTED}"),
        ('    "SECRET_TOKEN": "s3cr3t",', f'    "SECRET_TOKEN": {REDACTED}'),
        ("      DATABASE_URL: postgres://app:pw@db/app", f"      DATABASE_URL: postgres://app:{REDACTED}@db/app"),
        ("    container_name: api", "    container_name: api"),
        ("      replicas: 2   # pinned", "      replicas: 2   # pinned"),
    ],
)  # fmt: skip
def test_a_secret_on_the_line_never_shows(line: str, shown: str) -> None:
    assert safe_line(line) == shown


def test_a_long_line_is_cut() -> None:
    assert len(safe_line("x" * 1000)) == MAX_CHARS
