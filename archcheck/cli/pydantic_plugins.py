"""Pydantic looks for its plugins without ``importlib.metadata`` when no package declares one.

Pydantic finds plugins through the ``pydantic`` entry-point group: the first model it builds
imports ``importlib.metadata`` (and ``email``, ``zipfile``, ``csv``... with it) and reads every
installed package's metadata, about 15 ms of CPU in a 0.17 s ``analyze``. ``skip_empty_scan``
first reads the ``entry_points.txt`` files itself; only when none of them has a ``[pydantic]``
section does it give pydantic a plugin loader that returns no plugins, which is what pydantic's
own loader would have found. If a package does declare a plugin, or a ``sys.path`` entry is an
archive it cannot read (or an import hook may list distributions), nothing changes and pydantic loads its plugins as usual.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable
from pathlib import Path

LOADER = "pydantic.plugin._loader"
"""The module pydantic imports ``get_plugins`` from when it builds its first validator."""
GROUP = "[pydantic]"


def declares_plugins(path: Iterable[str]) -> bool:
    """Whether an installed distribution on ``path`` may declare a pydantic plugin.

    True when one does, or when a path entry is not a folder (a zip or egg it cannot list).
    """
    for entry in path:
        folder = Path(entry or ".")
        if not folder.is_dir():
            if folder.exists():
                return True
            continue
        try:
            names = [p for p in folder.iterdir() if p.name.endswith((".dist-info", ".egg-info"))]
        except OSError:
            return True
        for dist in names:
            try:
                with (dist / "entry_points.txt").open(encoding="utf-8") as lines:
                    if any(line.strip() == GROUP for line in lines):
                        return True
            except (NotADirectoryError, FileNotFoundError):
                continue
            except (OSError, UnicodeDecodeError):
                return True
    return False


def _other_finders() -> bool:
    """Whether an import hook may list distributions that are not on ``sys.path``."""
    from importlib.machinery import PathFinder

    return any(
        hasattr(finder, "find_distributions") and finder is not PathFinder
        for finder in sys.meta_path
    )


def _no_plugins() -> tuple[()]:
    return ()


def skip_empty_scan() -> None:
    """Give pydantic a loader that finds no plugins, if no installed package declares one."""
    if LOADER in sys.modules or _other_finders() or declares_plugins(sys.path):
        return
    loader = types.ModuleType(LOADER, __doc__)
    loader.get_plugins = _no_plugins  # type: ignore[attr-defined]
    sys.modules[LOADER] = loader
