"""Loader features one by one: file discovery, environment precedence, include, profiles,
project names, `!override`/`!reset`, YAML 1.2 scalars. Expected values were checked against
Docker Compose v2 (the differential test covers the same ground at random)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archcheck.compose import ComposeOptions, load_project
from archcheck.errors import ArchcheckError


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_discovery_walks_up_and_adds_the_override(tmp_path: Path) -> None:
    _write(tmp_path, {
        "docker-compose.yml": "services:\n  api:\n    image: a\n",
        "docker-compose.override.yml": "services:\n  api:\n    environment: [DEBUG=1]\n",
        "sub/dir/.keep": "",
    })  # fmt: skip
    project = load_project(ComposeOptions(environ={}, cwd=tmp_path / "sub" / "dir"))
    assert project.files == (tmp_path / "docker-compose.yml",
                             tmp_path / "docker-compose.override.yml")  # fmt: skip
    assert project.working_dir == tmp_path
    assert project.name == tmp_path.name.lower().replace(".", "")
    assert project.services["api"]["environment"] == {"DEBUG": "1"}


def test_compose_file_variable_with_separator_and_project_name(tmp_path: Path) -> None:
    _write(tmp_path, {
        "a.yml": "services:\n  api:\n    image: a\n",
        "b.yml": "services:\n  api:\n    labels: [tier=web]\n",
        ".env": "COMPOSE_FILE=a.yml;b.yml\nCOMPOSE_PATH_SEPARATOR=;\nCOMPOSE_PROJECT_NAME=shop\n",
    })  # fmt: skip
    project = load_project(ComposeOptions(environ={}, cwd=tmp_path))
    assert [f.name for f in project.files] == ["a.yml", "b.yml"]
    assert project.name == "shop"
    assert project.services["api"]["labels"] == {"tier": "web"}


def test_invalid_project_name_from_environment_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": "name: My Shop\nservices:\n  api:\n    image: a\n"})
    assert load_project(ComposeOptions(environ={}, cwd=tmp_path)).name == "myshop"
    with pytest.raises(ArchcheckError, match="invalid project name 'My_Shop'"):
        load_project(ComposeOptions(environ={"COMPOSE_PROJECT_NAME": "My_Shop"}, cwd=tmp_path))


def test_environment_precedence(tmp_path: Path) -> None:
    _write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: a:${TAG}\n    environment:\n"
                        "      - REGION\n      - UNSET\n      - LEVEL=${LEVEL:-info}\n",
        ".env": "TAG=dotenv\nREGION=eu\nLEVEL=${TAG}-level\n",
        "prod.env": "TAG=prod\n",
        "more.env": "LEVEL=from-more\n",
    })  # fmt: skip
    default = load_project(ComposeOptions(environ={"TAG": "process"}, cwd=tmp_path))
    assert default.services["api"]["image"] == "a:process"  # the process environment wins
    assert default.services["api"]["environment"] == {
        "LEVEL": "process-level", "REGION": "eu", "UNSET": None,
    }  # fmt: skip
    files = load_project(ComposeOptions(env_files=(Path("prod.env"), Path("more.env")),
                                        environ={}, cwd=tmp_path))  # fmt: skip
    assert files.services["api"]["image"] == "a:prod"  # --env-file replaces .env
    assert files.services["api"]["environment"]["LEVEL"] == "from-more"
    assert files.services["api"]["environment"]["REGION"] is None


def test_include_with_project_directory_and_env_file(tmp_path: Path) -> None:
    _write(tmp_path, {
        "compose.yaml": "include:\n  - path: sub/compose.yaml\n    project_directory: sub\n"
                        "    env_file: sub/sub.env\nservices:\n  api:\n    image: api:${TAG:-x}\n",
        "sub/compose.yaml": "services:\n  worker:\n    image: w:${TAG:-none}-${SUBVAR:-unset}\n"
                            "    build: ./deep\n    env_file: w.env\n",
        "sub/sub.env": "SUBVAR=fromsub\nTAG=subtag\n",
        "sub/w.env": "W=1\n",
        ".env": "TAG=main\n",
    })  # fmt: skip
    project = load_project(ComposeOptions(environ={}, cwd=tmp_path))
    worker = project.services["worker"]
    assert project.services["api"]["image"] == "api:main"
    assert worker["image"] == "w:main-fromsub"  # the including project's variables win
    assert worker["build"]["context"] == str(tmp_path / "sub" / "deep")
    assert worker["environment"] == {"W": "1"}
    where = project.locate("services", "worker", "image")
    assert where is not None and where.file == str(tmp_path / "sub" / "compose.yaml")


def test_profiles_from_flag_and_environment(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": (
        "services:\n  api:\n    image: a\n  debug:\n    image: d\n    profiles: [debug]\n"
        "  jobs:\n    image: j\n    profiles: [jobs, all]\n    depends_on:\n"
        "      debug: {condition: service_started, required: false}\n")})  # fmt: skip
    names = lambda **kw: set(load_project(ComposeOptions(cwd=tmp_path, **kw)).services)
    assert names(environ={}) == {"api"}
    assert names(environ={}, profiles=("jobs",)) == {"api", "jobs"}
    assert names(environ={"COMPOSE_PROFILES": "debug,jobs"}) == {"api", "debug", "jobs"}
    assert names(environ={}, profiles=("*",)) == {"api", "debug", "jobs"}


def test_override_and_reset_tags(tmp_path: Path) -> None:
    _write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: a\n    ports: ['80:80']\n"
                        "    environment: {A: '1', B: '2'}\n    command: run\n",
        "compose.override.yaml": "services:\n  api:\n    ports: !override ['8080:80']\n"
                                 "    environment:\n      B: !reset\n    command: !reset\n",
    })  # fmt: skip
    api = load_project(ComposeOptions(environ={}, cwd=tmp_path)).services["api"]
    assert [p["published"] for p in api["ports"]] == ["8080"]
    assert api["environment"] == {"A": "1"}
    assert api["command"] is None


def test_yaml_12_scalars_as_compose_reads_them(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": (
        "services:\n  api:\n    image: a\n    restart: no\n    environment:\n"
        "      OCTAL: 0755\n      FLOAT: 1.0\n      BIG: 1e3\n      YES: yes\n      ON: on\n"
        "      TRUE_: true\n      EMPTY:\n")})  # fmt: skip
    api = load_project(ComposeOptions(environ={}, cwd=tmp_path)).services["api"]
    assert api["restart"] == "no"
    assert api["environment"] == {"BIG": "1000", "EMPTY": None, "FLOAT": "1", "OCTAL": "493",
                                  "ON": "on", "TRUE_": "true", "YES": "yes"}  # fmt: skip
