"""The start-up fast path (``archcheck.cli.fast``) and the typer app agree.

Its option tables must be exactly the typer declarations (same names, same kind: flag, one
value, repeatable), and both paths must print the same and exit the same for the same argv.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from support import REPO

from archcheck.cli import fast
from archcheck.cli.app import app
from archcheck.cli.launch import main as launch_main

SHOP = str(REPO / "fixtures" / "shop" / "docker-compose.yml")
K8S = REPO / "fixtures" / "shop" / "k8s"
LIVE_ONLY = {"--prometheus", "--window", "--at", "--service-label", "--prometheus-queries",
             "--prometheus-token-file", "--prometheus-user", "--prometheus-password-file",
             "--prometheus-ca-file", "--insecure", "--prometheus-timeout",
             "--prometheus-retries", "--docker", "--docker-host"}  # fmt: skip


def _declared(*path: str) -> dict[str, fast.Kind]:
    command: Any = typer.main.get_command(app)  # NOTE: typer vendors click (typer._click)
    for name in path:
        command = command.commands[name]
    kinds: dict[str, fast.Kind] = {}
    for param in command.params:
        if param.param_type_name != "option" or param.hidden or "--help" in param.opts:
            continue
        kind: fast.Kind = "flag" if param.is_flag else "append" if param.multiple else "value"
        for opt in param.opts:
            kinds[opt] = kind
    return kinds


@pytest.mark.parametrize(
    ("path", "table"), [(("analyze",), fast.ANALYZE), (("rules", "list"), fast.RULES),
                        (("rules", "explain"), fast.RULES)],
)  # fmt: skip
def test_the_fast_tables_are_the_typer_declarations(
    path: tuple[str, ...], table: dict[str, tuple[str, fast.Kind]]
) -> None:
    declared = {opt: kind for opt, kind in _declared(*path).items() if opt not in LIVE_ONLY}
    assert {opt: kind for opt, (_, kind) in table.items()} == declared


def _run(main: object, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = 0
    try:
        main(argv)  # type: ignore[operator]
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _typer_main(argv: list[str]) -> None:
    from archcheck.cli.app import main

    main(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", SHOP, "--no-discover"],
        ["analyze", "--example", "--no-discover", "--format", "json", "--fail-on=never"],
        ["analyze", "-f", SHOP, "--no-discover", "-v", "--format", "markdown"],
        ["analyze", SHOP, "--no-discover", "--fail-on", "sometimes"],
        ["analyze", SHOP, "--no-discover", "-o", "SARIF=x.sarif"],
        ["analyze", "missing.yml", "--no-discover"],
        ["analyze", *(str(K8S / f) for f in ("namespace.yaml", "dapr.yaml", "pricing.yaml")),
         "--format", "json", "--fail-on", "never"],
        ["analyze", str(K8S / "pricing.yaml"), SHOP],
        ["rules", "list"],
        ["rules", "explain", "AC103"],
        ["rules", "explain", "AC999"],
    ],
)
def test_fast_path_and_typer_print_the_same(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert fast.parse(argv) is not None, "the fast path should take these arguments"
    assert _run(launch_main, argv, capsys) == _run(_typer_main, argv, capsys)


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "--help"],
        ["analyze", SHOP, "--prometheus", "http://127.0.0.1:9"],
        ["analyze", SHOP, "--no-such-option"],
        ["analyze", SHOP, "--format"],
        ["rules", "explain"],
        ["rules", "list", "--verbose"],
        ["scaffold", "pricing"],
    ],
)
def test_anything_else_goes_to_typer(argv: list[str]) -> None:
    assert fast.parse(argv) is None
