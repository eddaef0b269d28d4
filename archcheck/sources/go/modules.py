"""Go modules and the import closure of a main package, from ``go.mod``/``go.work`` text.

Only what ``go build`` would compile counts: the main package, and every package of the module
(or of a ``go.work`` workspace, or a local ``replace`` directory) its imports reach, file by
file with the build's tags. Test files, ``testdata/``, other platforms' files and other
binaries never enter.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path

from archcheck.errors import ArchcheckError
from archcheck.files.read import read_bytes
from archcheck.sources.go import syntax
from archcheck.structs import dataclass, field


@dataclass
class Modules:
    """Module path -> folder, for every module a build can reach locally."""

    roots: dict[str, Path] = field(default_factory=dict)
    _folders: dict[str, Path | None] = field(default_factory=dict, repr=False, compare=False)

    def folder(self, import_path: str) -> Path | None:
        """The folder of a package of one of these modules (longest module path wins)."""
        if import_path not in self._folders:
            self._folders[import_path] = self._folder(import_path)
        return self._folders[import_path]

    def _folder(self, import_path: str) -> Path | None:
        best: tuple[int, Path] | None = None
        for module, root in self.roots.items():
            inside = import_path == module or import_path.startswith(module + "/")
            if inside and (best is None or len(module) > best[0]):
                rest = import_path[len(module) :].lstrip("/")
                best = (len(module), root / rest if rest else root)
        return None if best is None else best[1]

    def import_path(self, folder: Path) -> str | None:
        """The import path of a package folder (``folder`` absolute and resolved)."""
        resolved = folder
        for module, root in sorted(self.roots.items(), key=lambda m: -len(str(m[1]))):
            if resolved == root or resolved.is_relative_to(root):
                rest = resolved.relative_to(root).as_posix()
                return module if rest == "." else f"{module}/{rest}"
        return None


def _directives(path: Path) -> list[list[str]]:
    """Each directive of a go.mod/go.work as words, block forms unfolded."""
    result: list[list[str]] = []
    block: str | None = None
    with contextlib.suppress(OSError, ArchcheckError):
        for raw in read_bytes(path, "go.mod").decode("utf-8", "replace").splitlines():
            words = raw.split("//", 1)[0].split()
            if not words:
                continue
            if block is not None:
                if words == [")"]:
                    block = None
                else:
                    result.append([block, *words])
                continue
            if len(words) == 2 and words[1] == "(":
                block = words[0]
                continue
            result.append(words)
    return result


def find_module(folder: Path) -> Path | None:
    """The go.mod governing ``folder`` (it or its nearest parent's)."""
    start = folder.resolve()
    for candidate in (start, *start.parents):
        if (candidate / "go.mod").is_file():
            return candidate / "go.mod"
    return None


def load_modules(folder: Path) -> Modules:
    """The module of ``folder``, its workspace's modules and local ``replace`` targets."""
    modules = Modules()
    gomod = find_module(folder)
    if gomod is None:
        return modules
    pending = [gomod]
    for parent in (gomod.parent, *gomod.parent.parents):
        work = parent / "go.work"
        if work.is_file():
            pending.extend(
                (parent / words[1].strip('"')).resolve() / "go.mod"
                for words in _directives(work)
                if words[0] == "use" and len(words) >= 2
            )
            break
    seen: set[Path] = set()
    while pending:
        current = pending.pop()
        if current in seen or not current.is_file():
            continue
        seen.add(current)
        for words in _directives(current):
            if words[0] == "module" and len(words) >= 2:
                modules.roots.setdefault(words[1].strip('"'), current.parent.resolve())
            elif words[0] == "replace" and "=>" in words:
                target = words[words.index("=>") + 1]
                source = words[1]
                if target.startswith((".", "/")):
                    folder_path = (current.parent / target).resolve()
                    modules.roots.setdefault(source, folder_path)
                    pending.append(folder_path / "go.mod")
    return modules


def package_files(folder: Path, tags: frozenset[str]) -> list[Path]:
    """The files ``go build`` compiles in one package folder."""
    files: list[Path] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return files
    for path in entries:
        name = path.name
        if not name.endswith(".go") or syntax.filename_excluded(name) or not path.is_file():
            continue
        files.append(path)
    return files


@dataclass
class Closure:
    """The packages a main package compiles, with their files."""

    files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)


def read_header(path: Path) -> syntax.Header | None:
    """A file's header from its first bytes (None when it cannot be read)."""
    try:
        return syntax.read_header(read_bytes(path, "Go source")[:16384])
    except (OSError, ArchcheckError):  # NOTE: a FIFO named *.go is refused, not waited on
        return None


def closure(
    mains: Iterable[Path],
    modules: Modules,
    tags: frozenset[str],
    header_of: Callable[[Path], syntax.Header | None] = read_header,
) -> Closure:
    """Every file of every local package the main packages import, transitively (paths are
    built from resolved module roots, so they come out resolved)."""
    result = Closure()
    all_tags = syntax.DEFAULT_TAGS | tags
    seen: set[Path] = set()
    stack = [m.resolve() for m in mains]
    while stack:
        folder = stack.pop()
        if folder in seen:
            continue
        seen.add(folder)
        result.folders.append(folder)
        for path in package_files(folder, tags):
            header = header_of(path)
            if header is None or not syntax.build_satisfied(header.constraint, all_tags):
                continue
            result.files.append(path)
            for imported in header.imports:
                target = modules.folder(imported)
                if target is not None and target not in seen:
                    stack.append(target)
    return result
