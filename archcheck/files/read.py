"""The one way archcheck reads a file: regular files only, bounded, decode errors located.

Every input (compose files and what they include or extend, ``.env`` and ``env_file``,
snapshots, ``.prom`` files, ``.archcheck.yaml``, baselines, token files, Go sources, Dapr YAML,
the files the scaffold compares with) goes through here, so that a hostile path cannot wedge or
exhaust a CI job: a FIFO or a device (``-f /dev/zero``, a FIFO named ``x.go``) is refused instead
of blocking or growing without end, a file over ``MAX_BYTES`` is refused, and bytes that are not
UTF-8 become an error at their FILE:LINE:COL.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from archcheck.errors import ArchcheckError, UsageError
from archcheck.location import Location

MAX_BYTES = 256 * 1024 * 1024
"""The largest file archcheck reads (256 MiB): five times the 50 MB compose files it is
benchmarked on, far below what would exhaust a CI runner's memory."""

MakeError = Callable[[str, Location | None], ArchcheckError]

STDIN = "-"
"""The path that stands for standard input (``-f -``, ``analyze -``), as in ``docker compose``."""

_READ: set[str] = set()
"""The real paths of the files read by this run: outputs must not overwrite them."""

_STDIN: list[bytes] = []
"""Standard input once read (it can be read only once; the loader and the ignore-comment
reader both read the compose file)."""


def is_stdin(path: Path | str) -> bool:
    """Whether ``path`` stands for standard input."""
    return str(path) == STDIN


def was_read(path: Path) -> bool:
    """Whether this run read ``path`` (or the file it names through symlinks)."""
    return os.path.realpath(path) in _READ


def forget_reads() -> None:
    """Start a new run (the CLI's entry points; tests run many in one process)."""
    _READ.clear()
    _STDIN.clear()


def read_bytes(
    path: Path,
    what: str,
    *,
    error: MakeError = UsageError,
    missing: str = "check the path",
    limit: int = MAX_BYTES,
    at: Location | None = None,
    peek: int | None = None,
) -> bytes:
    """The bytes of the regular file at ``path``; ``what`` names it in messages ("compose
    file"), ``missing`` says what to do when it does not exist, ``at`` is where an error that
    is not inside the file points (default: the file itself). With ``peek``, only the first
    ``peek`` bytes are read, whatever the file's size (a look at its head)."""
    at = at or Location(str(path), 1, 1)
    if is_stdin(path):
        raw = _read_stdin(what, error, limit, at)
        return raw if peek is None else raw[:peek]
    try:
        # NOTE: O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{what} not found: {missing}", at) from None
    except IsADirectoryError:
        raise error(f"{what} is a directory, not a file: pass the file", at) from None
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror}; check the path", at) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{what} is a directory, not a file: pass the file", at)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{what} is not a regular file (a pipe, device or socket): pass a file", at)
        if peek is None and info.st_size > limit:
            raise error(_too_big(what, limit), at)
        _READ.add(os.path.realpath(path))
        chunks: list[bytes] = []
        size = 0
        want = limit + 1 if peek is None else min(peek, limit)
        while size < want and (chunk := os.read(fd, min(1 << 20, want - size))):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise error(_too_big(what, limit), at)
        return b"".join(chunks)
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror}", at) from None
    finally:
        os.close(fd)


def _read_stdin(what: str, error: MakeError, limit: int, at: Location) -> bytes:
    """Standard input, at most ``limit`` bytes (``yes | archcheck config -f -`` must not grow
    without end), read once per run."""
    import sys

    if not _STDIN:
        stream = sys.stdin
        if stream is None:
            raise error(f"cannot read the {what} from standard input: it is closed", at)
        chunks: list[bytes] = []
        size = 0
        binary = getattr(stream, "buffer", None)
        try:
            while size <= limit:
                if binary is not None:
                    chunk = binary.read(min(1 << 20, limit + 1 - size))
                else:
                    chunk = stream.read(min(1 << 20, limit + 1 - size)).encode("utf-8")
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except (OSError, ValueError) as exc:
            raise error(f"cannot read the {what} from standard input: {exc}", at) from None
        if size > limit:
            raise error(_too_big(what, limit), at)
        _STDIN.append(b"".join(chunks))
    return _STDIN[0]


def read_text(
    path: Path,
    what: str,
    *,
    error: MakeError = UsageError,
    missing: str = "check the path",
    limit: int = MAX_BYTES,
    at: Location | None = None,
) -> str:
    """The UTF-8 text of the regular file at ``path`` (see ``read_bytes``)."""
    raw = read_bytes(path, what, error=error, missing=missing, limit=limit, at=at)
    return decode(raw, path, what, error=error)


def decode(raw: bytes, path: Path, what: str, *, error: MakeError = UsageError) -> str:
    """``raw`` as UTF-8; bytes that are not are an error at their line and column."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise error(
            f"{what} is not UTF-8 text: save it as UTF-8", Location(str(path), line, max(column, 1))
        ) from None


def is_regular_file(path: Path) -> bool:
    """Whether ``path`` is a regular file (following symlinks): what a directory walk reads."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _too_big(what: str, limit: int) -> str:
    return f"{what} is larger than {limit // (1024 * 1024)} MiB: archcheck does not read it"
