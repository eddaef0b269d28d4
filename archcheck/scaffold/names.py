"""Turn names from the outside world (topics, job names) into safe Go identifiers and file names.

Topics may hold dots, dashes, quotes, spaces or non-ASCII letters; whatever they hold, the
generated code must compile, and two names that map to the same identifier must be an error,
never a silent overwrite.
"""

from __future__ import annotations

import json
import unicodedata

from archcheck.names import kebab as kebab  # noqa: PLC0414 (the scaffold's slug is the one slug)
from archcheck.names import words


def go_ident(name: str) -> str:
    """An exported Go identifier: ``warehouse.stock-updated`` -> ``WarehouseStockUpdated``."""
    return "".join(w[:1].upper() + w[1:] for w in words(name))


def go_var(ident: str) -> str:
    """An unexported Go name from an exported identifier (``StockHandler`` -> ``stockHandler``)."""
    return ident[:1].lower() + ident[1:]


def file_stem(name: str) -> str:
    """A Go file name stem in snake case; callers add a suffix so no ``_linux``/``_test`` ends it."""
    return "_".join(words(name))


def go_string(value: str) -> str:
    """A Go interpreted string literal holding exactly ``value``."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif unicodedata.category(ch) in {"Cs", "Co", "Cn", "Zl", "Zp", "Cf"}:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def yaml_string(value: str) -> str:
    """A YAML double-quoted scalar holding exactly ``value`` (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def yaml_value(value: object) -> str:
    """Any plain value (string, number, list, mapping, None) as one line of YAML flow style."""
    return json.dumps(value, ensure_ascii=False)
