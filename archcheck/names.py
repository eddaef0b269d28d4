"""Names made from names of the outside world (topics, job names, Go identifiers): their words,
and the one slug (``kebab``) that routes, metric labels, compose services and workload names use.

Whatever a name holds (dots, dashes, camelCase, spaces, non-ASCII letters), ``words`` gives
lower-case ASCII words, never none; the scaffold builds Go identifiers and file names from them.
"""

from __future__ import annotations

import re
import unicodedata

from archcheck.digest import sha256

_WORD = re.compile(r"[A-Za-z0-9]+")
_CAMEL_SPLIT = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+[a-z]*")


def _ascii_words(name: str) -> list[str]:
    """Words of ``name`` in ASCII: accents folded (``geändert`` -> ``geandert``), the rest split."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words: list[str] = []
    for chunk in _WORD.findall(folded):
        words.extend(_CAMEL_SPLIT.findall(chunk))
    return [w for w in words if w]


def _fallback(name: str) -> list[str]:
    """A stable name for text with no ASCII letters at all (``価格``): ``t`` + a short hash."""
    return ["t" + sha256(name.encode("utf-8")).hexdigest()[:8]]


def words(name: str) -> list[str]:
    """The lower-case ASCII words a Go identifier, file name or route is built from."""
    found = [w.lower() for w in _ascii_words(name)] or _fallback(name)
    if found[0][0].isdigit():
        found.insert(0, "n")
    return found


def kebab(name: str) -> str:
    """A route, metric label and compose-safe name: ``warehouse-stock-updated``."""
    return "-".join(words(name))
