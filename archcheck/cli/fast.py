"""The start-up fast path: ``analyze``, ``rules list`` and ``rules explain`` without typer.

Importing typer and letting it coerce every option costs more CPU than analysing a small
project (about 0.15 s of a 0.3 s run), and these commands run on every CI push. When the
arguments use only the plain options below, ``parse`` returns the command to run; anything
else (``--help``, a live-metrics option, a typo, a missing value) returns None and goes to the
typer app, which gives the usual help and messages. ``tests/cli/test_cli_fast.py`` checks that
these tables match the typer declarations and that both paths print the same.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

Kind = Literal["flag", "value", "append"]

COMPOSE: dict[str, tuple[str, Kind]] = {
    "-f": ("file", "append"),
    "--file": ("file", "append"),
    "--env-file": ("env_file", "append"),
    "--profile": ("profile", "append"),
    "-p": ("project_name", "value"),
    "--project-name": ("project_name", "value"),
    "--project-directory": ("project_directory", "value"),
}
ANALYZE: dict[str, tuple[str, Kind]] = {
    **COMPOSE,
    "--metrics": ("metrics", "append"),
    "--config": ("config_file", "value"),
    "--format": ("output_format", "value"),
    "-o": ("output", "append"),
    "--output": ("output", "append"),
    "--baseline": ("baseline", "value"),
    "--diff-base": ("diff_base", "value"),
    "--fail-on": ("fail_on", "value"),
    "-v": ("verbose", "flag"),
    "--verbose": ("verbose", "flag"),
    "--explain": ("verbose", "flag"),
    "--example": ("example", "flag"),
    "--source": ("source", "append"),
    "--dapr-resources": ("dapr_resources", "append"),
    "--since": ("since", "value"),
    "--no-discover": ("no_discover", "flag"),
}
"""``analyze``'s options that the fast path takes; the live-metrics ones go through typer."""
RULES: dict[str, tuple[str, Kind]] = {"--config": ("config_file", "value")}

Values = dict[str, object]


def parse_options(
    argv: list[str], table: dict[str, tuple[str, Kind]], max_positional: int
) -> tuple[Values, list[str]] | None:
    """(options by name, positional arguments), or None when typer must handle ``argv``."""
    values: Values = {}
    positional: list[str] = []
    index = 0
    while index < len(argv):
        arg = argv[index]
        index += 1
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name not in table:
            return None  # --help, live options, typos: typer's messages
        key, kind = table[name]
        if kind == "flag":
            if eq:
                return None
            values[key] = True
            continue
        if eq:
            value = inline
        elif index < len(argv):
            value, index = argv[index], index + 1
        else:
            return None  # a missing value: typer says so
        if kind == "append":
            values.setdefault(key, [])
            values[key].append(value)  # type: ignore[attr-defined]
        else:
            values[key] = value
    if len(positional) > max_positional:
        return None
    return values, positional


def parse(argv: list[str]) -> Callable[[], int] | None:
    """The command ``argv`` asks for, ready to run; None: let typer handle it."""
    if argv[:1] == ["analyze"]:
        parsed = parse_options(argv[1:], ANALYZE, 64)
        return None if parsed is None else _analyze(*parsed)
    if argv[:2] == ["rules", "list"]:
        parsed = parse_options(argv[2:], RULES, 0)
        return None if parsed is None else _rules_list(parsed[0])
    if argv[:2] == ["rules", "explain"]:
        parsed = parse_options(argv[2:], RULES, 1)
        if parsed is None or len(parsed[1]) != 1:
            return None
        return _rules_explain(parsed[0], parsed[1][0])
    return None


def _path(values: Values, key: str) -> Path | None:
    value = values.get(key)
    return None if value is None else Path(str(value))


def _paths(values: Values, key: str) -> tuple[Path, ...]:
    return tuple(Path(v) for v in values.get(key, ()))  # type: ignore[attr-defined]


def _strings(values: Values, key: str) -> tuple[str, ...]:
    return tuple(values.get(key, ()))  # type: ignore[arg-type]


def _analyze(values: Values, positional: list[str]) -> Callable[[], int]:
    from archcheck.cli.analyze import AnalyzeArgs, run_analyze
    from archcheck.compose.project import ComposeOptions

    compose = ComposeOptions(
        files=_paths(values, "file"),
        env_files=_paths(values, "env_file"),
        profiles=_strings(values, "profile"),
        project_name=values.get("project_name"),  # type: ignore[arg-type]
        project_directory=_path(values, "project_directory"),
    )
    args = AnalyzeArgs(
        compose=compose,
        paths=tuple(Path(p) for p in positional),
        metrics=_paths(values, "metrics"),
        config_file=_path(values, "config_file"),
        output_format=str(values.get("output_format", "text")),
        output=_strings(values, "output"),
        baseline=_path(values, "baseline"),
        diff_base=values.get("diff_base"),  # type: ignore[arg-type]
        fail_on=values.get("fail_on"),  # type: ignore[arg-type]
        verbose=bool(values.get("verbose")),
        example=bool(values.get("example")),
        source=_strings(values, "source"),
        dapr_resources=_paths(values, "dapr_resources"),
        since=str(values.get("since", "90")),
        no_discover=bool(values.get("no_discover")),
    )
    return lambda: run_analyze(args)


def _rules_list(values: Values) -> Callable[[], int]:
    def run() -> int:
        import sys

        from archcheck.cli.rules import list_rules

        sys.stdout.write(list_rules(_path(values, "config_file")))
        return 0

    return run


def _rules_explain(values: Values, rule_id: str) -> Callable[[], int]:
    def run() -> int:
        import sys

        from archcheck.cli.rules import explain_rule

        sys.stdout.write(explain_rule(rule_id, _path(values, "config_file")))
        return 0

    return run
