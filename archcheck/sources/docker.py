"""Measurements from a running Docker engine: the compose project's containers right now.

Containers are found by the labels Compose puts on them (``com.docker.compose.project`` and
``com.docker.compose.service``). For each service: CPU and memory use of its busiest replica
(also as a share of the container's limits), restarts and OOM kills summed over replicas. The
docker SDK is imported only here, and only when ``--docker`` is given. ``DOCKER_HOST`` (and
``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH``) are honoured; no reachable engine is a
``SourceUnreachableError`` (exit 2).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from archcheck.errors import SourceUnreachableError
from archcheck.metrics import METRICS
from archcheck.model import Measurement
from archcheck.structs import dataclass

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DockerOptions:
    """Which engine to ask, and about which compose project."""

    project: str
    base_url: str | None = None
    """``unix:///var/run/docker.sock``, ``tcp://host:2376``...; None: ``DOCKER_HOST`` or default."""
    timeout: float = 30.0
    parallel: int = 8
    """Stats requests in flight at once (the engine takes about a second for each)."""


@dataclass(frozen=True)
class ContainerFacts:
    """What one container tells about its service."""

    service: str
    running: bool
    restarts: int
    oom_killed: bool
    cpu_limit: float | None
    """Cores, from ``--cpus`` (NanoCpus) or CpuQuota/CpuPeriod; None: unlimited."""
    memory_limit: float | None
    cpu_cores: float | None = None
    memory_bytes: float | None = None


def _unreachable(where: str, exc: BaseException) -> SourceUnreachableError:
    return SourceUnreachableError(
        f"cannot reach the Docker engine at {where}: {exc}; start Docker, or point DOCKER_HOST "
        "(or --docker-host) at a running engine"
    )


def collect(
    options: DockerOptions,
    *,
    services: Collection[str] | None = None,
    progress: Progress | None = None,
) -> list[Measurement]:
    """The measurements of every service of ``options.project`` that has containers."""
    import docker  # NOTE: imported lazily: the SDK pulls in requests and urllib3.
    import docker.errors
    import requests.exceptions

    where = options.base_url or os.environ.get("DOCKER_HOST") or "the default socket"
    # NOTE: ValueError: the SDK's parse of a malformed --docker-host ('tcp://:::::')
    errors = (docker.errors.DockerException, requests.exceptions.RequestException, OSError,
              ValueError)  # fmt: skip
    try:
        if options.base_url:
            client = docker.DockerClient(base_url=options.base_url, timeout=int(options.timeout))
        else:
            client = docker.from_env(timeout=int(options.timeout))
        containers = client.containers.list(
            all=True, filters={"label": [f"{PROJECT_LABEL}={options.project}"]}
        )
    except errors as exc:
        raise _unreachable(where, exc) from None
    source = f"docker:{where}"
    wanted = set(services) if services is not None else None
    picked = [
        c
        for c in containers
        if c.labels.get(SERVICE_LABEL) and (wanted is None or c.labels[SERVICE_LABEL] in wanted)
    ]
    if progress:
        progress(f"docker: {len(picked)} container(s) of project {options.project!r} at {where}")
        if not picked:
            progress(
                f"docker: no containers of project {options.project!r}; start them with "
                "`docker compose up`, or pass -p to name the project"
            )

    def facts(container: Any) -> ContainerFacts:
        try:
            stats = container.stats(stream=False) if container.status == "running" else None
        except errors as exc:
            raise _unreachable(where, exc) from None
        return container_facts(container.attrs, stats)

    try:
        with ThreadPoolExecutor(max_workers=max(1, options.parallel)) as pool:
            found = list(pool.map(facts, picked))
    finally:
        client.close()
    return measurements(found, source=source)


def container_facts(attrs: Mapping[str, Any], stats: Mapping[str, Any] | None) -> ContainerFacts:
    """One container's facts from its inspect document and one non-streamed stats answer."""
    host = attrs.get("HostConfig") or {}
    state = attrs.get("State") or {}
    labels = (attrs.get("Config") or {}).get("Labels") or {}
    cpu_limit: float | None = None
    if host.get("NanoCpus"):
        cpu_limit = host["NanoCpus"] / 1e9
    elif host.get("CpuQuota", 0) > 0 and host.get("CpuPeriod"):
        cpu_limit = host["CpuQuota"] / host["CpuPeriod"]
    memory_limit = float(host["Memory"]) if host.get("Memory") else None
    cores, memory = _usage(stats) if stats else (None, None)
    return ContainerFacts(
        service=labels.get(SERVICE_LABEL, ""),
        running=bool(state.get("Running")),
        restarts=int(attrs.get("RestartCount") or 0),
        oom_killed=bool(state.get("OOMKilled")),
        cpu_limit=cpu_limit,
        memory_limit=memory_limit,
        cpu_cores=cores,
        memory_bytes=memory,
    )


def _usage(stats: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """CPU cores and memory working set, computed as ``docker stats`` does."""
    cpu, pre = stats.get("cpu_stats") or {}, stats.get("precpu_stats") or {}
    cores: float | None = None
    try:
        cpu_delta = cpu["cpu_usage"]["total_usage"] - pre["cpu_usage"]["total_usage"]
        system_delta = cpu["system_cpu_usage"] - pre["system_cpu_usage"]
        online = cpu.get("online_cpus") or len(cpu["cpu_usage"].get("percpu_usage") or ()) or 1
        if system_delta > 0 and cpu_delta >= 0:
            cores = cpu_delta / system_delta * online
    except (KeyError, TypeError):
        pass  # a stopped or just-started container has no previous sample
    memory: float | None = None
    mem = stats.get("memory_stats") or {}
    if "usage" in mem:
        detail = mem.get("stats") or {}
        # NOTE: cgroup v2 reports inactive_file, v1 total_inactive_file; docker stats subtracts it.
        inactive = detail.get("inactive_file", detail.get("total_inactive_file", 0))
        memory = float(max(mem["usage"] - inactive, 0))
    return cores, memory


def measurements(found: list[ContainerFacts], *, source: str) -> list[Measurement]:
    """Per service: the busiest replica's CPU/memory (and share of limits); restarts, OOM kills."""
    by_service: dict[str, list[ContainerFacts]] = {}
    for facts in found:
        by_service.setdefault(facts.service, []).append(facts)
    result: list[Measurement] = []
    for service in sorted(by_service):
        group = by_service[service]
        values: dict[str, float] = {
            "restart_count": sum(f.restarts for f in group),
            "oom_kills": sum(f.oom_killed for f in group),
        }
        cpu = [f for f in group if f.cpu_cores is not None]
        if cpu:
            values["cpu_cores"] = max(f.cpu_cores or 0.0 for f in cpu)
            ratios = [(f.cpu_cores or 0.0) / f.cpu_limit for f in cpu if f.cpu_limit]
            if ratios:
                values["cpu_usage_ratio"] = max(ratios)
        memory = [f for f in group if f.memory_bytes is not None]
        if memory:
            values["memory_bytes"] = max(f.memory_bytes or 0.0 for f in memory)
            ratios = [(f.memory_bytes or 0.0) / f.memory_limit for f in memory if f.memory_limit]
            if ratios:
                values["memory_usage_ratio"] = max(ratios)
        result.extend(
            Measurement(
                service=service,
                metric=name,
                value=float(value),
                unit=METRICS[name].unit,
                source=source,
            )
            for name, value in values.items()
        )
    return result
