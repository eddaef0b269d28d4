"""Measurements from the Prometheus HTTP API (also Thanos, Mimir, VictoriaMetrics).

Only ``/api/v1/query`` is used: one instant query per measurement, each batched over every
service and worker, so 500 services cost as many requests as 5. The PromQL is data
(``rules/sources/prometheus.yaml``, overridable with ``--prometheus-queries``), so teams adapt it
to their own metric names. A series that does not exist gives no measurement (the engine then
says ``insufficient-data``); an unreachable server, an HTTP error or a malformed answer is a
``SourceUnreachableError`` (exit 2). Credentials come from the environment or files, never argv,
and never appear in messages.
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import os
import re
import ssl
import string
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from archcheck.errors import RuleDefinitionError, SourceError, SourceUnreachableError, UsageError
from archcheck.files.bundled import rules_dir
from archcheck.files.yamlpos import Positions, load_yaml, locate, validation_error
from archcheck.metrics import METRICS, UnitError, to_canonical
from archcheck.model import Location, Measurement

TOKEN_ENV = "ARCHCHECK_PROMETHEUS_TOKEN"
PASSWORD_ENV = "ARCHCHECK_PROMETHEUS_PASSWORD"
DEFAULT_WINDOW = "7d"

Progress = Callable[[str], None]

_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


def queries_path() -> Path:
    """The shipped PromQL templates."""
    return rules_dir() / "sources" / "prometheus.yaml"


# --- the PromQL templates (data) ---------------------------------------------------------------

_STRICT = ConfigDict(extra="forbid", frozen=True)


class QuerySpec(BaseModel):
    """One measurement's PromQL."""

    model_config = _STRICT

    promql: str = Field(min_length=1)
    unit: str = ""
    """The unit the query returns, converted to the measurement's canonical unit."""
    kind: Literal["events", "cron"] | None = None
    """Keep results only for workloads of this kind (when their kind is known)."""
    enabled: bool = True


class QueriesFile(BaseModel):
    """``rules/sources/prometheus.yaml`` and files given with ``--prometheus-queries``."""

    model_config = _STRICT

    version: Literal[1]
    service_label: str | None = None
    workload_label: str | None = None
    queries: dict[str, QuerySpec] = Field(default_factory=dict)


@dataclass(frozen=True)
class Query:
    """A query ready to run: the measurement it yields and where its PromQL was written."""

    metric: str
    promql: str
    unit: str
    kind: str | None
    location: Location | None


@dataclass(frozen=True)
class QuerySet:
    """Every query, in the order of ``METRICS``, with the labels that name services and workloads."""

    queries: tuple[Query, ...]
    service_label: str
    workload_label: str


def _definition_error(message: str, location: Location | None) -> RuleDefinitionError:
    return RuleDefinitionError(message, location)


def _read_queries(path: Path) -> tuple[QueriesFile, Positions]:
    data, positions = load_yaml(path, _definition_error, what="Prometheus queries file")
    try:
        parsed = QueriesFile.model_validate(data)
    except ValidationError as exc:
        raise validation_error(
            exc,
            positions,
            _definition_error,
            what="Prometheus queries file",
            hint="see docs/prometheus.md for the format",
        ) from exc
    for name in parsed.queries:
        if name not in METRICS:
            raise RuleDefinitionError(
                f"unknown measurement {name!r} in Prometheus queries file; use one of "
                f"{', '.join(sorted(METRICS))}",
                locate(positions, ("queries", name)),
            )
    return parsed, positions


def load_queries(
    override: Path | None = None,
    *,
    window: str = DEFAULT_WINDOW,
    service_label: str | None = None,
) -> QuerySet:
    """The shipped queries, with ``override``'s entries replacing them, placeholders filled in."""
    files = [queries_path(), *([override] if override is not None else [])]
    specs: dict[str, tuple[QuerySpec, Location | None]] = {}
    labels = {"service_label": "service", "workload_label": "worker"}
    for path in files:
        parsed, positions = _read_queries(path)
        for key in labels:
            value = getattr(parsed, key)
            if value is not None:
                labels[key] = value
        for name, spec in parsed.queries.items():
            specs[name] = (spec, locate(positions, ("queries", name, "promql")))
    if service_label:
        labels["service_label"] = service_label
    values = {"window": window, **labels}
    queries = []
    for name in METRICS:
        if name not in specs or not specs[name][0].enabled:
            continue
        spec, location = specs[name]
        try:
            promql = string.Template(spec.promql).substitute(values)
        except (KeyError, ValueError) as exc:
            raise RuleDefinitionError(
                f"query for {name} has an unknown or malformed placeholder ({exc}); "
                "use $window, $service_label or $workload_label",
                location,
            ) from exc
        try:
            _canonical(name, 1.0, spec.unit)
        except UnitError as exc:
            raise RuleDefinitionError(f"query for {name}: {exc}", location) from exc
        queries.append(Query(name, " ".join(promql.split()), spec.unit, spec.kind, location))
    return QuerySet(tuple(queries), labels["service_label"], labels["workload_label"])


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


def _read_secret(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise UsageError(
            f"cannot read the {what} file {path}: {exc.strerror}; check the path"
        ) from exc


def _auth_header(options: PrometheusOptions) -> str | None:
    token = (
        _read_secret(options.token_file, "Prometheus token")
        if options.token_file is not None
        else options.environ.get(TOKEN_ENV, "").strip()
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
    if options.timeout <= 0 or options.retries < 0:
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
                with urllib.request.urlopen(
                    request, timeout=self.options.timeout, context=self._context
                ) as response:
                    raw = response.read()
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


# --- measurements ----------------------------------------------------------------------------


def collect(
    options: PrometheusOptions,
    *,
    services: Collection[str] | None = None,
    workload_kinds: Mapping[tuple[str, str], str] | None = None,
    progress: Progress | None = None,
) -> list[Measurement]:
    """Every measurement the queries yield, one request per query whatever the service count.

    ``services``: keep only these (the compose project's); ``workload_kinds``: (service,
    workload) -> ``events``/``cron``, so a query meant for one kind skips workloads of the other.
    """
    query_set = load_queries(
        options.queries_file, window=options.window, service_label=options.service_label
    )
    client = PrometheusClient(options, progress=progress)
    source = f"prometheus:{client.shown}"
    kinds = workload_kinds or {}
    wanted = set(services) if services is not None else None
    measurements: list[Measurement] = []
    ignored: set[str] = set()
    total = len(query_set.queries)

    def run(query: Query) -> tuple[list[Sample], float]:
        started = time.monotonic()
        return client.query(query.promql, location=query.location), time.monotonic() - started

    answers = _run_all(query_set.queries, run, client, options.parallel)
    for index, (query, (samples, took)) in enumerate(zip(query_set.queries, answers, strict=True), 1):
        kept = 0
        seen: set[tuple[str, str | None]] = set()
        for sample in samples:
            service = sample.labels.get(query_set.service_label)
            if not service:
                raise SourceError(
                    f"query for {query.metric} returned a series without the "
                    f"{query_set.service_label!r} label; group by it (sum by "
                    "($service_label, ...)) or set --service-label",
                    query.location,
                )
            if wanted is not None and service not in wanted:
                ignored.add(service)
                continue
            if not math.isfinite(sample.value) or sample.value < 0:
                continue  # NaN from 0/0 or +Inf from an empty histogram: no data, not a value.
            workload = _workload(query, sample, query_set.workload_label)
            if (service, workload) in seen:
                raise SourceError(
                    f"query for {query.metric} returned several series for {service}"
                    f"{'/' + workload if workload else ''}; aggregate them (sum or max by "
                    "($service_label, $workload_label))",
                    query.location,
                )
            seen.add((service, workload))
            if workload is not None and query.kind is not None:
                known = kinds.get((service, workload))
                if known is not None and known != query.kind:
                    continue
            measurements.append(
                Measurement(
                    service=service,
                    metric=query.metric,
                    value=_canonical(query.metric, sample.value, query.unit),
                    unit=METRICS[query.metric].unit,
                    workload=workload,
                    source=source,
                    window=options.window,
                )
            )
            kept += 1
        if progress:
            progress(
                f"prometheus: [{index}/{total}] {query.metric}: {kept} series ({took:.2f}s)"
            )
    if progress and ignored:
        progress(
            f"prometheus: ignored series of {len(ignored)} service(s) not in the project "
            f"(e.g. {min(ignored)})"
        )
    return measurements


def _run_all(
    queries: tuple[Query, ...],
    run: Callable[[Query], tuple[list[Sample], float]],
    client: PrometheusClient,
    parallel: int,
) -> list[tuple[list[Sample], float]]:
    """Every query's answer, in order: the first alone, then the rest a few at a time.

    NOTE: the first query probes the server, so an unreachable one fails once (with its
    retries), not once per worker; after any failure the others stop retrying.
    """
    if not queries:
        return []
    answers = [run(queries[0])]
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        futures = [pool.submit(run, query) for query in queries[1:]]
        try:
            answers += [future.result() for future in futures]
        except BaseException:
            client.abort()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return answers


def _canonical(metric: str, value: float, unit: str) -> float:
    if unit == METRICS[metric].unit:
        return value
    return to_canonical(metric, value, unit)


def _workload(query: Query, sample: Sample, label: str) -> str | None:
    if METRICS[query.metric].scope == "service":
        return None
    return sample.labels.get(label) or None
