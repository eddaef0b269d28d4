"""``archcheck init`` writes files archcheck and editors accept, and never overwrites by default."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from support import REPO, run_cli

from archcheck import links
from archcheck.cli.schemas import schema
from archcheck.engine import load_ruleset

SHOP = REPO / "fixtures" / "shop"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(SHOP, target)
    monkeypatch.chdir(target)
    return target


def _uncomment(text: str, header: str) -> str:
    """``text`` with the commented block that starts at ``# header`` uncommented."""
    lines, out, inside = text.splitlines(), [], False
    for line in lines:
        if line == f"# {header}":
            inside = True
        elif inside and not line.startswith("# "):
            inside = False
        out.append(line[2:] if inside else line)
    return "\n".join(out) + "\n"


def test_init_writes_a_config_every_part_of_which_archcheck_accepts(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["init"], capsys)
    assert code == 0, err
    config = (shop / ".archcheck.yaml").read_text()
    first = config.splitlines()[0]
    assert first == f"# yaml-language-server: $schema={links.schema_url('archcheck-config.schema.json')}"
    validator = jsonschema.Draft202012Validator(schema("config"))
    assert not list(validator.iter_errors(yaml.safe_load(config)))
    opened = _uncomment(_uncomment(config, "rules:"), "fail_on: high            # high | medium | low | never")
    data = yaml.safe_load(opened)
    assert set(data["rules"]) == {rule.id for rule in load_ruleset(None).rules}
    assert not list(validator.iter_errors(data))
    (shop / ".archcheck.yaml").write_text(opened)
    assert load_ruleset(shop / ".archcheck.yaml").get("AC001").params.model_dump()["inline_max"] == 100
    code, _, err = run_cli(["analyze", "--no-discover"], capsys)
    assert code == 1, err  # the same verdicts: every uncommented value is the default


def test_the_config_lists_todays_findings_as_commented_suppressions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  api:\n    image: a:1\n    container_name: api\n    deploy:\n      replicas: 2\n"
    )
    monkeypatch.chdir(tmp_path)
    assert run_cli(["init", "--no-discover"], capsys)[0] == 0
    opened = _uncomment((tmp_path / ".archcheck.yaml").read_text(), "suppress:")
    data = yaml.safe_load(opened)
    assert data["suppress"] == [
        {"rule": "AC103", "service": "api", "reason": "<why this is accepted, e.g. an ADR>"}
    ]
    (tmp_path / ".archcheck.yaml").write_text(opened)
    code, out, err = run_cli(["analyze", "--no-discover"], capsys)
    assert code == 0, err  # the uncommented suppression accepts it
    assert "[suppressed (.archcheck.yaml:" in out


def test_the_x_archcheck_example_is_a_valid_override_with_what_archcheck_found(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["init"], capsys)[0] == 0
    example = shop / "x-archcheck.example.yaml"
    data = yaml.safe_load(example.read_text())
    assert not list(jsonschema.Draft202012Validator(schema("x-archcheck")).iter_errors(data))
    pricing = data["services"]["pricing-service"]["x-archcheck"]
    assert {e["name"] for e in pricing["events"]} == {"stock-updated", "price-changed"}
    assert {c["name"]: c["schedule"] for c in pricing["cron"]} == {
        "price-sync": "*/5 * * * *", "cache-warmup": "0 2 * * *"
    }  # fmt: skip
    code, out, err = run_cli(["analyze", "-f", "docker-compose.yml", "-f", example.name,
                              "--no-discover", "--format", "json"], capsys)  # fmt: skip
    assert code == 1, err
    verdicts = {(v["service"], v["kind"]): v["decision"] for v in json.loads(out)["verdicts"]}
    assert verdicts[("pricing-service", "events")] == "separate"


def test_init_never_overwrites_without_force(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (shop / ".archcheck.yaml").write_text("version: 1\n# mine\n")
    code, _, err = run_cli(["init"], capsys)
    assert code == 1 and "already exists: nothing written; use --force" in err
    assert (shop / ".archcheck.yaml").read_text() == "version: 1\n# mine\n"
    assert not (shop / "x-archcheck.example.yaml").exists()
    assert run_cli(["init", "--force"], capsys)[0] == 0
    assert "# mine" not in (shop / ".archcheck.yaml").read_text()


def test_the_example_offers_the_retry_and_dead_letter_declarations(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Uncommented, the example's `retry_needed` / `dead_letter_needed` lines are declarations
    the schema and analyze accept (docs/x-archcheck.md)."""
    assert run_cli(["init"], capsys)[0] == 0
    example = shop / "x-archcheck.example.yaml"
    text = example.read_text()
    assert "# retry_needed: true" in text and "# dead_letter_needed: true" in text
    example.write_text(
        text.replace("# retry_needed: true", "retry_needed: false").replace(
            "# dead_letter_needed: true", "dead_letter_needed: false"
        )
    )
    data = yaml.safe_load(example.read_text())
    assert not list(jsonschema.Draft202012Validator(schema("x-archcheck")).iter_errors(data))
    events = data["services"]["pricing-service"]["x-archcheck"]["events"]
    assert all(e["retry_needed"] is False and e["dead_letter_needed"] is False for e in events)
    code, out, err = run_cli(["analyze", "-f", "docker-compose.yml", "-f", example.name,
                              "--no-discover", "--format", "json"], capsys)  # fmt: skip
    assert code in (0, 1), err
    assert json.loads(out)["verdicts"]
