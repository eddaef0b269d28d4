"""Kubernetes label conventions (rules/sources/prometheus-kubernetes.yaml) on a real Prometheus.

The server holds the shop's series as a cluster scrapes them: labelled ``namespace``, ``pod``
and ``container`` instead of a compose service, plus what must not count (the Dapr sidecar's
container, the pod-level cAdvisor aggregate). Analysing the shop's manifests against it gives
the snapshot's measurements and verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import PROM_END, REPO, PrometheusServer, openmetrics_lines

from archcheck.model import Measurement
from archcheck.pipeline import AnalyzeOptions, run_analysis
from archcheck.sources.live import LiveOptions
from archcheck.sources.prometheus import PrometheusOptions
from archcheck.sources.snapshot import load_snapshot

pytestmark = [pytest.mark.prometheus, pytest.mark.slow]

SHOP = REPO / "fixtures" / "shop"
POD = {
    "pricing-service": "pricing-service-7d9f8b6c5-x2k4p",  # a Deployment's pod
    "catalog-service": "catalog-service-0",  # as a StatefulSet would name it
    "warehouse-service": "warehouse-service-5c4b7f9d8-12345",  # an all-digit suffix
}
_COMPOSE_LABELS = re.compile(
    r'service="([^"]+)",container_label_com_docker_compose_service="[^"]+"(,id="[^"]*")?'
)


def as_scraped_on_a_cluster(lines: list[str]) -> list[str]:
    """The compose-labelled series relabelled as pods, plus series the queries must ignore."""
    out: list[str] = []
    for line in lines:
        relabelled = _COMPOSE_LABELS.sub(
            lambda m: f'namespace="shop",pod="{POD[m[1]]}",container="{m[1]}"', line
        )
        out.append(relabelled)
        if line.startswith(("container_cpu_usage_seconds_total", "container_memory_working")):
            series, value, stamp = relabelled.rsplit(" ", 2)
            for container in ("daprd", ""):  # sidecar and pod-level series: far bigger values
                other = re.sub(r'container="[^"]*"', f'container="{container}"', series)
                out.append(f"{other} {float(value) * 50!r} {stamp}")
    return out


@pytest.fixture(scope="module")
def cluster_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    shop = load_snapshot(SHOP / "metrics.yaml")
    server = PrometheusServer(
        tmp_path_factory.mktemp("prometheus-k8s"),
        [as_scraped_on_a_cluster(openmetrics_lines(shop, end=PROM_END))],
    )
    yield server
    server.stop()


def keyed(measurements: list[Measurement]) -> dict[tuple[str, str | None, str], float]:
    return {(m.service, m.workload, m.metric): m.value for m in measurements}


def analyze(url: str) -> tuple[dict[tuple[str, str | None, str], float], set[tuple[str, ...]]]:
    live = LiveOptions(prometheus=PrometheusOptions(url=url, at=str(PROM_END)))
    system, _, report = run_analysis(AnalyzeOptions(manifests=(SHOP / "k8s",), live=live))
    verdicts = {(v.service, v.kind, v.decision, v.priority) for v in report.verdicts}
    return keyed(list(system.measurements)), verdicts


def test_manifests_use_the_kubernetes_queries_and_match_the_snapshot(
    cluster_prometheus: PrometheusServer,
) -> None:
    measured, verdicts = analyze(cluster_prometheus.url)
    snapshot = keyed(load_snapshot(SHOP / "metrics.yaml"))
    live_metrics = {k[2] for k in measured}
    expected = {k: v for k, v in snapshot.items() if k[2] in live_metrics}
    assert len(expected) > 30
    for key, value in expected.items():
        assert measured.get(key) == pytest.approx(value, rel=1e-6, abs=1e-9), key
    # the sidecar's and the pod-level series (50 times bigger) did not count
    assert measured[("pricing-service", None, "cpu_usage_ratio")] == pytest.approx(0.55)
    snapshot_system = run_analysis(AnalyzeOptions(manifests=(SHOP / "k8s",))).report
    assert verdicts == {
        (v.service, v.kind, v.decision, v.priority) for v in snapshot_system.verdicts
    }


def test_the_compose_queries_find_no_service_on_cluster_series(
    cluster_prometheus: PrometheusServer, tmp_path: Path
) -> None:
    """Without the Kubernetes conventions nothing is keyed by service: the file is needed."""
    from archcheck.errors import SourceError
    from archcheck.sources.prom_queries import queries_path

    live = LiveOptions(
        prometheus=PrometheusOptions(
            url=cluster_prometheus.url, at=str(PROM_END), queries_file=queries_path()
        )
    )
    with pytest.raises(SourceError, match="service"):
        run_analysis(AnalyzeOptions(manifests=(SHOP / "k8s",), live=live))
