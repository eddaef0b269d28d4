"""Fuzz: no input makes the loader raise anything but archcheck's own errors.

Three generators, each bounded: arbitrary text (including control characters and stray YAML
syntax), compose-shaped documents whose values are arbitrary JSON-like trees, and compose files
with random interpolation templates. Whatever comes in, ``load_project`` returns a project or
raises an ``ArchcheckError`` (which the CLI prints as ``error: FILE:LINE:COL: ...``).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archcheck.compose import ComposeOptions, load_project
from archcheck.errors import ArchcheckError

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))  # fmt: skip

KEYS = st.sampled_from((
    "image", "build", "command", "entrypoint", "environment", "env_file", "labels", "ports",
    "volumes", "depends_on", "deploy", "healthcheck", "restart", "extends", "profiles",
    "networks", "network_mode", "container_name", "scale", "replicas", "resources", "limits",
    "memory", "cpus", "test", "interval", "retries", "condition", "required", "context",
    "dockerfile", "args", "target", "published", "x-archcheck", "<<", "include", "path",
    "service", "file", "secrets", "configs", "ulimits", "logging", "links", "volumes_from",
))  # fmt: skip
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False),
    st.text(max_size=12), st.sampled_from(("${X}", "${X:?boom}", "$$", "${", "a:b:c", "80:80",
                                            "~/x", "./x", "1m30s", "512m", "service:x")),
)  # fmt: skip
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(KEYS | st.text(max_size=6), children,
                                                        max_size=4)),
    max_leaves=20,
)


def _load(files: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, content in files.items():
            path = root / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", errors="surrogatepass")
        try:
            load_project(ComposeOptions(files=(Path("compose.yaml"),), environ={"X": "1"},
                                        cwd=root))  # fmt: skip
        except ArchcheckError as error:
            assert error.message  # every error says something


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_are_rejected_cleanly(data: bytes) -> None:
    _load({"compose.yaml": data})


@FUZZ
@given(st.text(alphabet=st.sampled_from("ab: -[]{}&*!<>|'\"#\n\t$%@`,?.0~"), max_size=200))
def test_yaml_syntax_soup_is_rejected_cleanly(text: str) -> None:
    _load({"compose.yaml": text})


@FUZZ
@given(st.dictionaries(st.sampled_from(("api", "worker", "x")), TREES, max_size=3), TREES)
def test_compose_shaped_trees_load_or_fail_cleanly(services: dict[str, Any], extra: Any) -> None:
    document = {"services": services, "x-extra": extra}
    other = {"services": {"api": extra}} if isinstance(extra, dict) else {"volumes": extra}
    _load({"compose.yaml": json.dumps(document), "other.yaml": json.dumps(other)})


@FUZZ
@given(st.lists(st.sampled_from((
    "services:\n", "  api:\n", "    image: ${X:-a}\n", "    extends: {file: other.yaml, service: api}\n",
    "    extends: api\n", "include:\n  - other.yaml\n", "    <<: *a\n", "x-a: &a {image: b}\n",
    "    env_file: [missing.env]\n", "    ports: ['${X}:80', 70000]\n", "    deploy: {replicas: x}\n",
    "  worker: !reset null\n", "    command: !override [a]\n", "---\n", "    profiles: [p]\n",
)), max_size=12), st.lists(st.sampled_from(("services:\n", "  api:\n", "    image: c\n",
                                            "    extends: api\n", "include: [compose.yaml]\n")),
                           max_size=5))  # fmt: skip
def test_compose_fragments_load_or_fail_cleanly(lines: list[str], other: list[str]) -> None:
    _load({"compose.yaml": "".join(lines), "other.yaml": "".join(other)})
