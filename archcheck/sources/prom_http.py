"""Talking to a Prometheus-compatible HTTP API: connection options, credentials (from the
environment or files, never argv, never in messages), TLS, timeouts and retries with backoff.
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import os
import re
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archcheck.errors import SourceError, SourceUnreachableError, UsageError
from archcheck.files.read import read_text
from archcheck.model import Location
from archcheck.sources.prom_queries import DEFAULT_WINDOW
from archcheck.sources.safe_http import fetch, header_value
from archcheck.structs import dataclass, field

TOKEN_ENV = "ARCHCHECK_PROMETHEUS_TOKEN"
PASSWORD_ENV = "ARCHCHECK_PROMETHEUS_PASSWORD"

Progress = Callable[[str], None]

_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


# --- connection options ------------------------------------------------------------------------


@dataclass(frozen=True)
class PrometheusOptions:
    """How to reach the server and what to ask it. Secrets are read from env/files only."""

    url: str
    window: str = DEFAULT_WINDOW
    at: str | None = None
    """Evaluation time (RFC 3339 or Unix seconds); None: now."""
    service_label: str | None = None
    """Overrides the queries file's ``service_label`` (``service``)."""
    queries_file: Path | None = None
    token_file: Path | None = None
    """A file holding the bearer token; otherwise ``$ARCHCHECK_PROMETHEUS_TOKEN`` if set."""
    username: str | None = None
    """Basic auth user; the password from ``password_file`` or ``$ARCHCHECK_PROMETHEUS_PASSWORD``."""
    password_file: Path | None = None
    ca_file: Path | None = None
    insecure: bool = False
    timeout: float = 30.0
    retries: int = 2
    parallel: int = 4
    """Queries in flight at once."""
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)


MAX_SECRET_BYTES = 64 * 1024
"""A token or password file is a line, not megabytes."""


def _read_secret(path: Path, what: str) -> str:
    return read_text(path, f"{what} file {path}", limit=MAX_SECRET_BYTES).strip()


def _auth_header(options: PrometheusOptions) -> str | None:
    where = str(options.token_file) if options.token_file is not None else f"${TOKEN_ENV}"
    token = header_value(
        _read_secret(options.token_file, "Prometheus token")
        if options.token_file is not None
        else options.environ.get(TOKEN_ENV, "").strip(),
        "Prometheus token",
        where,
    )
    if options.username is not None:
        if token:
            raise UsageError(
                "both a bearer token and --prometheus-user are set; use one way to authenticate "
                f"(unset {TOKEN_ENV} or drop --prometheus-user)"
            )
        password = (
            _read_secret(options.password_file, "Prometheus password")
            if options.password_file is not None
            else options.environ.get(PASSWORD_ENV, "")
        )
        raw = f"{options.username}:{password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")
    return f"Bearer {token}" if token else None


def _parse_at(at: str | None) -> str | None:
    if at is None:
        return None
    try:
        return repr(float(at))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # NOTE: never the machine's local time
        return repr(moment.timestamp())
    except ValueError:
        raise UsageError(
            f"--at {at!r} is not a time; use RFC 3339 (2026-01-31T12:00:00Z) or Unix seconds"
        ) from None


def public_url(url: str) -> str:
    """``url`` as it may be shown: without a query string or credentials."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _check(options: PrometheusOptions) -> None:
    parts = urllib.parse.urlsplit(options.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--prometheus {public_url(options.url)!r} is not an http(s) URL; "
            "give the server's base URL, e.g. http://prometheus:9090"
        )
    if parts.username or parts.password:
        raise UsageError(
            "--prometheus URL must not hold credentials (they would show in process lists); "
            f"use --prometheus-user with ${PASSWORD_ENV}, or ${TOKEN_ENV}"
        )
    if not _DURATION.match(options.window):
        raise UsageError(
            f"--window {options.window!r} is not a Prometheus duration; use e.g. 7d, 24h or 90m"
        )
    if not math.isfinite(options.timeout) or options.timeout <= 0 or options.retries < 0:
        raise UsageError("--prometheus-timeout must be > 0 and --prometheus-retries >= 0")


# --- the HTTP client -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One series of an instant-vector result."""

    labels: Mapping[str, str]
    value: float


class PrometheusClient:
    """A small client for ``/api/v1/query``: auth, TLS, timeout, retries with backoff."""

    def __init__(self, options: PrometheusOptions, *, progress: Progress | None = None) -> None:
        _check(options)
        self.options = options
        self.base = options.url.rstrip("/")
        self.shown = public_url(options.url)
        self.requests = 0
        """HTTP requests sent so far (retries included)."""
        self._lock = threading.Lock()
        self._aborted = threading.Event()
        self._auth = _auth_header(options)
        self._time = _parse_at(options.at)
        self._progress = progress
        self._context = self._ssl_context()
        self.warnings = self._warnings()
        """Said once on stderr by the caller: credentials in clear, TLS not verified."""
        for warning in self.warnings:
            if progress:
                progress(f"warning: {warning}")

    def _warnings(self) -> list[str]:
        out = []
        parts = urllib.parse.urlsplit(self.base)
        if self._auth and parts.scheme == "http" and parts.hostname not in _LOOPBACK:
            out.append(
                f"credentials are sent to {self.shown} over plain http, readable on the network; "
                "use https"
            )
        if self.options.insecure:
            out.append(
                f"--insecure: the TLS certificate of {self.shown} is not checked, so anyone on "
                "the path can answer (and read the credentials); prefer --prometheus-ca-file"
            )
        return out

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self.base.startswith("https:"):
            return None
        if self.options.insecure:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        try:
            return ssl.create_default_context(
                cafile=str(self.options.ca_file) if self.options.ca_file else None
            )
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(
                f"cannot use --prometheus-ca-file {self.options.ca_file}: {exc}; "
                "give a PEM file with the CA certificate"
            ) from exc

    def abort(self) -> None:
        """Stop retrying: another query already failed."""
        self._aborted.set()

    def query(self, promql: str, *, location: Location | None = None) -> list[Sample]:
        """Run one instant query; the result must be a vector (or empty)."""
        form = {"query": promql}
        if self._time is not None:
            form["time"] = self._time
        body = self._post("/api/v1/query", form, location)
        return self._vector(body, location)

    def _post(self, path: str, form: Mapping[str, str], location: Location | None) -> Any:
        data = urllib.parse.urlencode(form).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": "archcheck",
        }
        if self._auth:
            headers["Authorization"] = self._auth
        attempts = self.options.retries + 1
        for attempt in range(attempts):
            request = urllib.request.Request(
                self.base + path, data=data, headers=headers, method="POST"
            )
            with self._lock:
                self.requests += 1
            try:
                raw = fetch(
                    request, timeout=self.options.timeout, context=self._context,
                    shown=f"Prometheus at {self.shown}",
                )  # fmt: skip
                return self._json(raw, location)
            except urllib.error.HTTPError as exc:
                problem = self._http_problem(exc)
                if exc.code not in _RETRY_STATUS or attempt + 1 == attempts:
                    # NOTE: point at the PromQL only when the server blamed the query.
                    where = location if exc.code in (400, 422) else None
                    raise SourceUnreachableError(problem, where) from None
            except http.client.HTTPException as exc:
                if not isinstance(exc, ConnectionError):  # garbage, not a dropped connection
                    raise SourceUnreachableError(
                        f"{self.shown} did not answer with HTTP (got {str(exc).strip()[:60]!r}); "
                        "check that --prometheus points at a Prometheus server",
                    ) from None
                problem = f"cannot reach Prometheus at {self.shown}: {exc}"
                if attempt + 1 == attempts:
                    raise SourceUnreachableError(problem) from None
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, ssl.SSLCertVerificationError):
                    raise SourceUnreachableError(
                        f"the TLS certificate of {self.shown} is not trusted "
                        f"({reason.verify_message}); give its CA with --prometheus-ca-file, "
                        "or --insecure to skip the check"
                    ) from None
                problem = (
                    f"cannot reach Prometheus at {self.shown}: {_reason(reason)}; check the URL, "
                    "that the server is running, and --prometheus-timeout"
                )
                if attempt + 1 == attempts:
                    raise SourceUnreachableError(problem, None) from None
            if self._aborted.is_set():
                raise SourceUnreachableError(problem)
            delay = min(0.25 * 2**attempt, 4.0)
            if self._progress:
                self._progress(f"prometheus: retrying in {delay:.2f}s ({problem})")
            time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _http_problem(self, exc: urllib.error.HTTPError) -> str:
        detail = ""
        try:
            payload = json.loads(exc.read() or b"null")
            if isinstance(payload, dict) and payload.get("error"):
                detail = f": {payload.get('errorType', 'error')}: {payload['error']}"
        except (ValueError, OSError):
            pass
        if exc.code in (401, 403):
            return (
                f"Prometheus at {self.shown} refused the request (HTTP {exc.code}){detail}; "
                f"set ${TOKEN_ENV} or --prometheus-token-file, or --prometheus-user with "
                f"${PASSWORD_ENV}"
            )
        if exc.code in (400, 422):
            return (
                f"Prometheus at {self.shown} rejected the query (HTTP {exc.code}){detail}; "
                "fix the PromQL here or in the file given with --prometheus-queries"
            )
        if exc.code == 404:
            return (
                f"Prometheus at {self.shown} has no /api/v1/query (HTTP 404); give the base URL "
                "of a Prometheus-compatible API (for Mimir include its /prometheus prefix)"
            )
        return (
            f"Prometheus at {self.shown} answered HTTP {exc.code}{detail}; check the server, or "
            "retry later"
        )

    def _json(self, raw: bytes, location: Location | None) -> Any:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        except RecursionError:
            raise SourceUnreachableError(
                f"Prometheus at {self.shown} answered with JSON nested too deeply to be a "
                "Prometheus API response; check the URL",
                location,
            ) from None
        if not isinstance(body, dict) or body.get("status") not in ("success", "error"):
            raise SourceUnreachableError(
                f"Prometheus at {self.shown} did not answer with a Prometheus API response "
                f"(got {raw[:60]!r}); check that --prometheus points at the server's base URL",
                location,
            )
        if body["status"] == "error":
            raise SourceUnreachableError(
                f"Prometheus at {self.shown} could not run the query: "
                f"{body.get('errorType', 'error')}: {body.get('error', '')}; fix the PromQL",
                location,
            )
        return body.get("data")

    def _vector(self, data: Any, location: Location | None) -> list[Sample]:
        malformed = SourceUnreachableError(
            f"Prometheus at {self.shown} answered with a malformed result; check that it is a "
            "Prometheus-compatible API",
            location,
        )
        if not isinstance(data, dict) or not isinstance(data.get("result"), list):
            raise malformed
        if data.get("resultType") != "vector":
            raise SourceError(
                f"query must return an instant vector, got {data.get('resultType')!r}; "
                "wrap it in an aggregation such as sum by (...)",
                location,
            )
        samples = []
        for item in data["result"]:
            try:
                labels = item["metric"]
                value = float(item["value"][1])
            except (KeyError, IndexError, TypeError, ValueError):
                raise malformed from None
            if not isinstance(labels, dict):
                raise malformed
            samples.append(Sample(labels, value))
        return samples


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return "timed out"
    return str(getattr(reason, "strerror", None) or reason)
