"""The compose package's vocabulary: the options of one load and the project it returns.

``loader.py`` (files, environment, merge) and ``normalize.py`` (the normalised model) both work
with these types; keeping them here lets those two import each other in one direction only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archcheck.structs import dataclass, field

if TYPE_CHECKING:
    from archcheck.compose.yamlnodes import PDict
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
    contents: Mapping[Path, str] | None = None
    """Text to read instead of the file at that absolute path: ``archcheck fix`` loads its
    result through the loader before it writes anything."""


@dataclass(frozen=True)
class ComposeProject:
    """A loaded project: the normalised model plus where each value was written."""

    name: str
    files: tuple[Path, ...]
    working_dir: Path
    config: dict[str, Any]
    positions: Mapping[KeyPath, Location] = field(default_factory=dict)
    """Key path -> where its value was written (built lazily: a big project has 100k keys)."""
    warnings: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The variables interpolation saw (process environment over ``.env``); never printed."""

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        """Service name -> normalised service mapping."""
        services: dict[str, dict[str, Any]] = self.config.get("services", {})
        return services

    def locate(self, *path: str | int) -> Location | None:
        """Where the value at ``path`` (or its nearest written ancestor) was written."""
        key: KeyPath = path
        while key:
            found = self.positions.get(key)
            if found is not None:
                return found
            key = key[:-1]
        return None


@dataclass(frozen=True)
class LoadedFiles:
    """What the loader hands the normaliser: the merged model and what it was loaded with."""

    model: PDict
    files: tuple[Path, ...]
    working_dir: Path
    env: Mapping[str, str]
    """Process environment over ``.env``: what interpolation saw."""
    profiles: tuple[str, ...]
    project_name: str | None
    """``-p``; None: ``COMPOSE_PROJECT_NAME``, the ``name:`` key, or the folder."""
    unset: frozenset[str]
    """Variables that were referenced but not set (each a warning, as in Compose)."""
    warnings: tuple[str, ...]


_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def normalize_project_name(name: str) -> str:
    """Compose's rule: lower case, only ``a-z0-9_-``, starting with a letter or digit."""
    lowered = re.sub(r"[^a-z0-9_-]", "", name.lower())
    return lowered.lstrip("_-")


def valid_project_name(name: str) -> bool:
    return bool(_PROJECT_NAME.match(name))
