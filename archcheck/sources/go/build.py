"""Which Go main package a service's container runs, as its Dockerfile builds it.

Compose says ``build: {context: ., dockerfile: docker/Dockerfile-barista}``; only the Dockerfile
says ``go build -o /bin/app ./cmd/barista`` and ``CMD ["/app"]``. This module reads the stage
compose builds (``build.target`` or the last one), follows ``COPY --from`` back to the stage
that built the binary the container starts (ENTRYPOINT/CMD, or compose's ``entrypoint`` and
``command``), reads that stage's ``go build``/``go install`` commands (also through the
``make`` targets it runs) and maps their package arguments back to host folders through the
stage's ``COPY`` and ``WORKDIR`` lines. It reads text; it never runs Docker, make or go.

It is the one Dockerfile and Makefile reader: the scaffold asks the same stages and commands
where the API builds Go (``scaffold/dockerfile.py``).
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

from archcheck.errors import ArchcheckError
from archcheck.files.read import read_bytes
from archcheck.structs import dataclass, field

_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")
_MAKE_VAR = re.compile(r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]")
_GO_FLAGS_WITH_VALUE = frozenset(
    {"-o", "-tags", "-ldflags", "-gcflags", "-asmflags", "-mod", "-modfile", "-p", "-pkgdir",
     "-buildmode", "-compiler", "-gccgoflags", "-installsuffix", "-overlay", "-pgo", "-toolexec",
     "-C", "-exec", "-covermode", "-coverpkg"}
)  # fmt: skip


@dataclass(frozen=True)
class MainPackage:
    """A ``go build`` target the container runs: its host folder and the build's tags."""

    folder: Path
    tags: frozenset[str] = frozenset()
    binary: str | None = None


@dataclass
class BuildReading:
    """What the Dockerfile tells about the Go the container runs."""

    mains: list[MainPackage] = field(default_factory=list)
    language: str | None = None
    """When the image builds no Go: the language its files are in, if recognisable."""
    why: str | None = None
    """When no main package could be determined: what was missing."""
    dockerfile: Path | None = None


@dataclass
class Stage:
    name: str | None
    base: str
    workdir: str = "/"
    copies: list[tuple[str | None, str, str]] = field(default_factory=list)
    """(from stage or None for the build context, source, destination as the container sees it)."""
    runs: list[tuple[int, str, str]] = field(default_factory=list)
    """(Dockerfile line, working directory, command)."""
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)


def _instructions(text: str) -> list[tuple[int, str, str]]:
    """(line, INSTRUCTION, arguments): continuation lines joined, comments dropped."""
    result: list[tuple[int, str, str]] = []
    current, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if not current:
            start = number
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        word, _, rest = current.strip().partition(" ")
        result.append((start, word.upper(), rest.strip()))
        current = ""
    if current.strip():
        word, _, rest = current.strip().partition(" ")
        result.append((start, word.upper(), rest.strip()))
    return result


def _substitute(value: str, variables: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        default = match.group(2)
        return variables.get(name, default if default is not None else "")

    return _VAR.sub(replace, value)


def _words(value: str) -> list[str]:
    """A JSON-array or shell-form argument list."""
    value = value.strip()
    if value.startswith("["):
        import json

        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(p) for p in parsed]
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


def parse_dockerfile(text: str, args: Mapping[str, str]) -> list[Stage]:
    stages: list[Stage] = []
    variables: dict[str, str] = {}
    global_args: dict[str, str] = {}
    for line, instruction, rest in _instructions(text):
        if instruction == "ARG":
            name, _, default = rest.partition("=")
            name = name.strip()
            value = args.get(
                name, global_args.get(name, _substitute(default.strip().strip('"'), variables))
            )
            (variables if stages else global_args)[name] = value
            continue
        if instruction == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            base = _substitute(words[0], global_args) if words else ""
            label = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            parent = next((s for s in stages if s.name and s.name == base), None)
            stage = Stage(name=label, base=base)
            if parent is not None:
                stage.workdir = parent.workdir
                stage.copies = list(parent.copies)
                stage.runs = list(parent.runs)
            stages.append(stage)
            variables = dict(global_args)
            continue
        if not stages:
            continue
        stage = stages[-1]
        value = _substitute(rest, variables)
        if instruction == "ENV":
            words = _words(value)
            if len(words) == 2 and "=" not in words[0]:
                variables[words[0]] = words[1]
            else:
                for word in words:
                    key, sep, val = word.partition("=")
                    if sep:
                        variables[key] = val
        elif instruction == "WORKDIR":
            stage.workdir = posixpath.normpath(
                posixpath.join(stage.workdir, value.strip().strip('"'))
            )
        elif instruction in ("COPY", "ADD"):
            words = _words(value)
            source_stage = next(
                (w.split("=", 1)[1] for w in words if w.startswith("--from=")), None
            )
            paths = [w for w in words if not w.startswith("--")]
            if len(paths) >= 2:
                dest = posixpath.normpath(posixpath.join(stage.workdir, paths[-1])) + (
                    "/" if paths[-1].endswith("/") else ""
                )
                for source in paths[:-1]:
                    stage.copies.append((source_stage, source, dest))
        elif instruction == "RUN":
            words = value.split()
            while words and words[0].startswith("--"):
                words.pop(0)
            stage.runs.append((line, stage.workdir, " ".join(words)))
        elif instruction == "ENTRYPOINT":
            stage.entrypoint = _words(value)
            stage.cmd = []
        elif instruction == "CMD":
            stage.cmd = _words(value)
    return stages


@dataclass(frozen=True)
class GoCommand:
    """One package target of a ``go build``/``go install`` a Dockerfile runs."""

    output: str
    """Container path of the binary."""
    package: str
    """Container path (or import path) of the main package."""
    tags: frozenset[str]
    verb: str = "build"
    cwd: str = "/"
    """Container folder the command runs in."""
    written_output: str | None = None
    """The ``-o`` value as written (a folder when it ends with ``/``)."""
    written_packages: tuple[str, ...] = ()
    """The package arguments as written (empty: the current folder)."""


def go_commands(
    command: str,
    cwd: str,
    makefiles: Makefiles | None,
    depth: int = 0,
    verbs: tuple[str, ...] = ("build", "install"),
) -> list[GoCommand]:
    """The ``go build``/``go install`` (or other ``verbs``) targets of a shell command run in
    ``cwd``."""
    built: list[GoCommand] = []
    for part in re.split(r"&&|\|\||;|\|", command):
        try:
            words = shlex.split(part)
        except ValueError:
            words = part.split()
        while words and "=" in words[0] and not words[0].startswith("-"):
            words.pop(0)  # VAR=value prefixes
        if len(words) >= 2 and words[0] == "cd":
            cwd = posixpath.normpath(posixpath.join(cwd, words[1]))
            continue
        if words and words[0] in ("make", "gmake") and makefiles is not None and depth < 3:
            targets = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
            folder = cwd
            if "-C" in words[1:]:
                index = words.index("-C")
                if index + 1 < len(words):
                    folder = posixpath.normpath(posixpath.join(cwd, words[index + 1]))
                    targets = [t for t in targets if t != words[index + 1]]
            for recipe in makefiles.recipes(folder, targets or [None]):
                built.extend(go_commands(recipe, folder, makefiles, depth + 1, verbs))
            continue
        if len(words) >= 2 and posixpath.basename(words[0]) == "go" and words[1] in verbs:
            args = words[2:] if words[1] != "run" else _run_package_args(words[2:])
            built.extend(_go_command(words[1], args, cwd))
    return built


def _run_package_args(args: Sequence[str]) -> list[str]:
    """``go run``'s flags and package: the words after its first package are the program's."""
    index = 0
    while index < len(args) and args[index].startswith("-"):
        name = "-" + args[index].partition("=")[0].lstrip("-")
        if name in _GO_FLAGS_WITH_VALUE and "=" not in args[index]:
            index += 1
        index += 1
    return list(args[: index + 1])


def started_go_commands(program: Sequence[str], cwd: str) -> list[GoCommand]:
    """The ``go run``/``go build`` a container's program runs when it starts: the program itself
    (``go run ./cmd/api``, ``sh -c "go build -o app . && ./app"``) or a dev reloader's build
    flag (CompileDaemon ``--build="go build -o main ./cmd"``, air ``--build.cmd "..."``)."""
    found: list[GoCommand] = []
    for word in program:
        value = word.partition("=")[2] if word.startswith("-") else word
        found.extend(go_commands(value, cwd, None, verbs=("build", "install", "run")))
    if not found:  # the program is go itself: ["go", "run", "."]
        found = go_commands(shlex.join(program), cwd, None, verbs=("build", "install", "run"))
    return found


def _go_command(verb: str, args: Sequence[str], cwd: str) -> list[GoCommand]:
    output: str | None = None
    written_output: str | None = None
    tags: set[str] = set()
    packages: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        name, sep, inline = word.partition("=")
        if word.startswith("-"):
            name = "-" + name.lstrip("-")
            value = inline if sep else None
            if name in _GO_FLAGS_WITH_VALUE and value is None:
                index += 1
                value = args[index] if index < len(args) else ""
            if name == "-o" and value is not None:
                written_output = value
                output = posixpath.normpath(posixpath.join(cwd, value)) + (
                    "/" if value.endswith("/") else ""
                )
            elif name == "-tags" and value:
                tags.update(t for t in re.split(r"[ ,]", value) if t)
            elif name == "-C" and value:
                cwd = posixpath.normpath(posixpath.join(cwd, value))
        else:
            packages.append(word)
        index += 1
    written = tuple(packages)
    packages = packages or ["."]
    result = []
    for package in packages:
        local = package.startswith((".", "/")) or package.endswith(".go")  # files are paths
        if package.endswith(".go"):
            package = posixpath.dirname(package) or "."
        where = posixpath.normpath(posixpath.join(cwd, package)) if local else package
        base = posixpath.basename(where.rstrip("/").removesuffix("/...")) if where != "." else "app"
        if verb == "install":
            out = f"/go/bin/{base}"
        elif output is None:
            out = posixpath.join(cwd, base)
        elif output.endswith("/"):
            out = posixpath.join(output, base)
        else:
            out = output
        result.append(GoCommand(out, where, frozenset(tags), verb, cwd, written_output, written))
    return result


class Makefiles:
    """Makefile recipes, read on demand, with ``include`` followed."""

    def __init__(self, to_host: PathMap) -> None:
        self.to_host = to_host

    def recipes(self, folder: str, targets: Sequence[str | None]) -> list[str]:
        host = self.to_host(posixpath.join(folder, "Makefile"))
        if host is None or not host.is_file():
            return []
        rules = self._read(host, 0)
        if not rules:
            return []
        result: list[str] = []
        for target in targets:
            name = target or next(iter(rules))
            seen: set[str] = set()
            stack = [name]
            while stack:
                current = stack.pop()
                if current in seen or current not in rules:
                    continue
                seen.add(current)
                prerequisites, lines = rules[current]
                result.extend(_MAKE_VAR.sub("", line) for line in lines)
                stack.extend(prerequisites)
        return result

    def _read(self, path: Path, depth: int) -> dict[str, tuple[list[str], list[str]]]:
        rules: dict[str, tuple[list[str], list[str]]] = {}
        try:
            lines = read_bytes(path, "Makefile").decode("utf-8", "replace").splitlines()
        except (OSError, ArchcheckError):
            return rules
        current: str | None = None
        for line in lines:
            if line.startswith("\t") and current is not None:
                rules[current][1].append(line.strip().lstrip("@-"))
                continue
            stripped = line.split("#", 1)[0].rstrip()
            if stripped.startswith(("include ", "-include ")) and depth < 3:
                for name in stripped.split()[1:]:
                    for key, value in self._read((path.parent / name).resolve(), depth + 1).items():
                        rules.setdefault(key, value)
                current = None
                continue
            head, sep, tail = stripped.partition(":")
            if sep and not tail.startswith("=") and head and not head.startswith((".", " ")):
                current = head.split()[0]
                rules.setdefault(current, ([], []))
                rules[current][0].extend(w for w in tail.split() if not w.startswith("$"))
            elif stripped:
                current = None
        return rules


class PathMap:
    """Container path -> host path, through a stage's ``COPY`` lines from the build context."""

    def __init__(self, stage: Stage, context: Path) -> None:
        self.copies = [(s, d) for f, s, d in stage.copies if f is None]
        self.context = context

    def __call__(self, container: str) -> Path | None:
        container = posixpath.normpath(container)
        best: tuple[int, Path] | None = None
        for source, dest in self.copies:
            dest_clean = posixpath.normpath(dest)
            src = posixpath.normpath("/" + source).lstrip("/")  # as docker: never above the context
            host_source = (
                (self.context / src).resolve() if src not in ("", ".") else self.context.resolve()
            )
            if container == dest_clean:
                candidate = host_source
            elif container.startswith(dest_clean.rstrip("/") + "/") or dest_clean == "/":
                rest = container[len(dest_clean.rstrip("/")) + 1 :]
                if host_source.is_file():
                    if posixpath.basename(source) != rest:
                        continue
                    candidate = host_source
                else:
                    candidate = host_source / rest
            else:
                continue
            if candidate.exists() and (best is None or len(dest_clean) > best[0]):
                best = (len(dest_clean), candidate)
        return None if best is None else best[1]


_LANGUAGES = (
    ("*.csproj", "C# (.NET)"), ("*.fsproj", "F# (.NET)"), ("pom.xml", "Java"),
    ("build.gradle.kts", "Kotlin or Java (Gradle)"), ("build.gradle", "Java (Gradle)"),
    ("package.json", "JavaScript/TypeScript (Node)"), ("requirements.txt", "Python"),
    ("pyproject.toml", "Python"), ("Cargo.toml", "Rust"), ("Gemfile", "Ruby"),
    ("composer.json", "PHP"), ("mix.exs", "Elixir"), ("CMakeLists.txt", "C++"),
    ("*.cpp", "C++"), ("*.py", "Python"), ("*.java", "Java"), ("*.kt", "Kotlin"), ("*.rs", "Rust"),
    ("*.rb", "Ruby"), ("*.php", "PHP"), ("*.cs", "C#"), ("*.js", "JavaScript"), ("*.ts", "TypeScript"),
)  # fmt: skip


def language_of(folder: Path) -> str | None:
    """The language a folder's files are in, by its build files (no Go)."""
    if not folder.is_dir():
        return None
    for pattern, language in _LANGUAGES:
        if next(folder.glob(pattern), None) is not None:
            return language
    return None


def _binary_candidates(words: Sequence[str]) -> list[str]:
    """Words of an entrypoint/command that may be the program (``sh -c "a && ./b"`` too)."""
    found: list[str] = []
    for word in words:
        if " " in word:
            found.extend(w for w in _words(word) if "/" in w or not w.startswith("-"))
        elif not word.startswith("-"):
            found.append(word)
    return found


def read_build(
    context: Path,
    dockerfile: str | None,
    *,
    target: str | None = None,
    args: Mapping[str, str] | None = None,
    command: Sequence[str] = (),
    entrypoint: Sequence[str] = (),
) -> BuildReading:
    """The main packages the image of ``context`` + ``dockerfile`` builds and runs."""
    path = context / (dockerfile or "Dockerfile")
    reading = BuildReading(dockerfile=path)
    try:
        text = read_bytes(path, "Dockerfile").decode("utf-8", "replace")
    except (OSError, ArchcheckError):
        reading.why = f"no Dockerfile at {path}"
        return reading
    stages = parse_dockerfile(text, args or {})
    if not stages:
        reading.why = f"{path} has no FROM line"
        return reading
    final = next((s for s in stages if target and s.name == target), stages[-1])
    program = list(entrypoint or final.entrypoint) + list(
        command or ([] if entrypoint else final.cmd)
    )
    programs = [
        posixpath.normpath(posixpath.join(final.workdir, p)) for p in _binary_candidates(program)
    ]
    builds: list[tuple[Stage, GoCommand]] = []
    for stage in stages[: stages.index(final) + 1]:
        makefiles = Makefiles(PathMap(stage, context))
        for _, cwd, run in stage.runs:
            builds.extend((stage, built) for built in go_commands(run, cwd, makefiles))
    started = [(final, b) for b in started_go_commands(program, final.workdir)]
    builds += started  # what it builds or runs as it starts, it runs
    if not builds:
        folder = path.parent if dockerfile else context
        reading.language = language_of(folder) if not any(folder.glob("*.go")) else None
        reading.why = f"{_short(path, context)} runs no go build"
        return reading
    chosen = [
        (s, b)
        for s, b in builds
        if not b.package.endswith("/...")
        and ((s, b) in started or _runs(final, stages, s, b, programs))
    ]
    names = {posixpath.basename(p) for p in programs}
    for stage, built in chosen or builds:
        mapping = PathMap(stage, context)
        host = mapping(built.package.removesuffix("/..."))
        if host is None:
            continue
        if host.is_file():
            host = host.parent
        if built.package.endswith("/..."):  # one binary per main package, named after it
            every = main_dirs(host)
            picked = [d for d in every if d.name in names] or every
            reading.mains.extend(MainPackage(d, built.tags, d.name) for d in picked)
        else:
            reading.mains.append(MainPackage(host, built.tags, built.output))
    if not reading.mains:
        packages = sorted({b.package for _, b in builds})
        remote = all("." in p.split("/")[0] for p in packages)  # github.com/...: not local
        reading.why = (
            f"{_short(path, context)} only installs tools ({', '.join(packages)}); the build"
            " of its own code is not a go build archcheck can read"
            if remote
            else f"{_short(path, context)} builds {', '.join(packages)}, which is not a folder"
            " of the build context"
        )
    return reading


def _runs(
    final: Stage, stages: Sequence[Stage], stage: Stage, built: GoCommand, programs: Sequence[str]
) -> bool:
    """Whether the container's program is this build's binary (directly or via COPY --from)."""
    if not programs:
        return False
    targets = {built.output.rstrip("/")}
    if stage is not final:
        names = {stage.name, str(stages.index(stage))}
        for source_stage, source, dest in final.copies:
            if source_stage not in names:
                continue
            src = posixpath.normpath(source)
            if built.output.rstrip("/") == src or built.output.startswith(src.rstrip("/") + "/"):
                rest = built.output[len(src.rstrip("/")) :].lstrip("/")
                dest_clean = posixpath.normpath(dest)
                if rest:
                    targets.add(posixpath.join(dest_clean, rest))
                else:
                    targets.add(
                        dest_clean
                        if not dest.endswith("/")
                        else posixpath.join(dest_clean, posixpath.basename(src))
                    )
    return any(
        p in targets
        or any(
            posixpath.basename(p) == posixpath.basename(t) and t.endswith(p.lstrip("./"))
            for t in targets
        )
        for p in programs
    )


def main_dirs(root: Path) -> list[Path]:
    """Folders of the ``main`` packages under ``root`` (headers only), as ``go build ./...``
    finds them: names starting with ``.`` or ``_``, ``testdata`` and ``vendor`` are left out,
    and symbolic links to folders are not followed."""
    found = []
    for folder, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if not d.startswith((".", "_")) and d not in _NOT_BUILT]
        sources = sorted(f for f in files if f.endswith(".go") and not f.startswith((".", "_")))
        if any(_in_main_package(Path(folder, name)) for name in sources):
            found.append(Path(folder))
    return sorted(found)


_NOT_BUILT = frozenset(("testdata", "vendor"))
"""Folders whose packages ``go build ./...`` leaves out, at any depth."""


def is_main_package(folder: Path) -> bool:
    """Whether ``folder`` itself holds a ``main`` package (headers only, not its sub-folders)."""
    return any(_in_main_package(path) for path in sorted(folder.glob("*.go")))


def _in_main_package(path: Path) -> bool:
    from archcheck.sources.go import syntax

    if path.name.endswith("_test.go") or any(part in _NOT_BUILT for part in path.parts):
        return False
    try:
        header = syntax.read_header(read_bytes(path, "Go source", peek=8192))
    except (OSError, ArchcheckError):  # NOTE: a FIFO named *.go is refused, not waited on
        return False
    return header.package == "main"


def _short(path: Path, context: Path) -> str:
    try:
        return path.resolve().relative_to(context.resolve()).as_posix()
    except ValueError:
        return str(path)
