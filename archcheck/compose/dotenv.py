"""``.env`` and ``env_file`` files, parsed as Compose's dotenv parser does.

``KEY=value`` or ``KEY: value``, optional ``export``, ``#`` comments (after a space on unquoted
lines), single quotes (literal), double quotes (escapes, several lines, interpolation), unquoted
values interpolated, a bare ``KEY`` inherited from the environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from archcheck.compose.interpolate import TemplateError, substitute
from archcheck.errors import ComposeError
from archcheck.files.yamlpos import location
from archcheck.location import Location

_EXPORT = re.compile(r"^export\s+")
_ESCAPE = re.compile(r"\\.")


class _Lookup(Mapping[str, str]):
    """Variables read so far in this file, then the given environment."""

    def __init__(self, own: dict[str, str], outer: Mapping[str, str]) -> None:
        self.own = own
        self.outer = outer

    def __getitem__(self, key: str) -> str:
        if key in self.own:
            return self.own[key]
        return self.outer[key]

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        value = self.own.get(key)
        if value is None:
            value = self.outer.get(key)
        return default if value is None else value

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter({**self.outer, **self.own})

    def __len__(self) -> int:
        return len({**self.outer, **self.own})


def read_env_file(
    path: Path,
    environ: Mapping[str, str],
    first: Mapping[str, str] | None = None,
    at: Location | None = None,
) -> dict[str, str]:
    """Variables of the env file at ``path``; ``environ`` feeds ``${VAR}`` and bare ``KEY``.

    ``first`` (a service's own ``environment``) wins over everything when resolving variables;
    ``at`` is where a file that cannot be read is reported (its ``env_file`` entry).
    """
    from archcheck.files.read import read_text

    text = read_text(path, f"env file {path}", error=ComposeError, at=at,
                     missing="create it, or mark it `required: false`")  # fmt: skip
    return parse_env(text, str(path), environ, first)


def parse_env(
    text: str, file: str, environ: Mapping[str, str], first: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Parse dotenv ``text``; errors name ``file`` and the line."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    own: dict[str, str] = {}
    lookup: Mapping[str, str] = _Lookup(own, environ)
    if first:
        lookup = _Lookup(dict(first), lookup)
    line = 1
    src = text
    while True:
        src, skipped = _statement_start(src)
        line += skipped
        if not src:
            break
        key, rest, inherited = _key(src, line, file)
        if inherited:
            line += 1
            value = lookup.get(key)
            if value is not None:
                own[key] = value
            src = rest
            continue
        try:
            value, rest, lines = _value(rest, lookup, line, file)
        except TemplateError as exc:
            raise ComposeError(str(exc), location((file, line, 1))) from None
        line += lines
        own[key] = value
        src = rest
    return own


def _statement_start(src: str) -> tuple[str, int]:
    """Skip blank lines and comments; return the rest and how many lines were skipped."""
    lines = 0
    while True:
        stripped = src.lstrip(" \t\r\f\v")
        if stripped.startswith("\n"):
            src = stripped[1:]
            lines += 1
            continue
        if stripped.startswith("#"):
            cut = stripped.find("\n")
            if cut < 0:
                return "", lines
            src = stripped[cut + 1 :]
            lines += 1
            continue
        return stripped, lines


def _key(src: str, line: int, file: str) -> tuple[str, str, bool]:
    src = _EXPORT.sub("", src, count=1)
    for i, char in enumerate(src):
        if char in " \t":
            continue
        if char in "=:\n":
            key = src[:i].rstrip()
            if " " in key or "\t" in key:
                raise ComposeError(
                    f"line {line}: key cannot contain a space: write KEY=VALUE",
                    location((file, line, 1)),
                )
            return key, src[i + 1 :].lstrip(" \t"), char == "\n"
        if char.isalnum() or char in "_.-[]":
            continue
        first = src.split("\n", 1)[0]
        raise ComposeError(
            f"line {line}: unexpected character {char!r} in variable name {first!r}: "
            "names may use letters, digits and _ . - [ ]",
            location((file, line, i + 1)),
        )
    key = src.rstrip()
    if " " in key or "\t" in key:
        raise ComposeError(
            f"line {line}: key cannot contain a space: write KEY=VALUE",
            location((file, line, 1)),
        )
    return key, "", True


def _value(src: str, env: Mapping[str, str], line: int, file: str) -> tuple[str, str, int]:
    """The value at the start of ``src``, the text after it, and how many newlines it used."""
    quote = src[:1]
    if quote not in ("'", '"'):
        value, _, rest = src.partition("\n")
        value = value.split(" #", 1)[0].rstrip()
        return substitute(value, env), rest, 1
    escaped = False
    for i in range(1, len(src)):
        char = src[i]
        if char == "\\" and not escaped:
            escaped = True
            continue
        if char == quote and not escaped:
            value = src[1:i]
            if quote == '"':
                value = substitute(_expand_escapes(value), env)
            else:
                value = value.replace("\\'", "'")
            rest = src[i + 1 :]
            newline = rest.find("\n")
            rest = "" if newline < 0 else rest[newline + 1 :]
            return value, rest, src[: i + 1].count("\n") + 1
        escaped = False
    raise ComposeError(
        f"line {line}: the value's opening {quote} is never closed: close the quote",
        location((file, line, 1)),
    )


def _expand_escapes(value: str) -> str:
    def replace(match: re.Match[str]) -> str:
        char = match.group(0)[1]
        if char == "n":
            return "\n"
        if char == "r":
            return "\r"
        if char == "t":
            return "\t"
        if char == "$":
            return "$$"
        if char in "\\\"'":
            return char
        return match.group(0)

    return _ESCAPE.sub(replace, value)
