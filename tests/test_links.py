"""Every documentation URL archcheck prints points at a page this repository has."""

from __future__ import annotations

import json

import pytest
from support import REPO, run_cli

from archcheck import links
from archcheck.engine import load_ruleset


def test_every_shipped_rule_has_the_page_its_url_names() -> None:
    rules = load_ruleset(None).rules
    assert rules
    for rule in rules:
        path = links.rule_doc_path(rule.id, rule.name)
        assert (REPO / path).is_file(), f"{rule.id}: {path} is missing"
        assert links.rule_doc_url(rule.id, rule.name) == f"{links.BLOB_URL}/{path}"
    assert (REPO / "docs" / "rules.md").is_file()


def test_sarif_and_markdown_link_each_rule_to_its_page(capsys: pytest.CaptureFixture[str]) -> None:
    shop = str(REPO / "fixtures" / "shop" / "docker-compose.yml")
    _, out, _ = run_cli(["analyze", shop, "--no-discover", "--format", "sarif"], capsys)
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    uris = {rule["id"]: rule["helpUri"] for rule in rules}
    assert uris["AC103"] == f"{links.BLOB_URL}/docs/rules/AC103-container-name-with-replicas.md"
    assert uris["verdict.events"] == links.DECISION_MATRIX_URL
    prefix = f"{links.BLOB_URL}/"
    for uri in uris.values():
        assert uri.startswith(prefix) and (REPO / uri.removeprefix(prefix)).is_file(), uri
