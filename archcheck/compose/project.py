"""The loader's entry point and result type.

NOTE: this is a placeholder that reads a single file without interpolation, merging or
normalisation, so other stages can be built against the interface; the real loader replaces
the body of ``load_project`` and keeps the signatures.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from archcheck.errors import ComposeError
from archcheck.model import Location

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class ComposeOptions:
    """The global flags of ``docker compose`` that decide what is loaded."""

    files: tuple[Path, ...] = ()
    env_files: tuple[Path, ...] = ()
    profiles: tuple[str, ...] = ()
    project_name: str | None = None
    project_directory: Path | None = None
    environ: Mapping[str, str] | None = None
    """The process environment; None means ``os.environ``."""
    cwd: Path | None = None
    """Where relative ``-f`` paths and file discovery start; None means the current directory."""


@dataclass(frozen=True)
class ComposeProject:
    """A loaded project: the normalised model plus where each value was written."""

    name: str
    files: tuple[Path, ...]
    working_dir: Path
    config: dict[str, Any]
    positions: dict[KeyPath, Location] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        """Service name -> normalised service mapping."""
        services: dict[str, dict[str, Any]] = self.config.get("services", {})
        return services

    def locate(self, *path: str | int) -> Location | None:
        """Where the value at ``path`` (or its nearest written ancestor) was written."""
        key: KeyPath = path
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key[:-1]
        return None


def load_project(options: ComposeOptions) -> ComposeProject:
    """Load, merge, interpolate and normalise the project that ``options`` describe."""
    cwd = options.cwd or Path.cwd()
    files = tuple((cwd / f) for f in options.files) or (cwd / "docker-compose.yml",)
    path = files[0]
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ComposeError(f"cannot read {path}: {exc.strerror}") from exc
    data = yaml.safe_load(text) or {}
    node = yaml.compose(text)
    positions: dict[KeyPath, Location] = {}

    def walk(n: yaml.Node, prefix: KeyPath) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = (*prefix, str(k.value))
                positions[key] = Location(
                    file=str(path), line=k.start_mark.line + 1, column=k.start_mark.column + 1
                )
                walk(v, key)

    if node is not None:
        walk(node, ())
    name = options.project_name or data.get("name") or path.parent.name
    _ = os.environ
    return ComposeProject(
        name=name, files=files, working_dir=path.parent, config=data, positions=positions
    )
