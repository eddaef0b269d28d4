"""Option declarations that several commands share, and how a group becomes one object.

typer reads a command's options from its signature. The compose options (``-f``, ``--profile``...)
and the live-metrics options (``--prometheus``, ``--docker``...) are declared once here as
groups; ``with_groups`` splices a group's options into each command that takes it and hands
the command one built object (``ComposeOptions``, ``LiveOptions``).

NOTE: no ``from __future__ import annotations`` here or in ``archcheck.cli.app``: typer needs
the annotations as objects, and ``with_groups`` copies them as they are.
"""

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, TypeVar

import typer

from archcheck.structs import replace

if TYPE_CHECKING:
    from archcheck.compose import ComposeOptions
    from archcheck.sources.live import LiveOptions

_Command = TypeVar("_Command", bound=Callable[..., None])


def progress(message: str) -> None:
    """Chatter for people (progress, notes): stderr, so that stdout stays the report."""
    typer.echo(message, err=True)


# --- compose options shared by every command that loads a project ---------------------------

FilesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "-f", "--file", metavar="FILE", help="Compose file (repeatable), as with docker compose -f."
    ),
]
EnvFileOpt = Annotated[
    list[Path] | None,
    typer.Option("--env-file", metavar="FILE", help="Alternate .env file (repeatable)."),
]
ProfileOpt = Annotated[
    list[str] | None,
    typer.Option("--profile", metavar="NAME", help="Activate a compose profile (repeatable)."),
]
ProjectNameOpt = Annotated[
    str | None, typer.Option("-p", "--project-name", metavar="NAME", help="Project name.")
]
ProjectDirOpt = Annotated[
    Path | None,
    typer.Option("--project-directory", metavar="DIR", help="Alternate working directory."),
]
MetricsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--metrics",
        metavar="FILE",
        help="Metrics snapshot (YAML/JSON) or saved /metrics scrape (.prom); repeatable, "
        "later wins. Default: x-archcheck metrics, else metrics.yaml beside the compose file.",
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", metavar="FILE", help="Project config (.archcheck.yaml)."),
]

# --- live metrics sources (Prometheus HTTP API, Docker engine), shared by analyze and snapshot --
# NOTE: secrets are never options (they would show in process lists): the bearer token comes from
# $ARCHCHECK_PROMETHEUS_TOKEN or a file, the basic-auth password from
# $ARCHCHECK_PROMETHEUS_PASSWORD or a file.

_LIVE = "Live metrics"
PrometheusOpt = Annotated[
    str | None,
    typer.Option(
        "--prometheus",
        metavar="URL",
        rich_help_panel=_LIVE,
        help="Query this Prometheus-compatible API (Prometheus, Thanos, Mimir, VictoriaMetrics).",
    ),
]
WindowOpt = Annotated[
    str, typer.Option("--window", rich_help_panel=_LIVE, help="Time range the queries summarise.")
]
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at",
        metavar="TIME",
        rich_help_panel=_LIVE,
        help="Evaluate the queries at this time (RFC 3339 or Unix seconds) instead of now.",
    ),
]
ServiceLabelOpt = Annotated[
    str | None,
    typer.Option(
        "--service-label",
        rich_help_panel=_LIVE,
        help="Label naming the compose service (default: service; for cAdvisor series: "
        "container_label_com_docker_compose_service).",
    ),
]
QueriesOpt = Annotated[
    Path | None,
    typer.Option(
        "--prometheus-queries",
        metavar="FILE",
        rich_help_panel=_LIVE,
        help="PromQL overrides, in the format of rules/sources/prometheus.yaml.",
    ),
]
TokenFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--prometheus-token-file",
        metavar="FILE",
        rich_help_panel=_LIVE,
        help="File holding a bearer token (default: $ARCHCHECK_PROMETHEUS_TOKEN).",
    ),
]
UserOpt = Annotated[
    str | None,
    typer.Option(
        "--prometheus-user",
        rich_help_panel=_LIVE,
        help="Basic-auth user; the password comes from --prometheus-password-file or "
        "$ARCHCHECK_PROMETHEUS_PASSWORD.",
    ),
]
PasswordFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--prometheus-password-file",
        metavar="FILE",
        rich_help_panel=_LIVE,
        help="File holding the basic-auth password.",
    ),
]
CaFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--prometheus-ca-file",
        metavar="FILE",
        rich_help_panel=_LIVE,
        help="PEM file with the CA that signed the server's certificate.",
    ),
]
InsecureOpt = Annotated[
    bool,
    typer.Option("--insecure", rich_help_panel=_LIVE, help="Do not verify the TLS certificate."),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--prometheus-timeout",
        metavar="SECONDS",
        rich_help_panel=_LIVE,
        help="Timeout of each HTTP request.",
    ),
]
RetriesOpt = Annotated[
    int,
    typer.Option(
        "--prometheus-retries",
        rich_help_panel=_LIVE,
        help="Retries (with backoff) after a timeout, a refused connection or HTTP 429/5xx.",
    ),
]
DockerOpt = Annotated[
    bool,
    typer.Option(
        "--docker",
        rich_help_panel=_LIVE,
        help="Measure the project's running containers through the Docker engine.",
    ),
]
DockerHostOpt = Annotated[
    str | None,
    typer.Option(
        "--docker-host",
        metavar="URL",
        rich_help_panel=_LIVE,
        help="Docker engine to ask (default: $DOCKER_HOST or the local socket).",
    ),
]


class OptionGroup(NamedTuple):
    """Options that several commands share, and how they become one options object."""

    target: str
    """The command's keyword-only parameter that receives ``build(**values)``."""
    params: tuple[inspect.Parameter, ...]
    build: Callable[..., object]


def with_groups(*groups: OptionGroup) -> Callable[[_Command], _Command]:
    """Declare the options of ``groups`` on a command; hand it each group's built object.

    The command names each group by a parameter (``compose``, ``live``), annotated with a
    string since the group's class is imported only when the command runs.
    """
    by_target = {group.target: group for group in groups}

    def decorate(command: _Command) -> _Command:
        @functools.wraps(command)
        def wrapper(**values: Any) -> None:
            built = {
                group.target: group.build(**{p.name: values.pop(p.name) for p in group.params})
                for group in groups
            }
            command(**values, **built)

        params: list[inspect.Parameter] = []
        for param in inspect.signature(command).parameters.values():
            if param.name in by_target:
                params.extend(by_target[param.name].params)
                continue
            if isinstance(param.annotation, str):
                raise TypeError(
                    f"{command.__name__}({param.name}): typer needs the annotation as an object; "
                    "remove `from __future__ import annotations` from the command's module"
                )
            params.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY))
        wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {param.name: param.annotation for param in params}
        return wrapper  # type: ignore[return-value]

    return decorate


def _option(name: str, annotation: object, default: object = None) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


def _compose_options(
    *,
    file: list[Path] | None,
    env_file: list[Path] | None,
    profile: list[str] | None,
    project_name: str | None,
    project_directory: Path | None,
) -> "ComposeOptions":
    """The compose flags as options for ``load_project``."""
    from archcheck.compose import ComposeOptions

    return ComposeOptions(
        files=tuple(file or ()),
        env_files=tuple(env_file or ()),
        profiles=tuple(profile or ()),
        project_name=project_name,
        project_directory=project_directory,
    )


COMPOSE_OPTIONS = OptionGroup(
    "compose",
    (
        _option("file", FilesOpt),
        _option("env_file", EnvFileOpt),
        _option("profile", ProfileOpt),
        _option("project_name", ProjectNameOpt),
        _option("project_directory", ProjectDirOpt),
    ),
    _compose_options,
)


def first_file(compose: "ComposeOptions", compose_file: Path | None) -> "ComposeOptions":
    """Put the positional COMPOSE_FILE argument before the ``-f`` files."""
    return replace(compose, files=(compose_file, *compose.files)) if compose_file else compose


def _live_options(
    *,
    prometheus: str | None,
    window: str,
    at: str | None,
    service_label: str | None,
    prometheus_queries: Path | None,
    prometheus_token_file: Path | None,
    prometheus_user: str | None,
    prometheus_password_file: Path | None,
    prometheus_ca_file: Path | None,
    insecure: bool,
    prometheus_timeout: float,
    prometheus_retries: int,
    docker: bool,
    docker_host: str | None,
) -> "LiveOptions":
    """The live-source flags as options for ``collect_live``."""
    from archcheck.sources.live import LiveOptions

    options = None
    if prometheus:  # NOTE: imported only then: it pulls in http.client and ssl.
        from archcheck.sources.prom_http import PrometheusOptions

        options = PrometheusOptions(
            url=prometheus,
            window=window,
            at=at,
            service_label=service_label,
            queries_file=prometheus_queries,
            token_file=prometheus_token_file,
            username=prometheus_user,
            password_file=prometheus_password_file,
            ca_file=prometheus_ca_file,
            insecure=insecure,
            timeout=prometheus_timeout,
            retries=prometheus_retries,
        )
    return LiveOptions(
        prometheus=options,
        docker=docker or docker_host is not None,
        docker_host=docker_host,
        progress=progress,
    )


LIVE_OPTIONS = OptionGroup(
    "live",
    (
        _option("prometheus", PrometheusOpt),
        _option("window", WindowOpt, "7d"),
        _option("at", AtOpt),
        _option("service_label", ServiceLabelOpt),
        _option("prometheus_queries", QueriesOpt),
        _option("prometheus_token_file", TokenFileOpt),
        _option("prometheus_user", UserOpt),
        _option("prometheus_password_file", PasswordFileOpt),
        _option("prometheus_ca_file", CaFileOpt),
        _option("insecure", InsecureOpt, False),
        _option("prometheus_timeout", TimeoutOpt, 30.0),
        _option("prometheus_retries", RetriesOpt, 2),
        _option("docker", DockerOpt, False),
        _option("docker_host", DockerHostOpt),
    ),
    _live_options,
)
