"""docs/rules/ and the index in docs/rules.md stay in step with rules/*.yaml, and every rule
file is named after its rule (``AC103-container-name-with-replicas.yaml``), like its page."""

from __future__ import annotations

import yaml
from support import REPO

from archcheck.engine import load_ruleset
from archcheck.engine.ruledocs import pages, with_index

DOCS = REPO / "docs"
REGENERATE = "regenerate with `.venv/bin/python -m archcheck.engine.ruledocs`"


def test_rule_files_are_named_id_dash_name() -> None:
    for path in sorted((REPO / "rules").glob("AC*.yaml")):
        rule = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert path.stem == f"{rule['id']}-{rule['name']}", path


def test_every_rule_page_is_generated_from_its_rule_file() -> None:
    wanted = pages(load_ruleset())
    found = {p.name: p.read_text(encoding="utf-8") for p in (DOCS / "rules").glob("*.md")}
    assert sorted(found) == sorted(wanted), REGENERATE
    for name, text in wanted.items():
        assert found[name] == text, f"docs/rules/{name} is out of date: {REGENERATE}"
    assert {name.removesuffix(".md") for name in wanted} == {
        p.stem for p in (REPO / "rules").glob("AC*.yaml")
    }


def test_rules_md_index_lists_every_rule() -> None:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    assert with_index(text, load_ruleset()) == text, f"docs/rules.md's index: {REGENERATE}"
    for rule in load_ruleset().rules:
        assert f"(rules/{rule.id}-{rule.name}.md)" in text
