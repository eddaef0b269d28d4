"""Measurements from the Prometheus HTTP API (also Thanos, Mimir, VictoriaMetrics).

Only ``/api/v1/query`` is used: one instant query per measurement, each batched over every
service and worker, so 500 services cost as many requests as 5. The PromQL is data
(``rules/sources/prometheus.yaml``, overridable with ``--prometheus-queries``), so teams adapt it
to their own metric names. A series that does not exist gives no measurement (the engine then
says ``insufficient-data``); an unreachable server, an HTTP error or a malformed answer is a
``SourceUnreachableError`` (exit 2). Credentials come from the environment or files, never argv,
and never appear in messages.

This module turns answers into measurements; the PromQL templates are read by
``prom_queries.py`` and the server is asked by ``prom_http.py``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor

from archcheck.errors import SourceError
from archcheck.metrics import METRICS
from archcheck.model import Measurement
from archcheck.sources.prom_http import Progress, PrometheusClient, PrometheusOptions, Sample
from archcheck.sources.prom_queries import Query, canonical, load_queries

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
                    value=canonical(query.metric, sample.value, query.unit),
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


def _workload(query: Query, sample: Sample, label: str) -> str | None:
    if METRICS[query.metric].scope == "service":
        return None
    return sample.labels.get(label) or None
