"""The Docker source through the real docker SDK client.

No Docker engine can run on these machines: ``live_docker_replay.DockerReplay`` serves recorded
Docker Engine API v1.47 responses (``data/docker/``; where their shape comes from is in that
module's docstring) on a unix socket, and the real ``docker.DockerClient`` talks to it. The last
test runs against a real engine, opt-in with ``ARCHCHECK_DOCKER_TESTS=1``: CI has no engine, so
it is skipped there by design, not to hide a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_docker_replay import DockerReplay
from support import REPO

from archcheck.cli import main
from archcheck.errors import ExitCode, SourceUnreachableError
from archcheck.sources.docker import DockerOptions, collect
from archcheck.sources.snapshot import load_snapshot

MiB = 1024**2


@pytest.fixture
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerReplay]:
    # NOTE: a short path: unix socket paths are limited to 108 bytes.
    replay = DockerReplay(tmp_path_factory.mktemp("d") / "docker.sock")
    yield replay
    replay.stop()


def values(measurements: list[object]) -> dict[tuple[str, str], float]:
    return {(m.service, m.metric): m.value for m in measurements}  # type: ignore[attr-defined]


def test_measures_the_projects_containers(engine: DockerReplay) -> None:
    got = values(collect(DockerOptions(project="shop", base_url=engine.base_url)))
    # pricing-service: two replicas; the busier one counts, restarts add up.
    assert got[("pricing-service", "cpu_cores")] == pytest.approx(0.82)
    assert got[("pricing-service", "cpu_usage_ratio")] == pytest.approx(0.82)  # --cpus 1
    assert got[("pricing-service", "memory_bytes")] == 400 * MiB
    assert got[("pricing-service", "memory_usage_ratio")] == pytest.approx(400 / 512)
    assert got[("pricing-service", "restart_count")] == 3
    assert got[("pricing-service", "oom_kills")] == 0
    # catalog-service: CpuQuota/CpuPeriod limit, no memory limit, cgroup v1 memory stats.
    assert got[("catalog-service", "cpu_usage_ratio")] == pytest.approx(0.1 / 0.5)
    assert got[("catalog-service", "memory_bytes")] == 140 * MiB
    assert ("catalog-service", "memory_usage_ratio") not in got
    # warehouse-service: exited after an OOM kill: counted, and no usage to report.
    assert got[("warehouse-service", "oom_kills")] == 1
    assert got[("warehouse-service", "restart_count")] == 2
    assert ("warehouse-service", "cpu_cores") not in got
    # Another project's containers are not ours.
    assert "db" not in {service for service, _ in got}


def test_asks_the_engine_by_compose_labels(engine: DockerReplay) -> None:
    collect(DockerOptions(project="shop", base_url=engine.base_url), services=["pricing-service"])
    listed = [q for path, q in engine.requests if path == "/containers/json"]
    assert listed and '"com.docker.compose.project=shop"' in listed[0]["filters"][0]
    assert listed[0]["all"] == ["1"]  # exited containers carry the OOM kills and restarts
    stats = [path for path, _ in engine.requests if path.endswith("/stats")]
    assert len(stats) == 2  # only the running containers of the services asked for
    assert all(q.get("stream") == ["False"] for p, q in engine.requests if p.endswith("/stats"))


def test_docker_host_is_honoured(engine: DockerReplay, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", engine.base_url)
    got = values(collect(DockerOptions(project="shop")))
    assert got[("pricing-service", "restart_count")] == 3
    assert engine.requests


def test_no_engine_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = f"unix://{tmp_path}/no-docker.sock"
    with pytest.raises(SourceUnreachableError, match="cannot reach the Docker engine at"):
        collect(DockerOptions(project="shop", base_url=missing))
    with pytest.raises(SystemExit) as info:
        main(["metrics", "snapshot", "--docker-host", missing, "-p", "shop"])
    err = capsys.readouterr().err
    assert info.value.code == ExitCode.USAGE
    assert err.startswith(f"error: cannot reach the Docker engine at {missing}")
    assert "DOCKER_HOST" in err and "Traceback" not in err


def test_snapshot_from_docker(
    engine: DockerReplay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "metrics.yaml"
    with pytest.raises(SystemExit) as info:
        main(["metrics", "snapshot", "--docker-host", engine.base_url, "-p", "shop", "-o", str(out)])
    assert info.value.code == 0, capsys.readouterr().err
    snap = {(m.service, m.metric): m.value for m in load_snapshot(out)}
    assert snap == pytest.approx(values(collect(DockerOptions("shop", base_url=engine.base_url))))


def test_analyze_uses_docker_after_the_snapshot(engine: DockerReplay) -> None:
    from archcheck.compose import ComposeOptions
    from archcheck.pipeline import AnalyzeOptions, build_system
    from archcheck.sources.live import LiveOptions

    shop = REPO / "fixtures" / "shop"
    system = build_system(
        AnalyzeOptions(
            compose=ComposeOptions(files=(shop / "docker-compose.yml",)),
            metrics=(shop / "metrics.yaml",),
            live=LiveOptions(docker=True, docker_host=engine.base_url),
        )
    )
    by_key = {(m.service, m.workload, m.metric): m for m in system.measurements}
    cpu = by_key[("pricing-service", None, "cpu_usage_ratio")]
    assert cpu.source == f"docker:{engine.base_url}"  # the live value wins over the snapshot's
    assert cpu.value == pytest.approx(0.82)
    assert by_key[("pricing-service", "stock-updated", "events_per_minute")].value == 1500
    assert any("later input wins: pricing-service cpu_usage_ratio" in n.text for n in system.notes)
    # catalog-migrate is not a service of this compose file: its container is not measured.
    assert not [m for m in system.measurements if m.service == "catalog-migrate"]


@pytest.mark.docker
def test_real_engine_when_one_is_reachable() -> None:
    """Opt-in (ARCHCHECK_DOCKER_TESTS=1): a real engine answers the same requests."""
    if os.environ.get("ARCHCHECK_DOCKER_TESTS") != "1":
        pytest.skip("opt-in: set ARCHCHECK_DOCKER_TESTS=1 with a reachable Docker engine")
    import docker

    client = docker.from_env()
    projects = {
        c.labels["com.docker.compose.project"]
        for c in client.containers.list(all=True)
        if "com.docker.compose.project" in c.labels
    }
    client.close()
    if not projects:
        pytest.skip("no compose project is running on this engine (docker compose up one)")
    project = min(projects)
    result = collect(DockerOptions(project=project))
    assert result, f"no measurements for compose project {project}"
    assert all(m.metric in {"restart_count", "oom_kills", "cpu_cores", "cpu_usage_ratio",
                            "memory_bytes", "memory_usage_ratio"} for m in result)
