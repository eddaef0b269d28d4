"""Each recognised library: one real registration found, one look-alike not (by receiver type).

The cases are Go files in ``libraries/``, one per entry of rules/sources/go-libraries.yaml:
``// want: KIND NAME [SCHEDULE]`` marks a registration that must be reported at that line,
``// look-alike`` one that must not be.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from archcheck.errors import UsageError
from archcheck.sources.go.libraries import _parse, catalog_digest, default_path, load_catalog
from archcheck.sources.go.workloads import discover_go_workloads

CASES = Path(__file__).parent / "libraries"


def test_every_library_has_a_case_and_every_case_a_library() -> None:
    assert sorted(load_catalog().libraries) == sorted(p.stem for p in CASES.glob("*.go"))


@pytest.mark.parametrize("case", sorted(p.stem for p in CASES.glob("*.go")))
def test_library_case(case: str, tmp_path: Path) -> None:
    shutil.copy(CASES / f"{case}.go", tmp_path / "main.go")
    lines = (tmp_path / "main.go").read_text(encoding="utf-8").splitlines()
    wanted: dict[int, tuple[str, str, str | None]] = {}
    look_alikes: set[int] = set()
    for number, line in enumerate(lines, start=1):
        if "// want: " in line:
            kind, name, *rest = line.split("// want: ", 1)[1].split()
            wanted[number] = (kind, name, " ".join(rest) or None)
        elif "// look-alike" in line:
            look_alikes.add(number)
    assert wanted and look_alikes, f"{case}.go needs a positive and a look-alike case"
    found = discover_go_workloads({"svc": tmp_path}, relative_to=tmp_path, cache=False)
    reported = {
        w.location.line: (w.kind, w.name, w.schedule if w.kind == "cron" else None)
        for w in found.workloads
        if w.location is not None
    }
    assert reported == wanted, found.notes


def test_a_broken_library_file_is_a_usage_error_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "libs.yaml"
    bad.write_text(
        "version: 1\nlibraries:\n  x:\n    title: X\n    kind: cron\n    packages: [a]\n"
        "    methods:\n      AddFunc: {schedule: first}\n",
        encoding="utf-8",
    )
    with pytest.raises(UsageError, match=r"libraries\.x\.methods\.AddFunc\.schedule"):
        load_catalog(bad)
    bad.write_text("version: 1\nlibraries:\n  x: {title: X, kind: cron, packages: [a], extra: 1}\n")
    with pytest.raises(UsageError, match=r"libraries\.x\.extra"):
        load_catalog(bad)


def test_the_digest_without_validation_is_the_catalog_s(tmp_path: Path) -> None:
    assert catalog_digest() == load_catalog().digest
    other = tmp_path / "libs.yaml"
    other.write_text("version: 1\nlibraries: {}\n", encoding="utf-8")
    assert catalog_digest(other) == load_catalog(other).digest != catalog_digest()
    with pytest.raises(UsageError, match="cannot read the Go library data"):
        catalog_digest(tmp_path / "missing.yaml")


def test_libyaml_reads_the_bundled_data_as_the_pure_loader_does() -> None:
    raw = default_path().read_bytes()
    assert _parse(raw) == yaml.safe_load(raw)


def test_a_yaml_error_reads_as_the_pure_loader_says_it(tmp_path: Path) -> None:
    bad = tmp_path / "libs.yaml"
    bad.write_text("version: 1\nlibraries: [\n", encoding="utf-8")
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.safe_load(bad.read_bytes())
    with pytest.raises(UsageError) as raised:
        load_catalog(bad)
    assert str(pure.value) in str(raised.value)
