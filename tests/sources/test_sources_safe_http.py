"""The HTTP client policy, against real HTTP servers on 127.0.0.1 (``http.server``): no
credentials across origins on redirects, https->http refused, a total deadline, a size cap,
tokens checked without being echoed, warnings for clear-text credentials and ``--insecure``."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archcheck.errors import SourceError, SourceUnreachableError, UsageError
from archcheck.sources.prom_http import PrometheusClient, PrometheusOptions
from archcheck.sources.safe_http import _Redirects, fetch

pytestmark = pytest.mark.timeout(60)

OK = json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}}).encode()

Handle = Callable[[BaseHTTPRequestHandler], None]


class Server:
    """A real HTTP server whose answers are a function; it records the headers it received."""

    def __init__(self, handle: Handle) -> None:
        self.seen: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                outer.seen.append(dict(self.headers))
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                handle(self)

            do_GET = do_POST = _any

            def log_message(self, *_: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Handle], Server]]:
    servers: list[Server] = []

    def start(handle: Handle) -> Server:
        servers.append(Server(handle))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _answer(body: bytes, status: int = 200) -> Handle:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return handle


def _redirect(to: str) -> Handle:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", to + "/api/v1/query")
        h.send_header("Content-Length", "0")
        h.end_headers()

    return handle


def _client(url: str, **kwargs: object) -> PrometheusClient:
    settings: dict[str, object] = {"retries": 0, "timeout": 2.0,
                                   "environ": {"ARCHCHECK_PROMETHEUS_TOKEN": "tok-123"}}  # fmt: skip
    settings.update(kwargs)
    return PrometheusClient(PrometheusOptions(url=url, **settings))  # type: ignore[arg-type]


def test_the_token_does_not_follow_a_redirect_to_another_origin(serve):
    other = serve(_answer(OK))
    first = serve(_redirect(other.url))
    assert _client(first.url).query("up") == []
    assert first.seen[0].get("Authorization") == "Bearer tok-123"
    assert "Authorization" not in other.seen[0]


def test_the_token_follows_a_redirect_on_the_same_origin(serve):
    calls: list[str] = []

    def handle(h: BaseHTTPRequestHandler) -> None:
        calls.append(h.path)
        (_redirect(f"http://127.0.0.1:{h.server.server_port}/p") if len(calls) == 1
         else _answer(OK))(h)  # fmt: skip

    server = serve(handle)
    assert _client(server.url).query("up") == []
    assert [s.get("Authorization") for s in server.seen] == ["Bearer tok-123"] * 2


def test_a_redirect_from_https_to_http_is_refused() -> None:
    request = urllib.request.Request("https://prom.example/api/v1/query",
                                     headers={"Authorization": "Bearer t"})  # fmt: skip
    with pytest.raises(SourceUnreachableError, match="redirected to plain http"):
        _Redirects().redirect_request(request, None, 302, "Found", {}, "http://prom.example/x")


def test_a_trickling_server_is_cut_off_at_the_deadline(serve):
    def trickle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        for _ in range(200):
            h.wfile.write(b" ")
            h.wfile.flush()
            time.sleep(0.1)

    server = serve(trickle)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        fetch(urllib.request.Request(server.url), timeout=1.0, context=None)
    assert time.monotonic() - started < 5
    with pytest.raises(SourceUnreachableError, match="timed out"):
        _client(server.url, timeout=1.0).query("up")


def test_an_oversized_answer_is_refused(serve):
    server = serve(_answer(b"[" + b"0," * 600_000 + b"0]"))
    with pytest.raises(SourceError, match="more than 1 MiB"):
        fetch(urllib.request.Request(server.url), timeout=5, context=None, limit=1 << 20)


def test_deeply_nested_json_is_a_clear_error(serve):
    server = serve(_answer(b"[" * 100_000 + b"]" * 100_000))
    with pytest.raises(SourceUnreachableError, match="nested too deeply"):
        _client(server.url).query("up")


@pytest.mark.parametrize("token", ["line-one\nline-two", "t\u00f6ken", "tok\x00en"])
def test_bad_tokens_are_refused_without_echo(token: str, tmp_path: Path) -> None:
    file = tmp_path / "token"
    file.write_text(token + "\n")
    with pytest.raises(UsageError) as info:
        _client("http://127.0.0.1:9", token_file=file)
    assert str(file) in str(info.value)
    assert token.strip() not in str(info.value) and "line-two" not in str(info.value)


def test_warnings_for_clear_text_credentials_and_insecure() -> None:
    said: list[str] = []
    options = PrometheusOptions(url="http://prom.example:9090",
                                environ={"ARCHCHECK_PROMETHEUS_TOKEN": "t"})  # fmt: skip
    PrometheusClient(options, progress=said.append)
    assert any("over plain http" in s for s in said)
    said.clear()
    PrometheusClient(PrometheusOptions(url="http://127.0.0.1:9090", environ={}), progress=said.append)
    assert said == []  # loopback, no credentials: nothing to warn about
    PrometheusClient(PrometheusOptions(url="https://prom.example", insecure=True, environ={}),
                     progress=said.append)  # fmt: skip
    assert any("--insecure" in s for s in said)


@pytest.mark.parametrize("timeout", [float("nan"), float("inf"), 0.0, -1.0])
def test_a_timeout_must_be_a_finite_positive_number(timeout: float) -> None:
    with pytest.raises(UsageError, match="--prometheus-timeout"):
        PrometheusClient(PrometheusOptions(url="http://127.0.0.1:9", timeout=timeout, environ={}))
