"""Bad input: every problem a user can cause is `error: FILE:LINE:COL: what, and what to do`
on stderr with exit code 2, never a traceback, and never unbounded memory or recursion."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from archcheck.cli import main

BOMB = "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"x-{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
) + "services:\n  web:\n    image: x\n"

DEEP_BLOCK = "services:\n  web:\n    image: x\n    x-deep:\n" + "".join(
    "  " * (3 + i) + "k:\n" for i in range(300)
) + "  " * 303 + "v\n"

# name -> (files {relative path: text or bytes}, extra argv, expected (line, col), message part)
CASES: dict[str, tuple[dict[str, str | bytes], list[str], tuple[int, int], str]] = {
    "not-yaml": ({"c.yml": "services: [\n  a: b\n"}, [], (3, 1), "not valid YAML"),
    "not-a-mapping": ({"c.yml": "- a\n- b\n"}, [], (1, 1), "must be a mapping"),
    "service-not-a-mapping": ({"c.yml": "services:\n  web: 3\n"}, [], (2, 8),
                              "services.web must be a mapping"),
    "service-null": ({"c.yml": "services:\n  web:\n"}, [], (2, 3), "services.web must be a mapping"),
    "wrong-type": ({"c.yml": "services:\n  web:\n    image: x\n    ports: 80\n"}, [], (4, 12),
                   "ports must be a list"),
    "wrong-type-deploy": ({"c.yml": "services:\n  web:\n    image: x\n    deploy:\n"
                           "      replicas: two\n"}, [], (5, 17), "'two' is not an integer"),
    "unknown-top-level": ({"c.yml": "foo: 1\nservices:\n  web:\n    image: x\n"}, [], (1, 6),
                          "'foo' is not allowed"),
    "unknown-service-key": ({"c.yml": "services:\n  web:\n    imagee: x\n"}, [], (3, 13),
                            "'imagee' is not allowed"),
    "duplicate-key": ({"c.yml": "services:\n  web:\n    image: x\n    image: y\n"}, [], (4, 5),
                      'mapping key "image" already defined at line 3'),
    "missing-file": ({}, ["-f", "nope.yml"], (1, 1), "not found"),
    "directory": ({"dir/x": ""}, ["-f", "dir"], (1, 1), "directory"),
    # NOTE: the suite may run as root, which reads mode-000 files; a path through a regular
    # file fails to open for everyone
    "unreadable": ({"c.yml": "x"}, ["-f", "c.yml/compose.yaml"], (1, 1), "cannot read"),
    "not-utf8": ({"c.yml": b"services:\n  web:\n    image: \"\xff\"\n"}, [], (3, 13), "UTF-8"),
    "empty-file": ({"c.yml": ""}, [], (1, 1), "empty compose file"),
    "alias-bomb": ({"c.yml": BOMB}, [], (0, 0), "excessive aliasing"),
    "deep-block-nesting": ({"c.yml": DEEP_BLOCK}, [], (0, 0), "nesting deeper"),
    "deep-flow-nesting": ({"c.yml": "services:\n  web:\n    image: x\n    x-d: " + "[" * 5000
                           + "]" * 5000 + "\n"}, [], (4, 0), "nesting"),
    "extends-cycle": ({"c.yml": "services:\n  a:\n    extends: b\n    image: x\n  b:\n"
                       "    extends: a\n"}, [], (2, 3), "circular reference with extends"),
    "extends-missing": ({"c.yml": "services:\n  a:\n    extends: {service: zz}\n"}, [], (3, 5),
                        'service "zz" not found'),
    "include-cycle": ({"c.yml": "include:\n  - other.yml\nservices:\n  a:\n    image: x\n",
                       "other.yml": "include:\n  - c.yml\nservices:\n  b:\n    image: y\n"},
                      [], (2, 5), "include cycle detected"),
    "required-variable": ({"c.yml": "services:\n  web:\n    image: ${TAG:?set TAG first}\n"}, [],
                          (3, 12), "required variable TAG is missing a value: set TAG first"),
    "bad-interpolation": ({"c.yml": "services:\n  web:\n    image: ${\n"}, [], (3, 12),
                          "invalid interpolation format"),
    "env-file-missing": ({"c.yml": "services:\n  a:\n    image: x\n    env_file: nope.env\n"},
                         [], (4, 15), "nope.env not found"),
    "env-file-invalid": ({"c.yml": "services:\n  a:\n    image: x\n    env_file: bad.env\n",
                          "bad.env": "A=1\nBAD LINE\n"}, [], (2, 1), "key cannot contain a space"),
    "bad-port": ({"c.yml": "services:\n  web:\n    image: x\n    ports: ['a:b']\n"}, [], (4, 5),
                 "invalid port"),
    "dependency-cycle": ({"c.yml": "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n"
                          "    image: x\n    depends_on: [a]\n"}, [], (0, 0),
                         "dependency cycle detected"),
    "undefined-dependency": ({"c.yml": "services:\n  a:\n    image: x\n    depends_on: [zz]\n"},
                             [], (4, 18), 'depends on undefined service "zz"'),
    "no-image-no-build": ({"c.yml": "services:\n  a:\n    restart: always\n"}, [], (2, 3),
                          "neither an image nor a build context"),
    "unclosed-quote-command": ({"c.yml": "services:\n  a:\n    image: x\n    command: 'echo \"hi'\n"},
                               [], (4, 14), "unclosed quote"),
}  # fmt: skip


def _write(tmp_path: Path, files: dict[str, str | bytes]) -> None:
    for relative, content in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gives_located_error_and_exit_2(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    files, argv, (line, column), message = CASES[name]
    _write(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    for variable in ("TAG", "COMPOSE_FILE", "COMPOSE_PROFILES", "COMPOSE_PROJECT_NAME"):
        monkeypatch.delenv(variable, raising=False)
    args = argv or ["-f", "c.yml"]
    with pytest.raises(SystemExit) as exited:
        main(["config", *args])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    match = re.match(r"error: (?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+): (?P<msg>.+)", err, re.DOTALL)
    assert match, err
    assert Path(match["file"]).parent == tmp_path or match["file"].startswith(str(tmp_path))
    # a 0 in the expectation means "any": the exact spot inside a generated file is incidental
    if line:
        assert int(match["line"]) == line, err
    if column:
        assert int(match["col"]) == column, err
    assert message in match["msg"], err
    assert "Traceback" not in err


def test_missing_variable_names_variable_file_and_line(tmp_path: Path) -> None:
    """Through the installed entry point, in a fresh process: no traceback, exit 2."""
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  web:\n    image: shop/web\n    environment:\n"
                       "      DSN: ${DATABASE_URL?set DATABASE_URL in .env}\n")  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "archcheck", "config", "-f", str(compose)],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {compose}:5:12: ")
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """Nine levels of nine aliases would expand to 387 million nodes; the budget stops it."""
    import time

    from archcheck.compose.yamlnodes import parse_documents
    from archcheck.errors import ComposeError

    started = time.perf_counter()
    with pytest.raises(ComposeError, match="excessive aliasing"):
        parse_documents(BOMB, "bomb.yml")
    assert time.perf_counter() - started < 5
