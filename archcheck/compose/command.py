"""``archcheck config``: load the project and print it; shared by the typer command and the
start-up fast path in ``archcheck.cli.launch``."""

from __future__ import annotations

import sys
from pathlib import Path

from archcheck.compose.project import ComposeOptions
from archcheck.structs import dataclass, field


@dataclass(frozen=True)
class ConfigArgs:
    """The options of ``archcheck config``."""

    compose: ComposeOptions = field(default_factory=ComposeOptions)
    output_format: str = "yaml"
    services: bool = False
    redact: bool = True


def run_config(args: ConfigArgs) -> None:
    """Print the normalised project (or its service names); warnings go to stderr."""
    from archcheck.compose.loader import load_project
    from archcheck.compose.render import render_config
    from archcheck.compose.validate import validate_runnable
    from archcheck.errors import UsageError

    if args.output_format not in ("json", "yaml"):
        raise UsageError(f"unknown --format {args.output_format!r}: use json or yaml")
    project = load_project(args.compose)
    validate_runnable(project)
    for warning in project.warnings:
        sys.stderr.write(f"warning: {warning}\n")
    if args.services:
        sys.stdout.write("".join(f"{name}\n" for name in project.services))
        return
    sys.stdout.write(render_config(project, args.output_format, redact=args.redact))


_VALUED = {
    "-f": "files", "--file": "files", "--env-file": "env_files", "--profile": "profiles",
    "-p": "project_name", "--project-name": "project_name",
    "--project-directory": "project_directory", "--format": "output_format",
}  # fmt: skip


def parse_config_args(argv: list[str]) -> ConfigArgs | None:
    """The options after ``config``, or None for anything else (help, a typo, a new option):
    the typer app then parses them and gives its usual messages."""
    lists: dict[str, list[str]] = {"files": [], "env_files": [], "profiles": []}
    single: dict[str, str] = {}
    services = False
    redact = True
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, equals, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in ("--services", "--no-redact") and not equals:
            services = services or name == "--services"
            redact = redact and name != "--no-redact"
            i += 1
            continue
        target = _VALUED.get(name)
        if target is None:
            return None
        if equals:
            value = inline
            i += 1
        elif i + 1 < len(argv):
            value = argv[i + 1]
            i += 2
        else:
            return None
        if target in lists:
            lists[target].append(value)
        else:
            single[target] = value
    directory = single.get("project_directory")
    return ConfigArgs(
        compose=ComposeOptions(
            files=tuple(Path(f) for f in lists["files"]),
            env_files=tuple(Path(f) for f in lists["env_files"]),
            profiles=tuple(lists["profiles"]),
            project_name=single.get("project_name"),
            project_directory=Path(directory) if directory is not None else None,
        ),
        output_format=single.get("output_format", "yaml"),
        services=services,
        redact=redact,
    )
