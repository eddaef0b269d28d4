"""Find the shipped ``rules/`` and ``templates/``: inside the wheel, or in a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


@cache
def bundled_dir(name: str) -> Path:
    """The folder ``name`` (``rules``, ``templates``) shipped with this installation."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"archcheck is installed without its {name}/ folder: reinstall it")


def rules_dir() -> Path:
    """The shipped decision matrix and hygiene rules."""
    return bundled_dir("rules")


def templates_dir() -> Path:
    """The shipped jinja2 templates for the scaffold."""
    return bundled_dir("templates")


def example_dir() -> Path:
    """The bundled example system: the review's shop (pricing, catalog, warehouse)."""
    for candidate in (
        _PACKAGE / "_bundled" / "examples" / "shop",
        _PACKAGE.parent / "fixtures" / "shop",
    ):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("archcheck is installed without its bundled example: reinstall it")
