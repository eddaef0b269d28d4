"""The loader's entry point: which files, which environment, then parse, extend, include, merge.

Order follows Docker Compose v2: each file is parsed, interpolated, its ``extends`` resolved and
its ``include`` imported on its own; then the files are merged in ``-f`` order; then the result is
normalised (``normalize.py``) and filtered by the active profiles. The types it works with and
returns are in ``project.py``, which both this module and ``normalize.py`` import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archcheck.compose.dotenv import read_env_file
from archcheck.compose.interpolate import interpolate
from archcheck.compose.merge import merge_files, merge_service, strip_tags
from archcheck.compose.normalize import finish_project
from archcheck.compose.paths import absolutize_resources, absolutize_service
from archcheck.compose.project import ComposeOptions, ComposeProject, LoadedFiles
from archcheck.compose.schema import validate_model
from archcheck.compose.validate import validate_file, validate_top_level
from archcheck.compose.yamlnodes import PDict, PList, parse_documents
from archcheck.errors import ComposeError, UsageError
from archcheck.files.read import is_stdin
from archcheck.files.yamlpos import location

if TYPE_CHECKING:
    from archcheck.model import Location

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


def load_project(options: ComposeOptions) -> ComposeProject:
    """Load, merge, interpolate and normalise the project that ``options`` describe."""
    loader = _Loader(options)
    model = loader.load()
    assert loader.working_dir is not None
    loaded = LoadedFiles(
        model=model,
        files=loader.files,
        working_dir=loader.working_dir,
        env=loader.env,
        profiles=loader.profiles,
        project_name=options.project_name,
        unset=frozenset(loader.unset),
        warnings=tuple(loader.warnings),
    )
    return finish_project(loaded)


class _Loader:
    """State of one load: environment, files, caches, warnings."""

    def __init__(self, options: ComposeOptions) -> None:
        self.options = options
        self.cwd = (options.cwd or Path.cwd()).absolute()
        self.environ: dict[str, str] = dict(os.environ if options.environ is None else options.environ)
        self.warnings: list[str] = []
        self.unset: set[str] = set()
        self.parsed: dict[tuple[Path, int], list[Any]] = {}
        self.extended_files: dict[tuple[Path, int], _Extends] = {}
        """Files reached through ``extends: {file: ...}``, per environment, loaded once."""
        project_dir = options.project_directory
        self.working_dir = (self.cwd / project_dir).absolute() if project_dir else None
        self.files: tuple[Path, ...] = ()
        self.env: dict[str, str] = {}
        self.profiles: tuple[str, ...] = ()

    # --- files and environment ----------------------------------------------------------------

    def _env_file_paths(self, working_dir: Path) -> list[Path]:
        if self.options.env_files:
            return [(self.cwd / p).absolute() for p in self.options.env_files]
        dotenv = working_dir / ".env"
        return [dotenv] if dotenv.is_file() else []

    def _read_environment(self, working_dir: Path) -> dict[str, str]:
        """Process environment over the ``.env`` (or ``--env-file``) values, as Compose does."""
        values: dict[str, str] = {}
        for path in self._env_file_paths(working_dir):
            if not path.is_file() and self.options.env_files:
                raise UsageError(
                    "couldn't find env file: check the --env-file path", _at(path)
                )
            # NOTE: as in Compose, ${VAR} inside .env sees the process environment first.
            values.update(read_env_file(path, values, first=self.environ))
        return {**values, **self.environ}

    def _discover(self) -> tuple[Path, ...]:
        if self.options.files:
            return tuple(_absolute(self.cwd, p) for p in self.options.files)
        start = self.working_dir or self.cwd
        env = self._read_environment(start)
        compose_file = env.get("COMPOSE_FILE")
        if compose_file:
            separator = env.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
            return tuple(_absolute(start, Path(p)) for p in compose_file.split(separator) if p)
        folder = start
        while True:
            for name in DEFAULT_FILES:
                candidate = folder / name
                if candidate.is_file():
                    return (candidate, *_override_for(candidate))
            if folder.parent == folder or self.working_dir is not None:
                break
            folder = folder.parent
        raise UsageError(
            f"no configuration file provided: no compose.yaml or docker-compose.yml in {start} "
            "or its parents; pass one with -f"
        )

    # --- loading --------------------------------------------------------------------------------

    def load(self) -> PDict:
        self.files = self._discover()
        if self.working_dir is None:
            # NOTE: as ``docker compose -f -``: a project read from stdin lives in the cwd.
            self.working_dir = self.cwd if is_stdin(self.files[0]) else self.files[0].parent
        self.env = self._read_environment(self.working_dir)
        if self.options.profiles:
            self.profiles = tuple(self.options.profiles)
        else:
            self.profiles = tuple(
                p.strip() for p in self.env.get("COMPOSE_PROFILES", "").split(",") if p.strip()
            )
        model = PDict()
        loaded_any = False
        for path in self.files:
            for document in self.documents(path, self.env, required=len(self.files) == 1):
                data = self.process(document, path, self.env, self.working_dir, (path,))
                model = merge_files(model, data)
                validate_file(model, path)
                # NOTE: as Compose, the merged model after each file: a later file can make
                # it invalid where neither file is (``security_opt: [x]`` in both: the items
                # are appended, and the schema wants them unique). Locations are those of the
                # file that set each value (the merge keeps every node's position).
                validate_model(model, path)
                loaded_any = True
        if not loaded_any or not model:
            raise ComposeError(
                "empty compose file: add a `services:` section",
                location((str(self.files[0]), 1, 1)),
            )
        return model

    def documents(self, path: Path, env: Mapping[str, str], *, required: bool) -> list[PDict]:
        """The parsed, interpolated top-level mappings of one file (one per YAML document)."""
        raw = self.parse(path)
        documents: list[PDict] = []
        for document in raw:
            if document is None:
                continue
            if not isinstance(document, PDict):
                raise ComposeError(
                    "top-level object must be a mapping: start the file with `services:`",
                    location((str(path), 1, 1)),
                )
            documents.append(interpolate(document, env, self.unset))
        if not documents and required:
            raise ComposeError(
                "empty compose file: add a `services:` section",
                location((str(path), 1, 1)),
            )
        return documents

    def parse(self, path: Path) -> list[Any]:
        key = (path, 0)
        if key not in self.parsed:
            contents = self.options.contents
            text = contents.get(path) if contents is not None else None
            self.parsed[key] = parse_documents(
                _read_text(path) if text is None else text, str(path)
            )
        return self.parsed[key]

    def process(
        self,
        data: PDict,
        path: Path,
        env: Mapping[str, str],
        working_dir: Path,
        include_chain: tuple[Path, ...],
    ) -> PDict:
        """One file's mapping: validated, ``extends`` resolved, ``include`` imported."""
        validate_top_level(data, path)
        services = data.get("services")
        if isinstance(services, PDict):
            resolver = _Extends(self, path, data, env, working_dir)
            resolved = PDict()
            resolved.pos = services.pos
            for name in services:
                resolved[name] = resolver.resolve(name, ())
            data = _replace_key(data, "services", resolved)
        if "include" in data:
            data = self.include(data, path, env, working_dir, include_chain)
        return data

    def include(
        self,
        data: PDict,
        path: Path,
        env: Mapping[str, str],
        working_dir: Path,
        chain: tuple[Path, ...],
    ) -> PDict:
        entries = data["include"]
        result = PDict({k: v for k, v in data.items() if k != "include"})
        result.pos = {k: v for k, v in data.pos.items() if k != "include"}
        if not isinstance(entries, PList):
            raise ComposeError(
                "`include` must be a list of files", _loc(data.pos.get("include"))
            )
        for entry, pos in zip(entries, entries.pos, strict=True):
            if isinstance(entry, str):
                entry = PDict(path=entry)
            if not isinstance(entry, PDict) or "path" not in entry:
                raise ComposeError(
                    "each `include` entry must be a path or a mapping with `path:`", _loc(pos)
                )
            raw_paths = entry["path"] if isinstance(entry["path"], PList) else [entry["path"]]
            paths = [_absolute(working_dir, Path(_expand_home(str(p), env))) for p in raw_paths]
            for included in paths:
                if included in chain:
                    cycle = "\n".join(f" include {p}" for p in (*chain[1:], included))
                    raise ComposeError(
                        f"include cycle detected:\n{chain[0]}\n{cycle}\n"
                        "remove one of the includes",
                        _loc(pos),
                    )
            project_dir = entry.get("project_directory")
            sub_dir = (
                _absolute(working_dir, Path(str(project_dir))) if project_dir else paths[0].parent
            )
            env_files = entry.get("env_file")
            if env_files is None:
                dotenv = sub_dir / ".env"
                env_paths = [dotenv] if dotenv.is_file() else []
            else:
                items = env_files if isinstance(env_files, PList) else [env_files]
                env_paths = [_absolute(working_dir, Path(str(p))) for p in items]
            sub_env = dict(env)
            for env_path in env_paths:
                for key, value in read_env_file(env_path, {}, first=sub_env).items():
                    sub_env.setdefault(key, value)
            imported = PDict()
            for included in paths:
                for document in self.documents(included, sub_env, required=True):
                    part = self.process(document, included, sub_env, sub_dir, (*chain, included))
                    imported = merge_files(imported, part)
                    validate_file(imported, included)
            imported = absolutize_resources(imported, sub_dir, sub_env)
            result = _import(result, imported, paths[0], pos)
        return result


class _Extends:
    """Resolves ``extends`` inside one file, following chains into other files."""

    def __init__(
        self, loader: _Loader, path: Path, data: PDict, env: Mapping[str, str], working_dir: Path
    ) -> None:
        self.loader = loader
        self.path = path
        self.data = data
        self.env = env
        self.working_dir = working_dir
        self.done: dict[str, Any] = {}

    def services(self) -> PDict:
        services = self.data.get("services")
        return services if isinstance(services, PDict) else PDict()

    def resolve(self, name: str, stack: tuple[tuple[Path, str], ...]) -> Any:
        if name in self.done:
            return self.done[name]
        services = self.services()
        service = services.get(name)
        if not isinstance(service, PDict) or "extends" not in service:
            return service
        me = (self.path, name)
        if me in stack:
            chain = " -> ".join(f"{p}:{s}" for p, s in (*stack, me))
            raise ComposeError(
                f"circular reference with extends: {chain}: break the cycle",
                _loc(services.pos.get(name)),
            )
        spec = service["extends"]
        spec_pos = service.pos.get("extends")
        if isinstance(spec, str):
            base_name, base_file = spec, None
        elif isinstance(spec, PDict) and isinstance(spec.get("service"), str):
            base_name, base_file = spec["service"], spec.get("file")
        else:
            raise ComposeError(
                "`extends` must be a service name or a mapping with `service:` (and `file:`)",
                _loc(spec_pos),
            )
        if base_file is None:
            other = self
        else:
            folder = self.working_dir if is_stdin(self.path) else self.path.parent
            file_path = _absolute(folder, Path(_expand_home(str(base_file), self.env)))
            other = self._other(file_path)
        base_services = other.services()
        if base_name not in base_services:
            raise ComposeError(
                f'cannot extend service "{name}" in {self.path}: service "{base_name}" not '
                f"found in {other.path}: check the `extends` name",
                _loc(spec_pos),
            )
        base = other.resolve(base_name, (*stack, me))
        if base is None:
            base = PDict()
        if not isinstance(base, PDict):
            raise ComposeError(
                f'service "{base_name}" in {other.path} must be a mapping to be extended',
                _loc(base_services.pos.get(base_name)),
            )
        if base_file is not None:
            base = absolutize_service(base, other.path.parent, self.env)
        own = PDict({k: v for k, v in service.items() if k != "extends"})
        own.pos = {k: v for k, v in service.pos.items() if k != "extends"}
        merged = merge_service(strip_tags(base) if base_file else base, own)
        self.done[name] = merged
        return merged

    def _other(self, file_path: Path) -> _Extends:
        key = (file_path, id(self.env))
        cached = self.loader.extended_files.get(key)
        if cached is not None:
            return cached
        documents = self.loader.documents(file_path, self.env, required=True)
        data = PDict()
        for document in documents:
            data = merge_files(data, document)
        other = _Extends(self.loader, file_path, data, self.env, file_path.parent)
        self.loader.extended_files[key] = other
        return other


def _import(model: PDict, imported: PDict, source: Path, pos: Any) -> PDict:
    """Resources of an included project added to the including one; conflicts are errors."""
    out = PDict(model)
    out.pos = dict(model.pos)
    for kind, resources in imported.items():
        if not isinstance(resources, PDict) or kind.startswith("x-") or kind == "name":
            if kind not in out:
                out[kind] = resources
                out.pos[kind] = imported.pos[kind]
            continue
        current = out.get(kind)
        merged = PDict(current) if isinstance(current, PDict) else PDict()
        merged.pos = dict(current.pos) if isinstance(current, PDict) else {}
        for name, value in resources.items():
            if name in merged and merged[name] != value:
                raise ComposeError(
                    f"imported compose file {source} defines conflicting {kind[:-1]} {name}: "
                    "rename one of them",
                    _loc(pos),
                )
            merged[name] = value
            merged.pos[name] = resources.pos[name]
        out[kind] = merged
        out.pos.setdefault(kind, imported.pos[kind])
    return out


def _replace_key(data: PDict, key: str, value: Any) -> PDict:
    out = PDict(data)
    out.pos = data.pos
    out[key] = value
    return out


def _loc(pos: Any) -> Location | None:
    return location(pos) if pos else None


def _absolute(base: Path, path: Path) -> Path:
    if is_stdin(path):
        return path  # standard input: no folder
    return Path(os.path.normpath(base / path))


def _expand_home(text: str, env: Mapping[str, str]) -> str:
    if text == "~" or text.startswith("~/"):
        return env.get("HOME", str(Path.home())) + text[1:]
    return text


def _override_for(path: Path) -> tuple[Path, ...]:
    stem, _, ext = path.name.rpartition(".")
    for suffix in (ext, "yaml" if ext == "yml" else "yml"):
        candidate = path.with_name(f"{stem}.override.{suffix}")
        if candidate.is_file():
            return (candidate,)
    return ()


def _at(path: Path) -> Location:
    return location((str(path), 1, 1))


def _read_text(path: Path) -> str:
    from archcheck.files.read import decode, read_bytes

    raw = read_bytes(path, "compose file", missing="check the -f path")
    return decode(raw, path, "compose file", error=ComposeError)
