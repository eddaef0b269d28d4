"""Print a loaded project as ``docker compose config`` does (JSON or YAML), secrets redacted."""

from __future__ import annotations

import json
from typing import Any

from archcheck.compose.project import ComposeProject
from archcheck.errors import UsageError
from archcheck.files.redact import redact_tree


def _escaped(value: Any) -> Any:
    """Every ``$`` written as ``$$``, as Compose prints it so the output can be loaded again."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {key: _escaped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    return value


def compose_config(project: ComposeProject) -> dict[str, Any]:
    """The config exactly as ``docker compose config`` has it (unredacted).

    ``project.config`` also keeps service-level ``x-`` extensions (``x-archcheck``) for later
    stages; Compose does not print those.
    """
    config = dict(project.config)
    config["services"] = {
        name: {key: value for key, value in service.items() if not key.startswith("x-")}
        for name, service in project.services.items()
    }
    return config


def redacted_config(project: ComposeProject) -> dict[str, Any]:
    """The project's config with every secret masked, wherever a string holds one
    (environment, command, labels, healthcheck, build args, extension fields...)."""
    config: dict[str, Any] = redact_tree(compose_config(project))
    return config


def render_config(project: ComposeProject, output_format: str, *, redact: bool = True) -> str:
    """The normalised project as JSON (``docker compose config --format json``) or YAML;
    with ``redact=False`` exactly as Compose prints it, secrets included."""
    if output_format not in ("json", "yaml"):
        raise UsageError(f"unknown --format {output_format!r}: use json or yaml")
    config = _escaped(redacted_config(project) if redact else compose_config(project))
    if output_format == "json":
        text = json.dumps(config, indent=2, ensure_ascii=False)
        # NOTE: Go's encoder escapes these three for HTML; doing the same keeps byte equality.
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return text + "\n"
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(
        yaml.dump(_yaml_shape(config), Dumper=dumper, sort_keys=False, allow_unicode=True,
                  width=1 << 16)
    )  # fmt: skip


_YAML_ORDER = ("name", "services", "networks", "volumes", "secrets", "configs", "models")


def _yaml_shape(config: dict[str, Any]) -> dict[str, Any]:
    """As Compose prints YAML: its struct order at the top, no empty command or entrypoint."""
    services = {
        name: {k: v for k, v in service.items()
               if not (k in ("command", "entrypoint") and v is None)}
        for name, service in config["services"].items()
    }  # fmt: skip
    shaped = {key: config[key] for key in _YAML_ORDER if key in config}
    shaped["services"] = services
    shaped.update((key, value) for key, value in config.items() if key not in shaped)
    return shaped
