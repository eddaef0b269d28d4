"""Small local HTTP servers on 127.0.0.1 for the Prometheus source's tests.

``CountingProxy`` forwards to the real Prometheus and records every request (path, headers), so
tests can count requests and see the credentials that were sent. ``CannedServer`` answers every
request the same way (an HTTP status and body, or raw bytes that are not HTTP at all).
``StallServer`` accepts connections and never answers.
"""

from __future__ import annotations

import socket
import ssl
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self


class _Base:
    def __init__(
        self, handler: type[BaseHTTPRequestHandler], tls: tuple[Path, Path] | None = None
    ) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.owner = self  # type: ignore[attr-defined]
        scheme = "http"
        if tls is not None:  # (certificate, key): serve HTTPS
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Recording(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        owner = self.server.owner  # type: ignore[attr-defined]
        owner.requests.append((self.command, self.path, dict(self.headers.items())))
        return body

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _ProxyHandler(_Recording):
    def do_POST(self) -> None:
        body = self._record()
        owner = self.server.owner  # type: ignore[attr-defined]
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type",)}
        request = urllib.request.Request(
            owner.upstream + self.path, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                self._send(response.status, response.read())
        except urllib.error.HTTPError as exc:
            self._send(exc.code, exc.read())

    do_GET = do_POST


class CountingProxy(_Base):
    """Forwards to ``upstream`` and records each request; HTTPS with ``tls=(cert, key)``."""

    def __init__(self, upstream: str, tls: tuple[Path, Path] | None = None) -> None:
        self.upstream = upstream
        super().__init__(_ProxyHandler, tls)


class _CannedHandler(_Recording):
    def do_POST(self) -> None:
        self._record()
        owner = self.server.owner  # type: ignore[attr-defined]
        if owner.raw is not None:
            self.wfile.write(owner.raw)
            self.close_connection = True
            return
        self._send(owner.status, owner.body, owner.content_type)

    do_GET = do_POST


class CannedServer(_Base):
    """Answers every request with ``status`` and ``body``, or writes ``raw`` bytes and hangs up."""

    def __init__(
        self,
        status: int = 200,
        body: bytes = b"",
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> None:
        self.status, self.body, self.raw, self.content_type = status, body, raw, content_type
        super().__init__(_CannedHandler)


class StallServer:
    """A listening socket that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
