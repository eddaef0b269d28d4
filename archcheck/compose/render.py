"""Print a loaded project as ``docker compose config`` does (JSON or YAML), secrets redacted."""

from __future__ import annotations

import copy
import json
from typing import Any

from archcheck.compose.project import ComposeProject
from archcheck.errors import UsageError
from archcheck.redact import redact_environment


def redacted_config(project: ComposeProject) -> dict[str, Any]:
    """The project's config with every service's environment values made safe to print."""
    config = copy.deepcopy(project.config)
    for service in config.get("services", {}).values():
        if isinstance(service, dict) and isinstance(service.get("environment"), dict):
            service["environment"] = redact_environment(service["environment"])
    return config


def render_config(project: ComposeProject, output_format: str) -> str:
    """The normalised project as JSON (``docker compose config --format json``) or YAML."""
    config = redacted_config(project)
    if output_format == "json":
        return json.dumps(config, indent=2, ensure_ascii=False) + "\n"
    if output_format == "yaml":
        import yaml

        return str(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    raise UsageError(f"unknown --format {output_format!r}: use json or yaml")
