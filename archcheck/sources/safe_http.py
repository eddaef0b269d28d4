"""The one HTTP client policy of archcheck's live sources (Prometheus and its kin).

- A redirect never carries credentials to another origin (scheme, host, port): urllib copies
  every request header on 301/302/303, ``Authorization`` included; here it is dropped.
- A redirect from https to http is refused: it would send the query (and any cookie) in clear.
- ``timeout`` is a total deadline for one request (connect, send, headers, body), not only a
  limit per socket read: a server trickling one byte a second is cut off at the deadline.
- An answer larger than ``MAX_RESPONSE_BYTES`` is refused instead of filling the memory.
- ``header_value`` accepts a credential only if an HTTP header can carry it (no line breaks,
  no control or non-ASCII characters), and says so without echoing it.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import time
import urllib.parse
import urllib.request
from typing import Any

from archcheck.errors import SourceError, SourceUnreachableError, UsageError

MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""64 MiB: a batched answer for thousands of services is a few MB."""

_DEADLINE = "archcheck_deadline"


def fetch(
    request: urllib.request.Request,
    *,
    timeout: float,
    context: ssl.SSLContext | None,
    limit: int = MAX_RESPONSE_BYTES,
    shown: str = "the server",
) -> bytes:
    """Send ``request`` under the policy above; the body, at most ``limit`` bytes.

    Errors are urllib's (``HTTPError``, ``URLError``, ``TimeoutError``) for the caller's retry
    logic, or a ``SourceUnreachableError`` for what retrying cannot fix.
    """
    deadline = time.monotonic() + timeout
    setattr(request, _DEADLINE, deadline)
    opener = urllib.request.build_opener(
        _Redirects(), _HTTPHandler(), _HTTPSHandler(context=context)
    )
    with opener.open(request, timeout=timeout) as response:
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read1(1 << 16):
            size += len(chunk)
            if size > limit:
                raise SourceError(
                    f"{shown} answered with more than {limit // (1024 * 1024)} MiB; narrow the "
                    "queries (--prometheus-queries) or check the URL"
                )
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise TimeoutError("timed out")
        return b"".join(chunks)


def header_value(value: str, what: str, where: str) -> str:
    """``value`` if it can be sent in an HTTP header; else a UsageError that does not show it."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise UsageError(
            f"the {what} from {where} holds a line break or control character; a token is one "
            "line: remove the extra lines"
        )
    if not value.isascii():
        raise UsageError(
            f"the {what} from {where} holds non-ASCII characters, which an HTTP header cannot "
            "carry; check that it is the right token"
        )
    return value


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


class _Redirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        old, new = _origin(req.full_url), _origin(newurl)
        if old[0] == "https" and new[0] != "https":
            raise SourceUnreachableError(
                f"{_shown(req.full_url)} redirected to plain http ({_shown(newurl)}); archcheck "
                "does not follow it: give the https URL that answers"
            )
        follow = super().redirect_request(req, fp, code, msg, headers, newurl)
        if follow is None:
            return None
        if new != old:
            for name in ("Authorization", "Cookie", "Proxy-Authorization"):
                follow.remove_header(name)
        setattr(follow, _DEADLINE, getattr(req, _DEADLINE, None))
        return follow


def _shown(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"


class _DeadlineSocket:
    """A socket whose every read and write waits at most until the request's deadline."""

    def __init__(self, sock: socket.socket, deadline: float, timeout: float | None) -> None:
        self._sock = sock
        self._deadline = deadline
        self._timeout = timeout
        self._io_refs = 0  # NOTE: as socket.socket: close for real once no file uses it
        self._closed = False

    def _arm(self) -> None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        self._sock.settimeout(left if self._timeout is None else min(left, self._timeout))

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self._arm()
        return self._sock.recv_into(buffer, nbytes, flags)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self._arm()
        return self._sock.recv(bufsize, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self._arm()
        self._sock.sendall(data, flags)

    def makefile(self, mode: str = "rb", buffering: int = -1, **_: Any) -> io.BufferedReader:
        raw = socket.SocketIO(self, "rb")  # type: ignore[arg-type]
        self._io_refs += 1
        return io.BufferedReader(raw, buffering if buffering > 0 else io.DEFAULT_BUFFER_SIZE)

    def _decref_socketios(self) -> None:
        self._io_refs -= 1
        if self._closed and self._io_refs <= 0:
            self._sock.close()

    def close(self) -> None:
        self._closed = True
        if self._io_refs <= 0:
            self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def _connection(base: type[http.client.HTTPConnection], deadline: float | None) -> Any:
    class Connection(base):  # type: ignore[misc, valid-type]
        def connect(self) -> None:
            super().connect()
            if deadline is not None:
                self.sock = _DeadlineSocket(self.sock, deadline, self.timeout)  # type: ignore[has-type, arg-type]

    return Connection


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        cls = _connection(http.client.HTTPConnection, getattr(req, _DEADLINE, None))
        return self.do_open(cls, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, context: ssl.SSLContext | None) -> None:
        super().__init__(context=context)
        self._ctx = context

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        cls = _connection(http.client.HTTPSConnection, getattr(req, _DEADLINE, None))
        return self.do_open(cls, req, context=self._ctx)

