"""Load a compose project exactly as Docker Compose v2 would run it.

The public surface is ``ComposeOptions`` -> ``load_project`` -> ``ComposeProject``. The result's
``config`` has the shape of ``docker compose config --format json``; ``positions`` remembers where
every effective value was written, so findings can point at FILE:LINE:COL.
"""

from __future__ import annotations

from archcheck.compose.loader import load_project
from archcheck.compose.project import ComposeOptions, ComposeProject

__all__ = ["ComposeOptions", "ComposeProject", "load_project"]
