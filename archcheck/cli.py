"""The command line: turn arguments into calls and results into exit codes; nothing else.

Heavy modules (the compose loader, the engine, reporters, the docker SDK) are imported inside
the commands that use them, so ``archcheck --version`` and ``archcheck config`` start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from archcheck import __version__
from archcheck.errors import ArchcheckError, ExitCode

app = typer.Typer(
    name="archcheck",
    help="Decide which event handlers and cron jobs belong in separate worker containers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"archcheck {__version__}")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """archcheck: inline or separate workers, decided from compose files and metrics."""


# --- compose options shared by every command that loads a project ---------------------------

FilesOpt = Annotated[
    list[Path] | None,
    typer.Option("-f", "--file", help="Compose file (repeatable), as with docker compose -f."),
]
EnvFileOpt = Annotated[
    list[Path] | None, typer.Option("--env-file", help="Alternate .env file (repeatable).")
]
ProfileOpt = Annotated[
    list[str] | None, typer.Option("--profile", help="Activate a compose profile (repeatable).")
]
ProjectNameOpt = Annotated[str | None, typer.Option("-p", "--project-name", help="Project name.")]
ProjectDirOpt = Annotated[
    Path | None, typer.Option("--project-directory", help="Alternate working directory.")
]


@app.command()
def config(
    file: FilesOpt = None,
    env_file: EnvFileOpt = None,
    profile: ProfileOpt = None,
    project_name: ProjectNameOpt = None,
    project_directory: ProjectDirOpt = None,
    output_format: Annotated[
        str, typer.Option("--format", help="Output format: json or yaml.")
    ] = "yaml",
    services: Annotated[
        bool, typer.Option("--services", help="Print the service names only.")
    ] = False,
) -> None:
    """Print the normalised project, as `docker compose config` would (secrets redacted)."""
    from archcheck.compose import ComposeOptions, load_project
    from archcheck.compose.render import render_config

    project = load_project(
        ComposeOptions(
            files=tuple(file or ()),
            env_files=tuple(env_file or ()),
            profiles=tuple(profile or ()),
            project_name=project_name,
            project_directory=project_directory,
        )
    )
    if services:
        typer.echo("\n".join(project.services))
        return
    typer.echo(render_config(project, output_format), nl=False)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app and turn archcheck errors into exit code 2.

    Typer's standalone mode already maps bad flags to exit 2 and ``typer.Exit`` to its code.
    """
    try:
        app(args=argv)
    except ArchcheckError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(ExitCode.USAGE)
