"""The JSON Schemas shipped in ``schemas/`` are the ones the models generate, and they accept
what archcheck accepts (the shop) and reject what it rejects."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from support import REPO, run_cli

from archcheck.cli.schemas import SCHEMAS, schema, schema_text


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_the_committed_schema_is_the_generated_one(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    file, _ = SCHEMAS[name]
    committed = (REPO / "schemas" / file).read_text(encoding="utf-8")
    assert committed == schema_text(name), f"regenerate: archcheck schema {name} > schemas/{file}"
    code, out, _ = run_cli(["schema", name], capsys)
    assert code == 0 and out == committed
    jsonschema.Draft202012Validator.check_schema(json.loads(committed))


def test_the_shop_is_valid_and_mistakes_are_not() -> None:
    snapshot = yaml.safe_load((REPO / "fixtures" / "shop" / "metrics.yaml").read_text())
    compose = yaml.safe_load((REPO / "fixtures" / "shop" / "docker-compose.yml").read_text())
    metrics, x_archcheck = (jsonschema.Draft202012Validator(schema(n)) for n in ("metrics", "x-archcheck"))
    assert not list(metrics.iter_errors(snapshot))
    assert not list(x_archcheck.iter_errors(compose))
    compose["services"]["pricing-service"]["x-archcheck"]["evnts"] = []
    assert list(x_archcheck.iter_errors(compose))  # a typo archcheck also rejects
    config = jsonschema.Draft202012Validator(schema("config"))
    assert list(config.iter_errors({"version": 1, "fail_on": "sometimes"}))
    assert list(config.iter_errors({"version": 1, "suppress": [{"rule": "AC103"}]}))  # no reason


def test_the_installation_finds_the_schemas() -> None:
    """(The wheel ships them too: tests/test_packaging.py.)"""
    from archcheck.files.bundled import bundled_dir

    folder = bundled_dir("schemas")
    assert {p.name for p in folder.glob("*.schema.json")} == {f for f, _ in SCHEMAS.values()}
