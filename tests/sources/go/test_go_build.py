"""Which main package a container runs when it builds or runs Go as it starts: ``go run`` as
its command, ``sh -c "go build ... && ./app"``, and dev reloaders that take the build as a flag
(CompileDaemon, as in AleksK1NG/Go-CQRS-Kafka-gRPC-Microservices; air). A tool installed from
a remote module is not the service's program."""

from __future__ import annotations

from pathlib import Path

import pytest

from archcheck.sources.go.build import main_dirs, read_build

MONOREPO = {
    "go.mod": "module example.com/shop\n\ngo 1.22\n",
    "writer_service/cmd/main.go": "package main\n\nfunc main() {}\n",
    "reader_service/cmd/main.go": "package main\n\nfunc main() {}\n",
    "cmd/api/main.go": "package main\n\nfunc main() {}\n",
    "cmd/web/main.go": "package main\n\nfunc main() {}\n",
}


def context(root: Path, dockerfile: str) -> Path:
    for name, text in {**MONOREPO, "Dockerfile": dockerfile}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("dockerfile", "command", "expected"),
    [
        (  # CompileDaemon, a file path as the package, and COPY .. (the context, never above)
            ("FROM golang:1.17-alpine\nWORKDIR /app\nCOPY .. /app\n"
            "RUN go get github.com/githubnemo/CompileDaemon\n"
            'ENTRYPOINT CompileDaemon --build="go build -o main writer_service/cmd/main.go"'
            " --command=./main\n"),
            (),
            "writer_service/cmd",
        ),
        (  # go run as the command; the words after its package are the program's arguments
            ('FROM golang:1.22\nWORKDIR /src\nCOPY . .\nCMD ["go", "run", "-race", "./cmd/api",'
            ' "serve", "./cmd/web"]\n'),
            (),
            "cmd/api",
        ),
        (  # built and started by a shell as the container starts
            ("FROM golang:1.22\nWORKDIR /src\nCOPY . .\n"
            'ENTRYPOINT ["sh", "-c", "go build -o /bin/app ./cmd/web && exec /bin/app"]\n'),
            (),
            "cmd/web",
        ),
        (  # air, its build command as the next word, from compose's command
            ("FROM golang:1.22\nRUN go install github.com/air-verse/air@latest\nWORKDIR /src\n"
            "COPY . .\n"),
            ("air", "--build.cmd", "go build -o ./tmp/main ./cmd/api", "--build.bin", "./tmp/main"),
            "cmd/api",
        ),
    ],
)
def test_the_go_a_container_builds_or_runs_as_it_starts(
    tmp_path: Path, dockerfile: str, command: tuple[str, ...], expected: str
) -> None:
    root = context(tmp_path, dockerfile)
    reading = read_build(root, None, command=command)
    assert [m.folder.resolve() for m in reading.mains] == [(root / expected).resolve()]


def test_a_remote_tool_it_installs_is_not_its_program(tmp_path: Path) -> None:
    root = context(
        tmp_path,
        "FROM golang:1.22\nRUN go install github.com/cespare/reflex@v0.3.1\n"
        'ENTRYPOINT ["reflex", "-c", "/reflex.conf"]\n',
    )
    reading = read_build(root, None)
    assert reading.mains == []
    assert reading.why == (
        "Dockerfile only installs tools (github.com/cespare/reflex@v0.3.1); the build of its own"
        " code is not a go build archcheck can read"
    )


def test_build_dot_dot_dot_finds_the_main_packages_go_would(tmp_path: Path) -> None:
    """``go build ./...`` leaves out folders named ``testdata`` or ``vendor`` or starting with
    ``.`` or ``_``, files starting with ``.`` or ``_``, test files, and does not follow a
    symbolic link to a folder."""
    main = "package main\n\nfunc main() {}\n"
    files = {
        "cmd/api/main.go": main,
        "cmd/api/helper.go": "package main\n",
        "cmd/tool/_gen.go": main,  # ignored by go: cmd/tool has no package
        "internal/lib/lib.go": "package lib\n",
        "internal/lib/lib_test.go": main,
        "_examples/demo/main.go": main,
        ".github/probe/main.go": main,
        "testdata/fixture/main.go": main,
        "vendor/example.com/x/cmd/main.go": main,
        "sub/testdata/main.go": main,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "elsewhere" / "cmd" / "x").mkdir(parents=True)
    (tmp_path / "elsewhere" / "cmd" / "x" / "main.go").write_text(main, encoding="utf-8")
    (tmp_path / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    found = main_dirs(tmp_path)
    assert found == [tmp_path / "cmd" / "api", tmp_path / "elsewhere" / "cmd" / "x"]
