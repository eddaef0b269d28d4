"""The command line: ``launch`` (the console script and its ``config`` fast path), ``app``
(the typer commands), ``options`` (option declarations that several commands share) and
``outputs`` (``--output [FORMAT=]FILE``).

Importing this package imports nothing else, so ``archcheck.cli.launch`` starts without typer;
``archcheck.cli.main`` (the typer app's entry point) is looked up in ``app`` when first asked for.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name == "main":  # NOTE: lazy: typer costs ~100 ms at start-up
        return importlib.import_module("archcheck.cli.app").main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
