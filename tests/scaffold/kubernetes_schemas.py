"""Validate manifests offline against real schemas (a helper of the Kubernetes scaffold tests).

Core kinds: the Kubernetes OpenAPI schemas bundled in the ``kubernetes-validate`` package
(strict: unknown fields are errors), for each of ``KUBERNETES``. Custom resources: the CRD YAML
that KEDA and Dapr ship in their Go modules (``go mod download``, served by the module proxy and
cached by ``.ci/go-modules``), their ``openAPIV3Schema`` made strict the same way.
"""

from __future__ import annotations

import functools
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from support import require_tool

KUBERNETES = ("1.29.0", "1.33.0")
"""Kubernetes versions every generated manifest is validated against."""
CRD_MODULES = (
    ("github.com/kedacore/keda/v2", "v2.15.1", "config/crd/bases"),
    ("github.com/kedacore/keda/v2", "v2.16.1", "config/crd/bases"),
    ("github.com/dapr/dapr", "v1.14.4", "charts/dapr/crds"),
    ("github.com/dapr/dapr", "v1.16.0", "charts/dapr/crds"),
)
"""Go modules whose CRDs the custom resources are validated against (every version listed)."""


def module_dir(module: str, version: str) -> Path:
    """Where ``go mod download`` put ``module@version`` (the module cache, or the proxy once)."""
    go = require_tool("go")
    result = subprocess.run(
        [go, "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True, text=True, timeout=300, check=False,
        env=_go_env(),
    )
    info = json.loads(result.stdout or "{}")
    if result.returncode != 0 or "Dir" not in info:
        raise RuntimeError(f"go mod download {module}@{version}: {info.get('Error') or result.stderr}")
    return Path(info["Dir"])


def _go_env() -> dict[str, str]:
    import os

    return {**os.environ, "GOFLAGS": "-mod=mod", "GOWORK": "off", "GOTOOLCHAIN": "local"}


def _strict(schema: Any) -> Any:
    """The schema with ``additionalProperties: false`` wherever properties are listed and
    unknown fields are not preserved: what the API server prunes, kubeconform -strict rejects."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


@functools.cache
def crd_schemas() -> dict[tuple[str, str], list[tuple[str, dict[str, Any]]]]:
    """(apiVersion, kind) -> [(module@version, strict schema)] for every CRD of ``CRD_MODULES``."""
    found: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    for module, version, folder in CRD_MODULES:
        for path in sorted((module_dir(module, version) / folder).glob("*.yaml")):
            for crd in yaml.safe_load_all(path.read_text(encoding="utf-8")):
                if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
                    continue
                spec = crd["spec"]
                for v in spec["versions"]:
                    schema = v.get("schema", {}).get("openAPIV3Schema")
                    if schema:
                        key = (f"{spec['group']}/{v['name']}", spec["names"]["kind"])
                        found.setdefault(key, []).append((f"{module}@{version}", _strict(schema)))
    return found


def problems(doc: dict[str, Any]) -> Iterator[str]:
    """Every schema error of one object, for every version it is checked against."""
    import jsonschema
    import kubernetes_validate

    key = (str(doc.get("apiVersion")), str(doc.get("kind")))
    name = f"{key[1]}/{doc.get('metadata', {}).get('name')}"
    if key in crd_schemas():
        for where, schema in crd_schemas()[key]:
            validator = jsonschema.Draft7Validator(schema)
            for error in validator.iter_errors(doc):
                path = ".".join(str(p) for p in error.absolute_path)
                yield f"{name} against {where}: {path}: {error.message}"
        return
    if key[0].startswith(("keda.sh/", "dapr.io/")):
        yield f"{name}: no CRD for {key} in {CRD_MODULES}"
        return
    for version in KUBERNETES:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            yield f"{name} against Kubernetes {version}: {path}: {exc.message}"


def validate_text(text: str) -> list[str]:
    """Every schema error of a multi-document manifest text."""
    return [p for doc in yaml.safe_load_all(text) if doc for p in problems(doc)]
