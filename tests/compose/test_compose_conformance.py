"""Conformance: archcheck's loader against Docker Compose v2.40.3 on every corpus case.

Each case of ``../shared/corpus/compose`` holds real compose files and what the reference
(``docker compose -p corpus <cmd> config --format json``, empty environment, ``HOME=/tmp``)
printed. The loader runs through the Python API with the same arguments and environment and must
agree on the fields archcheck relies on; projects the reference rejects must be rejected.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from support import CORPUS, require_shared

from archcheck.compose import ComposeOptions, load_project
from archcheck.compose.render import compose_config
from archcheck.errors import ArchcheckError

CASES = sorted(p.name for p in require_shared(CORPUS).glob("[0-9]*") if p.is_dir())

NEWER_COMPOSE_ACCEPTS = {
    "021-compose-spec__compose-go__inline-anchor-dotted-names": {"test", "test.unit", "test.other"},
    "033-compose-spec__compose-go__inline-x-service": {"x-foo"},
}
"""v2.40.3 rejects these two projects because of bugs newer Compose fixed (the corpus README
names them): a false anchor "cycle" when one service name is a prefix of another, and an ``x-``
network name taken for an extension. archcheck matches newer Compose and loads them."""

UNMATCHABLE: dict[str, str] = {}
"""Cases archcheck cannot match, with the reason (none at the moment)."""

SERVICE_FIELDS = (
    "image", "command", "entrypoint", "environment", "labels", "restart", "container_name",
    "network_mode", "ports", "profiles", "scale",
)  # fmt: skip


def options_for(case_dir: Path) -> ComposeOptions:
    """The case's ``cmd`` as ComposeOptions, run from the case folder with HOME=/tmp only."""
    args = shlex.split((case_dir / "cmd").read_text())
    files: list[Path] = []
    env_files: list[Path] = []
    profiles: list[str] = []
    project_directory: Path | None = None
    i = 0
    while i < len(args):
        flag, value = args[i], args[i + 1]
        if flag in ("-f", "--file"):
            files.append(Path(value))
        elif flag == "--env-file":
            env_files.append(Path(value))
        elif flag == "--profile":
            profiles.append(value)
        elif flag == "--project-directory":
            project_directory = Path(value)
        else:
            raise AssertionError(f"unexpected flag in {case_dir}/cmd: {flag}")
        i += 2
    return ComposeOptions(
        files=tuple(files),
        env_files=tuple(env_files),
        profiles=tuple(profiles),
        project_name="corpus",
        project_directory=project_directory,
        environ={"HOME": "/tmp"},
        cwd=case_dir,
    )


def as_reference_text(value: Any, case_dir: Path) -> Any:
    """Our value as the reference prints it: `$` escaped as `$$`, case paths as @CASE_DIR@."""
    text = json.dumps(value).replace("$", "$$")
    text = text.replace(str(case_dir), "@CASE_DIR@")
    parent, token = case_dir.parent, "@CASE_DIR@/.."
    for _ in range(3):  # the corpus writes paths above a case folder this way
        text = text.replace(f'"{parent}/', f'"{token}/').replace(f'"{parent}"', f'"{token}"')
        parent, token = parent.parent, token + "/.."
    return json.loads(text)


def compared(service: dict[str, Any]) -> dict[str, Any]:
    """The fields of one service that the conformance test compares."""
    out = {key: service.get(key) for key in SERVICE_FIELDS}
    build = service.get("build")
    out["build"] = (
        {key: build.get(key) for key in ("context", "dockerfile", "args", "target")}
        if build
        else None
    )
    out["depends_on"] = {
        name: (spec.get("condition"), spec.get("required"))
        for name, spec in (service.get("depends_on") or {}).items()
    }
    deploy = service.get("deploy") or {}
    resources = deploy.get("resources") or {}
    out["deploy"] = {
        "replicas": deploy.get("replicas"),
        "limits": resources.get("limits"),
        "reservations": resources.get("reservations"),
        "restart_policy": deploy.get("restart_policy"),
    }
    healthcheck = service.get("healthcheck") or {}
    out["healthcheck"] = {
        key: healthcheck.get(key) for key in ("test", "interval", "timeout", "retries")
    }
    return out


def differences(ours: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    problems = []
    if set(ours) != set(expected):
        problems.append(f"services: ours {sorted(ours)} != reference {sorted(expected)}")
    for name in sorted(set(ours) & set(expected)):
        mine, theirs = compared(ours[name]), compared(expected[name])
        problems.extend(
            f"services.{name}.{key}: ours {mine[key]!r} != reference {theirs[key]!r}"
            for key in mine
            if mine[key] != theirs[key]
        )
    return problems


@pytest.mark.parametrize("case", CASES)
def test_compose_case_matches_reference(case: str) -> None:
    case_dir = CORPUS / case
    if case in UNMATCHABLE:
        pytest.xfail(UNMATCHABLE[case])
    options = options_for(case_dir)
    expected_rc = int((case_dir / "expected.rc").read_text().strip() or "0")
    if case in NEWER_COMPOSE_ACCEPTS:
        project = load_project(options)
        assert set(project.services) == NEWER_COMPOSE_ACCEPTS[case]
        return
    if expected_rc != 0:
        with pytest.raises(ArchcheckError) as raised:
            load_project(options)
        assert raised.value.message, "an error must say what happened"
        return
    project = load_project(options)
    expected = json.loads((case_dir / "expected.config.json").read_text())
    ours = as_reference_text(project.services, case_dir)
    problems = differences(ours, expected["services"])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c not in NEWER_COMPOSE_ACCEPTS and c not in UNMATCHABLE
     and (CORPUS / c / "expected.rc").read_text().strip() == "0"],
)  # fmt: skip
def test_compose_case_whole_config_matches_reference(case: str) -> None:
    """Beyond the fields archcheck reads: `archcheck config` prints what Compose prints."""
    case_dir = CORPUS / case
    project = load_project(options_for(case_dir))
    expected = json.loads((case_dir / "expected.config.json").read_text())
    assert as_reference_text(compose_config(project), case_dir) == expected


def test_corpus_is_present() -> None:
    """Every case of the manifest is a folder here, so no case is silently skipped."""
    manifest = (CORPUS / "MANIFEST.tsv").read_text().splitlines()[1:]
    listed = {line.split("\t", 1)[0] for line in manifest if line.strip()}
    assert listed and listed == set(CASES)
