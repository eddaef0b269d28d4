"""Where the API's Dockerfile builds Go, and whether that build also builds ``cmd/worker``.

The Dockerfile and the Makefiles it runs are read by discovery's one reader
(``sources/go/build.py``: stages, ``ARG`` substituted from the compose build args, ``COPY`` and
``WORKDIR`` mapped to the build context, ``make`` targets followed); this module only turns its
``go build`` commands into what the scaffold asks of them.
"""

from __future__ import annotations

from pathlib import Path

from archcheck.structs import dataclass


@dataclass(frozen=True)
class GoBuild:
    """One ``go build`` the image runs."""

    line: int
    folder: Path | None
    """Where it runs, in the build context (None when that folder is not copied from it)."""
    output: str | None
    """``-o`` value; a folder (``./bin/``) when it ends with ``/``."""
    packages: tuple[str, ...]

    @property
    def builds_all(self) -> bool:
        return any(p.endswith("...") for p in self.packages) or any(
            p.startswith("./cmd/") and p.endswith("*") for p in self.packages
        )


def go_builds(text: str, context: Path, build_args: dict[str, str]) -> list[GoBuild]:
    """Every ``go build`` of the Dockerfile ``text`` (``make`` targets followed into Makefiles),
    with the line of the ``RUN`` that runs it."""
    from archcheck.sources.go.build import Makefiles, PathMap, go_commands, parse_dockerfile

    builds: list[GoBuild] = []
    for stage in parse_dockerfile(text, build_args):
        to_host = PathMap(stage, context)
        makefiles = Makefiles(to_host)
        for line, cwd, run in stage.runs:
            seen: set[tuple[str, str | None, tuple[str, ...]]] = set()
            for command in go_commands(run, cwd, makefiles):
                key = (command.cwd, command.written_output, command.written_packages)
                if command.verb != "build" or key in seen:
                    continue  # one GoBuild per command, not per package it names
                seen.add(key)
                builds.append(
                    GoBuild(
                        line,
                        _in_context(to_host(command.cwd), context),
                        command.written_output,
                        command.written_packages or (".",),
                    )
                )
    return builds


def _in_context(folder: Path | None, context: Path) -> Path | None:
    """``folder`` (resolved by the reader) spelt under ``context`` as the user gave it."""
    if folder is None or not folder.is_dir():
        return None
    resolved = context.resolve()
    return context / folder.relative_to(resolved) if folder.is_relative_to(resolved) else folder
