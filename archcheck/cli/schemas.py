"""JSON Schemas of archcheck's input files, for editors and for ``archcheck schema NAME``.

Generated from the pydantic models that validate the files, so a schema can never accept what
archcheck rejects (or the reverse). The same documents are committed under ``schemas/`` and
shipped in the wheel; ``tests/cli/test_cli_schemas.py`` keeps them equal to what is generated
here. Editors with the YAML language server pick one up from a first line like
``# yaml-language-server: $schema=<URL>`` (``archcheck init`` writes it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from archcheck import links

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _config() -> dict[str, Any]:
    from archcheck.engine.config import ProjectConfig

    return ProjectConfig.model_json_schema()


def _x_archcheck() -> dict[str, Any]:
    """A compose file's ``x-archcheck`` parts; every other compose key is left to Compose."""
    from pydantic import TypeAdapter

    from archcheck.sources.compose_system import ProjectExtension, ServiceExtension

    both = TypeAdapter(tuple[ProjectExtension, ServiceExtension]).json_schema(
        ref_template="#/$defs/{model}"
    )
    return {
        "title": "x-archcheck in a docker-compose file",
        "description": "What compose cannot show: workloads, roles, environment, metrics "
        "snapshots (docs/x-archcheck.md). Other compose keys are not constrained here.",
        "type": "object",
        "properties": {
            "x-archcheck": {"$ref": "#/$defs/ProjectExtension"},
            "services": {
                "type": "object",
                "additionalProperties": {
                    "type": ["object", "null"],
                    "properties": {"x-archcheck": {"$ref": "#/$defs/ServiceExtension"}},
                },
            },
        },
        "$defs": both["$defs"],
    }


def _metrics() -> dict[str, Any]:
    from archcheck.sources.snapshot import snapshot_json_schema

    return snapshot_json_schema()


SCHEMAS: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "config": ("archcheck-config.schema.json", _config),
    "x-archcheck": ("x-archcheck.schema.json", _x_archcheck),
    "metrics": ("metrics-snapshot.schema.json", _metrics),
}
"""``archcheck schema NAME`` -> (file under ``schemas/``, the model's schema)."""


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``name`` (``config``, ``x-archcheck``, ``metrics``), with its ``$id``."""
    file, build = SCHEMAS[name]
    return {"$schema": DIALECT, "$id": links.schema_url(file), **build()}


def schema_text(name: str) -> str:
    """``schema(name)`` as the committed file holds it."""
    return json.dumps(schema(name), indent=2, ensure_ascii=False) + "\n"
