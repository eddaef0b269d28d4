"""The live sources (Prometheus HTTP API, Docker engine) asked about one compose project.

``analyze`` and ``metrics snapshot`` both call ``collect_live``, so a snapshot holds exactly the
measurements ``analyze --prometheus``/``--docker`` would use.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING

from archcheck.errors import UsageError
from archcheck.model import Measurement
from archcheck.structs import dataclass, field

if TYPE_CHECKING:  # NOTE: prometheus imports http.client and ssl; only --prometheus needs them.
    from archcheck.sources.prom_http import PrometheusOptions


@dataclass(frozen=True)
class LiveOptions:
    """Which live sources to ask; both off by default (the snapshot file is the offline default)."""

    prometheus: PrometheusOptions | None = None
    docker: bool = False
    docker_host: str | None = None
    """Engine URL; None: ``DOCKER_HOST`` or the default socket."""
    progress: Callable[[str], None] | None = field(default=None, compare=False)
    """Where progress lines go (the CLI: stderr)."""

    @property
    def enabled(self) -> bool:
        return self.prometheus is not None or self.docker

    def describe(self) -> str:
        """Where the measurements came from, for a snapshot's ``source:``."""
        parts = []
        if self.prometheus is not None:
            from archcheck.sources.prom_http import public_url

            parts.append(f"prometheus {public_url(self.prometheus.url)}")
        if self.docker:
            parts.append(f"docker {self.docker_host or 'DOCKER_HOST'}")
        return ", ".join(parts)


def collect_live(
    options: LiveOptions,
    *,
    project: str | None,
    services: Collection[str] | None = None,
    workload_kinds: Mapping[tuple[str, str], str] | None = None,
) -> list[Measurement]:
    """Measurements from every enabled live source.

    ``services``: keep only these (the compose project's; None: all); ``workload_kinds``:
    (service, workload) -> kind, so per-kind queries skip workloads of the other kind;
    ``project``: the compose project's name, which Docker containers are labelled with.
    """
    measurements: list[Measurement] = []
    if options.prometheus is not None:
        from archcheck.sources import prometheus

        measurements += prometheus.collect(
            options.prometheus, services=services, workload_kinds=workload_kinds,
            progress=options.progress,
        )
    if options.docker:
        from archcheck.sources import docker

        if not project:
            raise UsageError(
                "--docker needs the compose project's name; give the compose file or -p NAME"
            )
        measurements += docker.collect(
            docker.DockerOptions(project=project, base_url=options.docker_host),
            services=services,
            progress=options.progress,
        )
    return measurements

