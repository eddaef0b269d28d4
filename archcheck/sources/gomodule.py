"""What a service's Go module is built on, read from its ``go.mod``.

The scaffold generates workers for Kratos v2 services only; the analysis' migration path says
``archcheck scaffold`` only for those, so both read the requirement with ``KRATOS``.
"""

from __future__ import annotations

import re
from pathlib import Path

from archcheck.model import CodeKind

KRATOS = re.compile(r"github\.com/go-kratos/kratos(/v(\d+))?\s+v(\d+)\.")
"""A Kratos requirement in go.mod: group 2 is the module's major suffix, group 3 the version's."""


def module_root(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` holding go.mod (a monorepo's root module)."""
    for candidate in [folder, *folder.resolve().parents]:
        if (candidate / "go.mod").is_file():
            return candidate
    return None


def code_kind(folder: Path) -> CodeKind:
    """``go-kratos-v2`` when the module requires kratos/v2, ``go`` for another Go module,
    ``other`` when no go.mod is at or above ``folder``."""
    root = module_root(folder)
    if root is None:
        return "other"
    try:
        text = (root / "go.mod").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "other"
    found = KRATOS.search(text)
    return "go-kratos-v2" if found is not None and found[2] == found[3] == "2" else "go"
