"""The Go libraries discovery recognises, as data: ``rules/sources/go-libraries.yaml``.

Which packages, methods and argument positions make a cron job or an event consumer is not
code: one entry per library, validated strictly here (an unknown key or a position that is not
a number is an error naming the entry), so supporting one more library is one entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

import yaml

from archcheck.digest import sha256
from archcheck.errors import UsageError
from archcheck.files.yamlpos import SAFE_LOADER
from archcheck.records import Invalid, Record, spec
from archcheck.structs import dataclass

Role = Literal["topic", "schedule", "name", "group", "route", "pubsub", "dead_letter_topic"]


class CallSpec(Record):
    """What the arguments of one method or function are."""

    schedule: int | None = spec(default=None, ge=0)
    handler: int | None = spec(default=None, ge=0)
    topic: int | None = spec(default=None, ge=0)
    group: int | None = spec(default=None, ge=0)
    config: int | None = spec(default=None, ge=0)
    subscriber: int | None = spec(default=None, ge=0)
    """The argument that is the transport (a Watermill subscriber): see ``in_process``."""
    fields: dict[Role, str] = spec(default_factory=dict)
    distinctive: bool = False


class Library(Record):
    """One recognised Go library: its packages and the calls that register work."""

    title: str
    kind: Literal["cron", "events"]
    packages: list[str] = spec(min_length=1)
    methods: dict[str, CallSpec] = spec(default_factory=dict)
    functions: dict[str, CallSpec] = spec(default_factory=dict)
    arguments: dict[str, Literal["every", "spec", "handler", "name"]] = spec(default_factory=dict)
    chain: bool = False
    in_process: list[str] = spec(default_factory=list)
    """Packages of transports that never leave the process (Watermill's GoChannel): a handler
    subscribed through one cannot move to another container."""

    def covers(self, import_path: str) -> bool:
        for package in self.packages:
            if package.endswith("/..."):
                if import_path == package[:-4] or import_path.startswith(package[:-3]):
                    return True
            elif import_path == package:
                return True
        return False


class LibraryFile(Record):
    """The whole ``go-libraries.yaml``."""

    version: Literal[1]
    libraries: dict[str, Library]


@dataclass(frozen=True, eq=False)
class Catalog:
    """Every recognised library, with the lookups extraction needs."""

    libraries: Mapping[str, Library]
    digest: str
    """Changes whenever the data changes: part of the cache key of extracted facts."""

    @property
    def triggers(self) -> frozenset[str]:
        """Every method and function name any library registers work with."""
        names: set[str] = set()
        for library in self.libraries.values():
            names.update(library.methods, library.functions)
        return frozenset(names)

    def find(
        self, import_path: str, name: str, *, function: bool
    ) -> Iterator[tuple[str, Library, CallSpec]]:
        """The libraries of ``import_path`` that register work with ``name``."""
        for key, library in self.libraries.items():
            table = library.functions if function else library.methods
            if name in table and library.covers(import_path):
                yield key, library, table[name]

    def find_in(self, key: str, name: str) -> Iterator[tuple[str, Library, CallSpec]]:
        """Library ``key``'s method ``name``, if it has one."""
        library = self.libraries[key]
        if name in library.methods:
            yield key, library, library.methods[name]

    def imported(self, imports: tuple[str, ...]) -> list[str]:
        """Which libraries a file imports (by id)."""
        return _imported(self, imports)


@lru_cache(maxsize=4096)
def _imported(catalog: Catalog, imports: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for path in imports:
        for key in _covering(catalog, path):
            if key not in found:
                found.append(key)
    return found


@lru_cache(maxsize=16384)
def _covering(catalog: Catalog, path: str) -> tuple[str, ...]:
    return tuple(k for k, lib in catalog.libraries.items() if lib.covers(path))


def default_path() -> Path:
    from archcheck.files.bundled import rules_dir

    return rules_dir() / "sources" / "go-libraries.yaml"


@cache
def load_catalog(path: Path | None = None) -> Catalog:
    """Read and validate the library data; a broken file is a usage error, never a traceback."""
    file = path or default_path()
    raw = _read(file)
    try:
        data = LibraryFile.model_validate(_parse(raw))
    except yaml.YAMLError as exc:
        raise UsageError(f"{file}: cannot read the Go library data: {exc}") from exc
    except Invalid as exc:
        problem = exc.error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise UsageError(f"{file}: {where}: {problem['msg']}; see the format at the top") from exc
    return Catalog(data.libraries, _digest(raw))


@cache
def catalog_digest(path: Path | None = None) -> str:
    """``load_catalog(path).digest`` without validating the data (30 ms of CPU): enough for the
    key of a cached result, which was stored only after the same bytes were validated."""
    return _digest(_read(path or default_path()))


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise UsageError(f"{file}: cannot read the Go library data: {exc}") from exc


def _parse(raw: bytes) -> object:
    """The YAML's data through libyaml; on an error, the pure-Python loader's message, as
    ``yaml.safe_load`` gives it."""
    try:
        return yaml.load(raw, Loader=SAFE_LOADER)  # a safe loader, libyaml when built with it
    except yaml.YAMLError:
        return yaml.safe_load(raw)


def _digest(raw: bytes) -> str:
    return sha256(raw).hexdigest()[:16]
