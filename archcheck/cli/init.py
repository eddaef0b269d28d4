"""``archcheck init``: a commented ``.archcheck.yaml`` and an ``x-archcheck`` example for the
project's own services, both with the ``$schema`` line editors use to complete and check them.

The config lists every rule's parameters with their shipped values (commented out: the defaults
apply until a line is uncommented) and one commented ``suppress:`` entry per current finding,
so accepting one is deleting two ``#``. The example is a compose override that only adds
``x-archcheck``: the workloads archcheck found are filled in, the API services without any get
a commented template. Existing files are never overwritten unless ``--force``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from archcheck import links
from archcheck.errors import ExitCode
from archcheck.structs import dataclass

if TYPE_CHECKING:
    from archcheck.engine.ruleset import Ruleset
    from archcheck.model import Report, System
    from archcheck.pipeline import AnalyzeOptions

CONFIG_FILE = ".archcheck.yaml"
EXAMPLE_FILE = "x-archcheck.example.yaml"


@dataclass(frozen=True)
class InitOptions:
    """What ``archcheck init`` was asked."""

    analyze: AnalyzeOptions
    force: bool = False
    directory: Path | None = None
    """Where to write; None: beside the first compose file."""


def run_init(options: InitOptions) -> int:
    """Write the two files; return the exit code (1 when one exists and ``--force`` is off)."""
    from archcheck.files.atomic import write_text_atomic
    from archcheck.pipeline import compose_dir, run_analysis

    system, ruleset, report = run_analysis(options.analyze)
    folder = options.directory or compose_dir(system)
    files = {
        folder / CONFIG_FILE: config_text(ruleset, report),
        folder / EXAMPLE_FILE: example_text(system),
    }
    existing = [path for path in files if path.exists()]
    if existing and not options.force:
        names = ", ".join(str(p) for p in existing)
        sys.stderr.write(f"{names} already exists: nothing written; use --force to replace\n")
        return ExitCode.FINDINGS
    for path, text in files.items():
        # NOTE: --force replaces the config this run read, on purpose
        write_text_atomic(path, text, what=path.name, replaces_input=options.force)
        sys.stderr.write(f"wrote {path}\n")
    sys.stderr.write(
        f"next: uncomment what you need in {CONFIG_FILE}; copy the x-archcheck blocks of "
        f"{EXAMPLE_FILE} into the compose file (or pass it as one more -f)\n"
    )
    return ExitCode.OK


def _schema_line(file: str) -> str:
    return f"# yaml-language-server: $schema={links.schema_url(file)}\n"


def config_text(ruleset: Ruleset, report: Report) -> str:
    """The commented ``.archcheck.yaml``: fail_on, every rule's parameters, suppressions."""
    lines = [
        _schema_line("archcheck-config.schema.json").rstrip("\n"),
        "# archcheck's project config (docs/rules.md). Everything commented out is the default.",
        "version: 1",
        "",
        "# The lowest severity or priority that fails `archcheck analyze` (--fail-on wins).",
        "# fail_on: high            # high | medium | low | never",
        "",
        "# Thresholds, severities and switches per rule (`archcheck rules explain ID`):",
        "# uncomment `rules:` and the lines you change.",
        "# rules:",
    ]
    for rule in ruleset.rules:
        lines.append(f"#   {rule.id}:                # {rule.name}")
        if rule.kind != "criterion":
            lines.append(f"#     severity: {rule.severity}")
        lines.append("#     enabled: true")
        params = rule.params.model_dump()
        params.pop("required", None)
        if params:
            lines.append("#     params:")
            lines += [f"#       {key}: {_yaml_value(value)}" for key, value in params.items()]
    lines += [
        "",
        "# Accepted findings and verdicts, each with a reason (docs/ci.md); today's findings:",
        "# suppress:",
    ]
    seen: set[tuple[str, str | None]] = set()
    for finding in report.findings:
        key = (finding.rule_id, finding.service)
        if key in seen or finding.suppression is not None:
            continue
        seen.add(key)
        lines += [
            f"#   - rule: {finding.rule_id}        # {finding.rule_name}",
            f"#     service: {finding.service}" if finding.service else "#     # every service",
            "#     reason: <why this is accepted, e.g. an ADR>",
        ]
    return "\n".join(lines) + "\n"


def _yaml_value(value: object) -> str:
    import json

    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str)
    return str(value).lower() if isinstance(value, bool) else str(value)


def example_text(system: System) -> str:
    """A compose override that only adds ``x-archcheck``, from what archcheck found."""
    lines = [
        _schema_line("x-archcheck.schema.json").rstrip("\n"),
        "# What compose cannot show, for archcheck (docs/x-archcheck.md). Copy the blocks into",
        "# the compose file, or use this file as an override: -f docker-compose.yml -f "
        + EXAMPLE_FILE,
        "x-archcheck:",
        f"  environment: {system.environment or 'production'}   # production | staging | development",
        "",
        "services:",
    ]
    by_service: dict[str, list[str]] = {}
    for workload in system.workloads:
        if workload.kind == "events":
            entry = [f"        - topic: {workload.topic or workload.name}"]
            if workload.name != (workload.topic or workload.name):
                entry.append(f"          name: {workload.name}")
            if workload.pubsub:
                entry.append(f"          pubsub: {workload.pubsub}")
            entry += [
                "          # retry_needed: true      # what you know when nothing is measured:",
                "          # dead_letter_needed: true  # true or false; a measurement beats it",
            ]
            by_service.setdefault(f"{workload.service}\x00events", []).extend(entry)
        elif workload.kind == "cron":
            entry = [f"        - name: {workload.name}"]
            if workload.schedule:
                entry.append(f'          schedule: "{workload.schedule}"')
            by_service.setdefault(f"{workload.service}\x00cron", []).extend(entry)
    for service in system.services:
        if service.role in ("infrastructure", "sidecar", "migration"):
            continue
        events = by_service.get(f"{service.name}\x00events", [])
        cron = by_service.get(f"{service.name}\x00cron", [])
        lines += [f"  {service.name}:", "    x-archcheck:"]
        if service.role != "api":
            lines.append(f"      role: {service.role}")
            if service.owner:
                lines.append(f"      owner: {service.owner}")
        if events:
            lines += ["      events:                  # found by archcheck", *events]
        if cron:
            lines += ["      cron:                    # found by archcheck", *cron]
        if not events and not cron:
            lines += [
                "      # events:                # e.g.",
                "      #   - topic: orders.created",
                "      #     pubsub: pubsub",
                "      #     dead_letter_topic: orders.created.dlq",
                "      #     retry_needed: true     # or false: what you know without metrics",
                "      # cron:",
                "      #   - name: nightly-report",
                '      #     schedule: "0 2 * * *"',
            ]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
