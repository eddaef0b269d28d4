"""What one scaffold run is asked to generate: plain data, independent of where it came from.

The CLI fills it from the analysis (verdicts and discovered workloads) plus ``--event`` and
``--cron`` overrides; tests build it directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from archcheck.structs import dataclass, field

if TYPE_CHECKING:
    from archcheck.scaffold.inherit import Inherited

Mode = Literal["events", "cron", "all"]


@dataclass(frozen=True)
class EventSpec:
    """One topic subscription: ``--event TOPIC[=HANDLER]`` or an analysed ``events`` workload."""

    topic: str
    handler: str | None = None
    """A biz method (``ApplyStockUpdate`` or ``PricingUsecase.ApplyStockUpdate``); None: a port."""
    name: str | None = None
    """The workload name (metric label ``worker``, route); None: derived from the topic."""
    dead_letter_topic: str | None = None
    """Declared in ``x-archcheck``; None: the topic plus ``worker.dead_letter_suffix``."""


@dataclass(frozen=True)
class CronSpec:
    """One scheduled job: ``--cron NAME=SPEC`` or an analysed ``cron`` workload."""

    name: str
    schedule: str
    handler: str | None = None
    """A biz method with signature ``(ctx context.Context) error``; None: a port."""


@dataclass(frozen=True)
class ComposeTarget:
    """The compose side: where the override goes and what the workers copy from the API service."""

    compose_file: Path
    service: str
    build: dict[str, Any] = field(default_factory=dict)
    """The API service's ``build`` mapping, paths relative to the compose file's folder."""
    api_mode: str = "api"
    """``WORKER_MODE`` of the API service: ``api``, or the kind that stays inline in it."""
    migrations: tuple[str, ...] = ()
    """The run-once jobs the API waits for: the workers wait for them too."""
    inherited: Inherited | None = None
    """The API's image, environment, files and sidecar that the workers repeat."""
    networks: tuple[str, ...] = ()
    dockerfile: Path | None = None
    """The API service's Dockerfile (its builder image must support the raised go line)."""
    binary: str = "/app/worker"
    """The worker binary inside the image (entrypoint and healthcheck)."""
    binary_built: bool = True
    """False when the Dockerfile visibly builds no ``cmd/worker`` (a note tells what to add)."""
    main_pkg_arg: bool = False
    """The Dockerfile has ``ARG MAIN_PKG`` (seed style): pass ``./cmd/worker`` to it."""


@dataclass(frozen=True)
class ScaffoldRequest:
    """Everything the templates need, besides what is read from the Go service itself."""

    app: str
    """Short name of the application (``pricing`` for the compose service ``pricing-service``)."""
    source_dir: Path
    events: tuple[EventSpec, ...] = ()
    cron_jobs: tuple[CronSpec, ...] = ()
    compose: ComposeTarget | None = None
    pubsub: str = "pubsub"
    concurrency: int = 10
    timezone: str = "UTC"
    dapr_image: str = "daprio/daprd:1.14.4"
    """Used only when the API has no sidecar to copy (then its image is used)."""
    app_port: int = 8081
    ops_port: int = 9091
