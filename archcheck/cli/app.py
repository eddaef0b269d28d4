"""The typer commands: turn arguments into calls and results into exit codes; nothing else.

Heavy modules (the compose loader, the engine, reporters, the docker SDK) are imported inside
the commands that use them, so ``archcheck --version`` and ``archcheck config`` start fast.
No ``from __future__ import annotations``: typer reads the annotations as objects.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from archcheck import __version__
from archcheck.cli import lazy_coercion, rich_deferred
from archcheck.cli.options import (
    COMPOSE_OPTIONS,
    LIVE_OPTIONS,
    ConfigOpt,
    MetricsOpt,
    first_file,
    progress,
    with_groups,
)
from archcheck.errors import ExitCode

if TYPE_CHECKING:
    from archcheck.compose import ComposeOptions
    from archcheck.sources.live import LiveOptions

lazy_coercion.install()
rich_deferred.install()  # NOTE: before typer's help module loads (25 ms of every --help)

app = typer.Typer(
    name="archcheck",
    help="Decide which event handlers and cron jobs belong in separate worker containers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
)


def _flag_type(self: typer.core.TyperOption, ctx: typer.Context) -> str | None:
    """No type column for flags: typer shows ``<bool>`` next to ``--verbose``, which takes none."""
    return None if self.is_flag else _option_type(self, ctx)


# NOTE: typer has no setting for this; every flag (and --help) goes through this method.
_option_type = typer.core.TyperOption.display_type_rich
typer.core.TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign,assignment]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"archcheck {__version__}")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """archcheck: inline or separate workers, decided from compose files and metrics."""


@app.command()
@with_groups(COMPOSE_OPTIONS)
def config(
    compose: "ComposeOptions",
    output_format: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="Output format: json or yaml.")
    ] = "yaml",
    services: Annotated[
        bool, typer.Option("--services", help="Print the service names only.")
    ] = False,
    no_redact: Annotated[
        bool,
        typer.Option("--no-redact", help="Print secrets as Compose has them (do not mask)."),
    ] = False,
) -> None:
    """Print the normalised project, as `docker compose config` would (secrets masked)."""
    from archcheck.compose.command import ConfigArgs, run_config

    run_config(
        ConfigArgs(
            compose=compose, output_format=output_format, services=services, redact=not no_redact
        )
    )


metrics_app = typer.Typer(
    help="Metrics: take a snapshot of live measurements for offline CI.", no_args_is_help=True
)
app.add_typer(metrics_app, name="metrics")


@metrics_app.command("snapshot")
@with_groups(COMPOSE_OPTIONS, LIVE_OPTIONS)
def metrics_snapshot(
    compose_file: Annotated[
        Path | None,
        typer.Argument(help="Compose file: keep only its services and route by workload kind."),
    ] = None,
    *,
    compose: "ComposeOptions",
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the snapshot here instead of stdout."),
    ] = None,
    live: "LiveOptions",
) -> None:
    """Write what `analyze --prometheus/--docker` would measure to a snapshot file."""
    from archcheck.errors import UsageError
    from archcheck.sources.live import collect_live
    from archcheck.sources.snapshot import dump_snapshot

    if not live.enabled:
        raise UsageError("nothing to measure: give --prometheus URL and/or --docker")
    compose = first_file(compose, compose_file)
    if (
        compose.files
    ):  # exactly what analyze would use: the project's services, routed by workload kind
        from archcheck.pipeline import AnalyzeOptions, build_system

        system = build_system(AnalyzeOptions(compose=compose, live=live))
        live_sources = ("prometheus:", "docker:")
        measurements = [m for m in system.measurements if m.source.startswith(live_sources)]
        for note in system.notes:
            progress(f"note: {note}")
    else:
        measurements = collect_live(live, project=compose.project_name)
    text = dump_snapshot(
        measurements,
        source=live.describe(),
        window=live.prometheus.window if live.prometheus is not None else None,
    )
    if output is None:
        typer.echo(text, nl=False)
        return
    from archcheck.files.atomic import write_text_atomic

    write_text_atomic(output, text, what="the snapshot")
    progress(f"wrote {len(measurements)} measurement(s) to {output}")


# --- analyze, rules, schema (the analyze team) ------------------------------------------------


@app.command()
@with_groups(COMPOSE_OPTIONS, LIVE_OPTIONS)
def analyze(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[PATH]...",
            help="Compose file (default: compose discovery as Compose), or Kubernetes manifests:"
            " folders and manifest files (several, as kubectl apply -f), or - for kubectl"
            " kustomize / helm template output.",
        ),
    ] = None,
    *,
    compose: "ComposeOptions",
    metrics: MetricsOpt = None,
    config_file: ConfigOpt = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="text, json, markdown, sarif, github, junit, codeclimate or html.",
        ),
    ] = "text",
    output: Annotated[
        list[str] | None,
        typer.Option(
            "-o",
            "--output",
            metavar="[FORMAT=]FILE",
            help="Write the --format report to FILE instead of stdout; FORMAT=FILE writes one "
            "more report in FORMAT (repeatable: -o sarif=archcheck.sarif -o junit=junit.xml).",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="FILE",
            help="Report and gate only what is not in FILE (written by `archcheck baseline`).",
        ),
    ] = None,
    diff_base: Annotated[
        str | None,
        typer.Option(
            "--diff-base",
            metavar="REF",
            help="Report and gate only what is new or worse than at git revision REF.",
        ),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            metavar="LEVEL",
            help="Exit 1 when a verdict or finding is at or above: high, medium, low, never "
            "(default: fail_on in .archcheck.yaml, else high).",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", "--explain", help="Show the evidence.")
    ] = False,
    example: Annotated[
        bool,
        typer.Option(
            "--example",
            help="Analyse the bundled example: the review's shop (pricing, catalog, warehouse).",
        ),
    ] = False,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            metavar="SERVICE=DIR",
            rich_help_panel="Discovery",
            help="Read SERVICE's Go code from DIR instead of its build context (repeatable).",
        ),
    ] = None,
    dapr_resources: Annotated[
        list[Path] | None,
        typer.Option(
            "--dapr-resources",
            metavar="DIR",
            rich_help_panel="Discovery",
            help="Also read Dapr Subscription/Component/Resiliency files from DIR (repeatable).",
        ),
    ] = None,
    since: Annotated[
        str,
        typer.Option(
            "--since",
            metavar="DAYS",
            rich_help_panel="Discovery",
            help="Deploy frequency counts commits of the last DAYS days (90, 90d or 12w).",
        ),
    ] = "90",
    no_discover: Annotated[
        bool,
        typer.Option(
            "--no-discover",
            rich_help_panel="Discovery",
            help="Do not read Go source, Dapr resources or git history; compose and metrics only.",
        ),
    ] = False,
    live: "LiveOptions",
    write_baseline: Annotated[
        str | None,
        typer.Option("--write-baseline", hidden=True, help="Used by `archcheck baseline`."),
    ] = None,
) -> None:
    """Decide per service: keep event handlers and cron jobs inline, or split them out."""
    from archcheck.cli.analyze import AnalyzeArgs, run_analyze

    code = run_analyze(
        AnalyzeArgs(
            compose=compose,
            paths=tuple(paths or ()),
            metrics=tuple(metrics or ()),
            config_file=config_file,
            output_format=output_format,
            output=tuple(output or ()),
            baseline=baseline,
            diff_base=diff_base,
            fail_on=fail_on,
            verbose=verbose,
            example=example,
            source=tuple(source or ()),
            dapr_resources=tuple(dapr_resources or ()),
            since=since,
            no_discover=no_discover,
            live=live,
            write_baseline=write_baseline,
        )
    )
    if code:
        raise typer.Exit(code)


@app.command(
    "baseline", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def baseline_command(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help="Where to write (default: .archcheck-baseline.json beside the compose file).",
        ),
    ] = None,
) -> None:
    """Accept today's findings and verdicts: `analyze --baseline FILE` then shows only new ones.

    Takes the input options of `analyze` (see `archcheck analyze --help`).
    """
    command = typer.main.get_command(app)
    code = command.main(
        args=["analyze", *ctx.args, "--write-baseline", str(output or "")],
        prog_name="archcheck",
        standalone_mode=False,
    )
    if code:
        raise typer.Exit(code)


rules_app = typer.Typer(
    help="The shipped rules: decision matrix and hygiene.", no_args_is_help=True
)
app.add_typer(rules_app, name="rules")

RulesConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", metavar="FILE", help="Apply this .archcheck.yaml's overrides."),
]


@rules_app.command("list")
def rules_list(config_file: RulesConfigOpt = None) -> None:
    """List every rule: id, name, severity or matrix row, and whether it is enabled."""
    from archcheck.cli.rules import list_rules

    typer.echo(list_rules(config_file), nl=False)


@rules_app.command("explain")
def rules_explain(
    rule_id: Annotated[str, typer.Argument(metavar="ID", help="A rule id, e.g. AC103.")],
    config_file: RulesConfigOpt = None,
) -> None:
    """Print a rule's documentation: what, why, example, fix, and its parameters."""
    from archcheck.cli.rules import explain_rule

    typer.echo(explain_rule(rule_id, config_file), nl=False)


schema_app = typer.Typer(help="JSON Schemas of archcheck's input files.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")


@schema_app.command("config")
def schema_config() -> None:
    """Print the JSON Schema of .archcheck.yaml."""
    from archcheck.cli.schemas import schema_text

    typer.echo(schema_text("config"), nl=False)


@schema_app.command("x-archcheck")
def schema_x_archcheck() -> None:
    """Print the JSON Schema of the x-archcheck parts of a compose file."""
    from archcheck.cli.schemas import schema_text

    typer.echo(schema_text("x-archcheck"), nl=False)


@schema_app.command("metrics")
def schema_metrics() -> None:
    """Print the JSON Schema of the metrics snapshot file."""
    from archcheck.cli.schemas import schema_text

    typer.echo(schema_text("metrics"), nl=False)


@app.command()
@with_groups(COMPOSE_OPTIONS)
def scaffold(
    service: Annotated[
        str, typer.Argument(help="Compose service (pricing-service) or application (pricing).")
    ],
    compose: "ComposeOptions",
    metrics: MetricsOpt = None,
    source: Annotated[
        Path | None,
        typer.Option(
            "--source", metavar="DIR", help="The service's Go module (default: its build context)."
        ),
    ] = None,
    event: Annotated[
        list[str] | None,
        typer.Option(
            "--event",
            metavar="TOPIC[=HANDLER]",
            help="Add or override a topic handler; HANDLER is a biz use-case method (repeatable).",
        ),
    ] = None,
    cron: Annotated[
        list[str] | None,
        typer.Option(
            "--cron",
            metavar="NAME=SPEC[=HANDLER]",
            help="Add or override a cron job: 5-field spec or @every 10m (repeatable).",
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            "--mode", help="Generate events, cron or all (default: what the analysis splits out)."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and a unified diff; write nothing.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite conflicts; scaffold even an inline verdict.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when generated files drifted from the analysis.")
    ] = False,
    reset: Annotated[
        list[str] | None,
        typer.Option(
            "--reset",
            metavar="FILE",
            help="Regenerate a file that is yours once created (configs/worker.yaml, *_binding.go,"
            " bindings.go), relative to the service folder; repeatable.",
        ),
    ] = None,
    in_place: Annotated[
        bool,
        typer.Option(
            "--in-place",
            help="Patch the compose file itself (comments, order, quoting and anchors kept) "
            "instead of writing docker-compose.workers.yml.",
        ),
    ] = False,
    target: Annotated[
        str,
        typer.Option(
            "--target",
            rich_help_panel="Kubernetes",
            help="compose (worker services) or kubernetes (Deployments, KEDA, Dapr resources "
            "and a kustomize Component beside the manifests).",
        ),
    ] = "compose",
    manifests: Annotated[
        list[Path] | None,
        typer.Option(
            "--manifests",
            metavar="PATH",
            rich_help_panel="Kubernetes",
            help="With --target kubernetes: the manifests folder or files (default: ./k8s).",
        ),
    ] = None,
    cron_as: Annotated[
        str | None,
        typer.Option(
            "--cron-as",
            rich_help_panel="Kubernetes",
            help="With --target kubernetes: run every cron job in the singleton Deployment"
            " (deployment) or as a CronJob each (cronjob); default: a CronJob for each job whose"
            " runs are 15 min or more apart and take under half that, the Deployment for the rest.",
        ),
    ] = None,
) -> None:
    """Generate the worker split of SERVICE: Go worker code, compose services, Dapr config."""
    from archcheck.errors import UsageError
    from archcheck.scaffold.run import ScaffoldOptions, run_scaffold

    if mode not in (None, "events", "cron", "all"):
        raise UsageError(f"--mode {mode}: use events, cron or all")
    if target not in ("compose", "kubernetes"):
        raise UsageError(f"--target {target}: use compose or kubernetes")
    if cron_as not in (None, "cronjob", "deployment"):
        raise UsageError(f"--cron-as {cron_as}: use cronjob or deployment")
    if target == "compose" and (manifests or cron_as):
        raise UsageError("--manifests and --cron-as go with --target kubernetes")
    options = ScaffoldOptions(
        service=service,
        compose=compose,
        metrics=tuple(metrics or ()),
        source=source,
        events=tuple(event or ()),
        cron=tuple(cron or ()),
        mode=mode,  # type: ignore[arg-type]
        dry_run=dry_run,
        force=force,
        check=check,
        in_place=in_place,
        reset=tuple(reset or ()),
    )
    def err(message: str) -> None:
        typer.echo(message, err=True)

    def out(message: str) -> None:
        typer.echo(message, nl=False)

    if target == "kubernetes":
        from archcheck.scaffold.kubernetes import KubernetesOptions, run_kubernetes

        k8s = KubernetesOptions(
            manifests=tuple(manifests or (Path("k8s"),)),
            cron_as=cron_as,  # type: ignore[arg-type]
        )
        raise typer.Exit(run_kubernetes(options, k8s, err=err, out=out))
    raise typer.Exit(run_scaffold(options, err=err, out=out))


@app.command()
@with_groups(COMPOSE_OPTIONS)
def fix(
    compose_file: Annotated[
        Path | None, typer.Argument(help="Compose file (default: compose discovery as Compose).")
    ] = None,
    *,
    compose: "ComposeOptions",
    metrics: MetricsOpt = None,
    config_file: ConfigOpt = None,
    rule: Annotated[
        list[str] | None,
        typer.Option(
            "--rule",
            metavar="ID",
            help="Fix only this rule (repeatable): AC101, AC102, AC103, AC104, AC106, AC107.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print a unified diff; write nothing.")
    ] = False,
    no_discover: Annotated[
        bool,
        typer.Option("--no-discover", help="Do not read Go source, Dapr resources or git history."),
    ] = False,
) -> None:
    """Apply the safe fixes of the hygiene findings to the compose files (comments kept)."""
    from archcheck.fix.run import FixOptions, run_fix
    from archcheck.pipeline import AnalyzeOptions
    from archcheck.sources.discovery import DiscoveryOptions

    options = FixOptions(
        analyze=AnalyzeOptions(
            compose=first_file(compose, compose_file),
            metrics=tuple(metrics or ()),
            config=config_file,
            discovery=DiscoveryOptions(enabled=not no_discover),
        ),
        rules=tuple(r.upper() for r in rule or ()),
        dry_run=dry_run,
    )
    code = run_fix(options, out=lambda m: typer.echo(m, nl=False), err=progress)
    raise typer.Exit(code)


@app.command()
@with_groups(COMPOSE_OPTIONS)
def init(
    compose_file: Annotated[
        Path | None, typer.Argument(help="Compose file (default: compose discovery as Compose).")
    ] = None,
    *,
    compose: "ComposeOptions",
    metrics: MetricsOpt = None,
    directory: Annotated[
        Path | None,
        typer.Option("--directory", metavar="DIR", help="Write here (default: beside the compose file)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace files that exist.")] = False,
    no_discover: Annotated[
        bool,
        typer.Option("--no-discover", help="Do not read Go source, Dapr resources or git history."),
    ] = False,
) -> None:
    """Write a commented .archcheck.yaml and an x-archcheck example for this project."""
    from archcheck.cli.init import InitOptions, run_init
    from archcheck.pipeline import AnalyzeOptions
    from archcheck.sources.discovery import DiscoveryOptions

    analyze = AnalyzeOptions(
        compose=first_file(compose, compose_file),
        metrics=tuple(metrics or ()),
        discovery=DiscoveryOptions(enabled=not no_discover),
    )
    code = run_init(InitOptions(analyze=analyze, force=force, directory=directory))
    raise typer.Exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app; any error exits 2 (``archcheck.cli.guard``).

    Typer's standalone mode already maps bad flags to exit 2 and ``typer.Exit`` to its code.
    """
    from archcheck.cli.guard import guarded

    with guarded(lambda line: typer.secho(line, fg="red", err=True)):
        app(args=argv, prog_name="archcheck")
