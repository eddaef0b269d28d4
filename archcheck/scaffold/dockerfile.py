"""Read how the API's Dockerfile builds Go: where it builds (which folder of the context), and
whether that build also builds ``cmd/worker`` once it exists.

A Dockerfile is read as the few instructions that matter here (``ARG``, ``COPY . dest``,
``WORKDIR``, ``RUN go build`` / ``RUN make build``), with ``${ARG}`` substituted from the
compose build args; a ``make`` target is followed into the Makefile of the folder it runs in.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_ARG = re.compile(r"^ARG\s+(\w+)(?:=(\S*))?", re.IGNORECASE)
_COPY_ALL = re.compile(r"^(?:COPY|ADD)\s+(?:--\S+\s+)*\.\/?\s+(\S+)\s*$", re.IGNORECASE)
_WORKDIR = re.compile(r"^WORKDIR\s+(\S+)", re.IGNORECASE)
_RUN = re.compile(r"^RUN\s+(.*)$", re.IGNORECASE | re.DOTALL)
_GO_BUILD = re.compile(r"go\s+build\b(?P<args>[^&;|\n]*)")
_MAKE = re.compile(r"\bmake\s+(?P<target>[\w.-]+)?")


@dataclass(frozen=True)
class GoBuild:
    """One ``go build`` the image runs."""

    line: int
    folder: Path | None
    """Where it runs, in the build context (None when it is not under a ``COPY .``)."""
    output: str | None
    """``-o`` value; a folder (``./bin/``) when it ends with ``/``."""
    packages: tuple[str, ...]

    @property
    def builds_all(self) -> bool:
        return any(p.endswith("...") for p in self.packages) or any(
            p.startswith("./cmd/") and p.endswith("*") for p in self.packages
        )


def _instructions(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if not buf:
            start = number
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        out.append((start, buf + stripped))
        buf = ""
    if buf:
        out.append((start, buf))
    return out


def _substitute(text: str, args: dict[str, str]) -> str:
    return re.sub(
        r"\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)",
        lambda m: args.get(m[1] or m[3], m[2] or ""),
        text,
    )


def go_builds(text: str, context: Path, build_args: dict[str, str]) -> list[GoBuild]:
    """Every Go build of the Dockerfile ``text`` (``make`` targets followed into Makefiles)."""
    args: dict[str, str] = {}
    copied: PurePosixPath | None = None
    workdir = PurePosixPath("/")
    builds: list[GoBuild] = []
    for line, instruction in _instructions(text):
        if m := _ARG.match(instruction):
            args[m[1]] = build_args.get(m[1], m[2] or args.get(m[1], ""))
            continue
        instruction = _substitute(instruction, args)
        if instruction.upper().startswith("FROM "):
            workdir, copied = PurePosixPath("/"), None
        elif m := _COPY_ALL.match(instruction):
            dest = PurePosixPath(m[1])
            copied = dest if dest.is_absolute() else workdir / dest
        elif m := _WORKDIR.match(instruction):
            workdir = workdir / m[1]
        elif m := _RUN.match(instruction):
            folder = _host(workdir, copied, context)
            commands = [g["args"] for g in _GO_BUILD.finditer(m[1])]
            for make in _MAKE.finditer(m[1]):
                commands += _make_builds(folder, make["target"])
            builds += [_go_build(line, folder, a) for a in commands]
    return builds


def _host(workdir: PurePosixPath, copied: PurePosixPath | None, context: Path) -> Path | None:
    if copied is None or not workdir.is_relative_to(copied):
        return None
    return context / workdir.relative_to(copied)


def _make_builds(folder: Path | None, target: str | None) -> list[str]:
    """The ``go build`` arguments of a make target, following one ``include`` level."""
    if folder is None:
        return []
    texts: list[str] = []
    makefile = folder / "Makefile"
    if makefile.is_file():
        text = makefile.read_text(encoding="utf-8", errors="replace")
        texts.append(text)
        for inc in re.findall(r"^include\s+(\S+)", text, re.MULTILINE):
            path = folder / inc
            if path.is_file():
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
    for text in texts:
        names = [target] if target else re.findall(r"^([\w.-]+):", text, re.MULTILINE)[:1]
        for name in names:
            body = re.search(rf"^{re.escape(name)}:[^\n]*\n((?:\t[^\n]*\n?)*)", text, re.MULTILINE)
            if body:
                return [g["args"] for g in _GO_BUILD.finditer(body[1])]
    return []


def _go_build(line: int, folder: Path | None, args: str) -> GoBuild:
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    output: str | None = None
    packages: list[str] = []
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word == "-o" and i + 1 < len(words):
            output, skip = words[i + 1], True
        elif word.startswith("-o="):
            output = word[3:]
        elif word in ("-ldflags", "-tags", "-gcflags", "-trimpath=false"):
            skip = word != "-trimpath=false"
        elif not word.startswith(("-", "$")):
            packages.append(word)
    return GoBuild(line, folder, output, tuple(packages) or (".",))
