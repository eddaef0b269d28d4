"""Secrets recognised by value (and by name), only their secret part masked, stably."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from secret_corpus import LOOK_ALIKES, SECRETS, Secret

from archcheck.files import secret_rules
from archcheck.files.redact import (
    REDACTED,
    redact_argv,
    redact_line,
    redact_text,
    redact_tree,
    redact_value,
)


@pytest.mark.parametrize("secret", SECRETS, ids=[s.name for s in SECRETS])
def test_true_secrets_are_masked(secret: Secret) -> None:
    shown = redact_value(secret.name, secret.value)
    assert shown is not None and secret.hidden not in shown
    if secret.masked is not None:
        assert shown == secret.masked


@pytest.mark.parametrize(("name", "value"), LOOK_ALIKES, ids=[n for n, _ in LOOK_ALIKES])
def test_look_alikes_are_shown(name: str, value: str) -> None:
    assert redact_value(name, value) == value


VALUE_SHAPED = [s for s in SECRETS if not s.named_only]


@pytest.mark.parametrize("secret", VALUE_SHAPED, ids=[s.name for s in VALUE_SHAPED])
def test_a_neutral_name_still_hides_what_the_value_shows(secret: Secret) -> None:
    assert secret.hidden not in (redact_value("VALUE", secret.value) or "")


def test_argv_masks_the_value_after_a_secret_flag() -> None:
    assert redact_argv(["migrate", "--db-password", "Zq8kLmP2x", "--verbose"]) == [
        "migrate", "--db-password", REDACTED, "--verbose"
    ]  # fmt: skip
    assert redact_argv(["CMD", "curl", "-u", "admin:Wx9pQ2rT", "http://x"]) == [
        "CMD", "curl", "-u", f"admin:{REDACTED}", "http://x"
    ]  # fmt: skip
    # a flag that takes no secret, or whose value is a reference, is left alone
    assert redact_argv(["login", "--password-stdin", "registry"]) == [
        "login", "--password-stdin", "registry"
    ]  # fmt: skip
    assert redact_argv(["--token-file", "/run/secrets/t"]) == ["--token-file", "/run/secrets/t"]
    assert redact_argv(["--password", "${DB_PASSWORD}"]) == ["--password", "${DB_PASSWORD}"]


def test_tree_uses_keys_as_names_everywhere() -> None:
    tree = {
        "environment": {"API_TOKEN": "t0k3n-value", "MODE": "api"},
        "labels": {"traefik.http.middlewares.a.basicauth.users": "admin:$apr1$x1$Qm9vYmFyYmF6"},
        "x-vault": {"token": "hvs.CAESIJrL2Lq0FmWQ9"},
        "command": ["--api-key", "k-123456"],
        "ports": [8080],
    }
    out = redact_tree(tree)
    assert out["environment"] == {"API_TOKEN": REDACTED, "MODE": "api"}
    assert out["labels"]["traefik.http.middlewares.a.basicauth.users"] == f"admin:{REDACTED}"
    assert out["x-vault"]["token"] == REDACTED
    assert out["command"] == ["--api-key", REDACTED]
    assert out["ports"] == [8080]


def test_lines_of_yaml_and_dotenv() -> None:
    assert (
        redact_line('      DB_PASSWORD: "hunter2"  # dev')
        == f'      DB_PASSWORD: "{REDACTED}"  # dev'
    )
    assert redact_line("  - DB_PASSWORD=hunter2") == f"  - DB_PASSWORD={REDACTED}"
    assert (
        redact_line("DATABASE_URL=postgres://a:b1c2@db/x")
        == f"DATABASE_URL=postgres://a:{REDACTED}@db/x"
    )
    assert redact_line("    image: postgres:16") == "    image: postgres:16"


@given(st.text(max_size=200))
def test_masking_is_stable_and_idempotent(text: str) -> None:
    once = redact_text(text)
    assert redact_text(text) == once
    assert redact_text(once) == once


@given(st.sampled_from(VALUE_SHAPED), st.text(alphabet=" ;,\t", max_size=3))
def test_a_secret_inside_other_text_stays_hidden(secret: Secret, edge: str) -> None:
    assert secret.hidden not in redact_text(f"prefix{edge} {secret.value} {edge}suffix")


def test_every_vendored_gitleaks_rule_compiles_in_python() -> None:
    rules = secret_rules.rules()
    assert len(rules) >= 210, "rules were lost while translating Go syntax"
    for rule in rules:
        assert rule.pattern.groups >= 0
    assert secret_rules.DATA.with_name("gitleaks.LICENSE").read_text().startswith("MIT License")


def test_the_compiled_gitleaks_data_is_made_from_the_vendored_toml() -> None:
    raw = secret_rules.DATA.read_bytes()
    stored = json.loads(secret_rules.COMPILED.read_text(encoding="utf-8"))
    assert stored == {
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        **json.loads(json.dumps(secret_rules.compile_data(raw.decode()))),
    }, "stale: run python -c 'from archcheck.files.secret_rules import write_compiled; write_compiled()'"


def test_a_stale_compiled_file_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = json.loads(secret_rules.COMPILED.read_text(encoding="utf-8"))
    stale["source_sha256"] = "0" * 64
    stale["rules"] = stale["rules"][:1]
    (tmp_path / "stale.json").write_text(json.dumps(stale), encoding="utf-8")
    monkeypatch.setattr(secret_rules, "COMPILED", tmp_path / "stale.json")
    secret_rules._data.cache_clear()
    try:
        data = secret_rules._data()
    finally:
        secret_rules._data.cache_clear()
    assert data == secret_rules.compile_data(secret_rules.DATA.read_text(encoding="utf-8"))
    assert len(data["rules"]) >= 210


def test_go_syntax_is_translated() -> None:
    assert secret_rules.translate(r"\b(p8e-(?i)[a-z0-9]{32})x") == r"\b(p8e-(?i:[a-z0-9]{32}))x"
    assert secret_rules.translate(r"(?i)abc\z") == r"(?i)abc\Z"
    assert secret_rules.translate(r"a[(?i)]b") == r"a[(?i)]b"
    assert re.fullmatch(secret_rules.translate(r"x(?i)ab"), "xAB")
    assert not re.fullmatch(secret_rules.translate(r"x(?i)ab"), "XAB")


def test_entropy_and_allowlists_keep_examples_unmasked() -> None:
    assert redact_text("AKIAIOSFODNN7EXAMPLE") == "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example
    assert redact_text("sk_live_aaaaaaaaaaaaaaaaaaaa") == "sk_live_aaaaaaaaaaaaaaaaaaaa"  # entropy
