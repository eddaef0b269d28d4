"""Names from the outside world become valid, distinct Go identifiers, file names and literals."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scaffold_helpers import FIXTURES
from support import require_tool

from archcheck.errors import ScaffoldError
from archcheck.scaffold import names
from archcheck.scaffold.gotarget import read_target
from archcheck.scaffold.render import render
from archcheck.scaffold.request import CronSpec, EventSpec, ScaffoldRequest


@pytest.mark.parametrize(
    ("topic", "ident", "stem"),
    [
        ("warehouse.stock.updated", "WarehouseStockUpdated", "warehouse_stock_updated"),
        ("orders/created v2", "OrdersCreatedV2", "orders_created_v2"),
        ("Préis-Geändert", "PreisGeandert", "preis_geandert"),
        ("HTTPServerEvents", "HttpServerEvents", "http_server_events"),
        ("2fa.sent", "N2faSent", "n_2fa_sent"),
        ("events.windows", "EventsWindows", "events_windows"),
    ],
)
def test_identifiers_and_file_stems(topic: str, ident: str, stem: str) -> None:
    assert names.go_ident(topic) == ident
    assert names.file_stem(topic) == stem


def test_text_without_latin_letters_gets_a_stable_hashed_name() -> None:
    assert names.go_ident("価格") == names.go_ident("価格")
    assert names.go_ident("価格") != names.go_ident("在庫")
    assert names.go_ident("価格").isascii() and names.go_ident("価格")[0].isupper()


def test_go_string_escapes_quotes_backslashes_and_controls() -> None:
    assert names.go_string('a"b\\c\n\x00') == '"a\\"b\\\\c\\n\\x00"'
    assert names.go_string("préis") == '"préis"'


def test_handler_file_names_never_carry_a_build_constraint() -> None:
    # events.windows_handler.go: the _handler suffix keeps Go from reading `_windows` as GOOS.
    target = read_target(FIXTURES / "pricing")
    rendered = render(
        ScaffoldRequest(
            app="pricing", source_dir=target.root, events=(EventSpec("events.windows"),)
        ),
        target,
    )
    assert "internal/worker/event/events_windows_handler.go" in rendered.service_files


def test_colliding_names_are_an_error() -> None:
    target = read_target(FIXTURES / "pricing")
    for events in (
        (EventSpec("stock.updated"), EventSpec("stock-updated")),
        (EventSpec("a", name="stock"), EventSpec("b", name="Stock")),
    ):  # StockHandler twice
        with pytest.raises(ScaffoldError, match="same Go name"):
            render(ScaffoldRequest(app="pricing", source_dir=target.root, events=events), target)
    jobs = (CronSpec("sync prices", "@daily"), CronSpec("sync_prices", "@hourly"))
    with pytest.raises(ScaffoldError, match="same Go name"):
        render(ScaffoldRequest(app="pricing", source_dir=target.root, cron_jobs=jobs), target)


_TOPIC = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30
).filter(lambda s: s.strip() != "")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(topics=st.lists(_TOPIC, min_size=1, max_size=4, unique_by=names.go_ident))
def test_any_topics_render_go_that_parses(
    tmp_path_factory: pytest.TempPathFactory, topics: list[str]
) -> None:
    """Whatever the topics hold, every generated handler file parses (gofmt -e, no modules)."""
    gofmt = require_tool("gofmt")
    target = read_target(FIXTURES / "pricing")
    files = {n for t in topics for n in (names.file_stem(t),)}
    if len(files) != len(topics):
        return  # two topics with the same file name are rejected, tested above
    try:
        rendered = render(
            ScaffoldRequest(
                app="pricing", source_dir=target.root, events=tuple(EventSpec(t) for t in topics)
            ),
            target,
        )
    except ScaffoldError as exc:
        assert "same Go name" in str(exc)
        return
    out = tmp_path_factory.mktemp("gofmt")
    for rel, text in rendered.service_files.items():
        if rel.endswith(".go"):
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [gofmt, "-l", "-e", str(out)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr
    for t in topics:
        handler = (out / f"internal/worker/event/{names.file_stem(t)}_handler.go").read_text()
        assert f"return {names.go_string(t)}" in handler


def test_names_module_is_pure(tmp_path: Path) -> None:
    # Sanity: the same input always gives the same name (no randomness, no global state).
    assert [names.kebab("A.B c") for _ in range(3)] == ["a-b-c"] * 3
