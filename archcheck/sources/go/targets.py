"""What Go discovery is given and what it returns: plain data, cheap to import, so that a
cached result (``archcheck.sources.go.workloads``) is read without loading the scanner."""

from __future__ import annotations

from pathlib import Path

from archcheck.model import Location, Note, Workload
from archcheck.sources.go.build import MainPackage
from archcheck.structs import dataclass, field


@dataclass(frozen=True)
class GoTarget:
    """What to read for one service."""

    mains: tuple[MainPackage, ...] = ()
    root: Path | None = None
    """Read every main package under this folder (all its files when it has none)."""


@dataclass(frozen=True)
class GoDiscovery:
    """What the Go source of each service shows."""

    workloads: tuple[Workload, ...] = ()
    notes: tuple[Note, ...] = ()
    worker_mode: dict[str, Location] = field(default_factory=dict)
    """Service -> where its code reads ``WORKER_MODE`` or a ``-mode`` flag."""
    worker_entrypoints: dict[str, Location] = field(default_factory=dict)
    """Service -> its existing ``cmd/worker`` main package."""
    routes: dict[str, dict[str, str]] = field(default_factory=dict)
    """Service -> HTTP path -> handler: where Dapr's declared routes land in the code."""
    scanned: dict[str, tuple[tuple[str, ...], int]] = field(default_factory=dict)
    """Service -> (main packages, number of files) read."""
