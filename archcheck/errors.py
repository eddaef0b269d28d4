"""Every error a user can cause, each with a message that says what happened and what to do.

The CLI prints them as ``error: FILE:LINE:COL: message`` on stderr and exits 2; anything that is
not an ``ArchcheckError`` is a bug in archcheck, not in the user's input.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # NOTE: model imports pydantic; `archcheck --version` must not pay for it.
    from archcheck.model import Location


class ExitCode(enum.IntEnum):
    """Process exit codes shared by every command."""

    OK = 0
    FINDINGS = 1  # findings at or above --fail-on; scaffold conflicts left unresolved
    USAGE = 2  # could not run: bad flags, bad input, unreachable source


class ArchcheckError(Exception):
    """Base class; ``str(error)`` is shown to the user as is, prefixed by the location."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class UsageError(ArchcheckError):
    """Flags that do not fit together, or name something that does not exist."""


class ComposeError(ArchcheckError):
    """A compose file, .env file or env_file that Compose itself would reject."""


class InterpolationError(ComposeError):
    """A required variable (``${VAR:?msg}``) is missing, or ``${...}`` is malformed."""


class ManifestError(ArchcheckError):
    """A Kubernetes manifest that kubectl would reject, or that archcheck cannot read."""


class ConfigError(ArchcheckError):
    """A project's ``.archcheck.yaml`` is invalid."""


class RuleDefinitionError(ArchcheckError):
    """A file under ``rules/`` is invalid (a bug in the shipped rules or a user's own rules)."""


class SourceError(ArchcheckError):
    """A metrics snapshot, exposition file, Prometheus server or Docker engine gave bad data."""


class SourceUnreachableError(SourceError):
    """A live source (Prometheus, Docker) could not be reached or answered with an error."""


class ScaffoldError(ArchcheckError):
    """The scaffold cannot proceed: bad target, unsafe path, refused verdict."""
