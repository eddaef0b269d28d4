"""Kubernetes manifests -> objects, each keeping its file, document index and key positions.

Reads what ``kubectl apply -f`` reads: files, folders (recursively) and ``-`` for standard input
(the output of ``kubectl kustomize`` or ``helm template``), multi-document YAML or JSON, and
``kind: List``. Nothing is decided here: ``archcheck.sources.kubernetes_system`` describes the
objects in archcheck's vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from archcheck.errors import ArchcheckError, ManifestError
from archcheck.files.read import decode, read_bytes, read_text
from archcheck.files.yamlpos import KeyPath, Positions, load_yaml_documents, locate
from archcheck.location import Location
from archcheck.model import Note
from archcheck.structs import dataclass, field

STDIN = "-"
SUFFIXES = (".yaml", ".yml", ".json")
COMPANIONS = frozenset(
    {"metrics.yaml", "metrics.yml", "metrics.json", ".archcheck.yaml", ".archcheck.yml"}
)
"""Files a manifests folder may hold that are archcheck's own inputs, not objects."""
_KUSTOMIZATIONS = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
_NOT_OBJECTS = ("kustomize.config.k8s.io/", "config.kubernetes.io/")
"""Kustomize's own files (kustomization.yaml, components): build them, they are no objects."""


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object, and where each of its keys is written."""

    api_version: str
    kind: str
    name: str
    namespace: str | None
    data: Mapping[str, Any]
    positions: Positions = field(repr=False)
    file: str
    document: int
    """0-based index of the document in its file."""
    base: KeyPath = ()
    """Where the object sits in its document: ``()``, or ``("items", 3)`` inside a List."""

    @property
    def ref(self) -> str:
        """``Deployment/pricing-service`` (with ``ns/`` before the name when namespaced)."""
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{ns}{self.name}"

    def locate(self, *path: str | int) -> Location:
        """Where ``path`` (or its nearest written ancestor) is, inside this object."""
        found = locate(self.positions, (*self.base, *path))
        return found if found is not None else Location(self.file, 1, 1)

    def has(self, *path: str | int) -> bool:
        """Whether ``path`` is written in this object."""
        return (*self.base, *path) in self.positions

    def get(self, *path: str | int) -> Any:
        """The value at ``path``, or None."""
        node: Any = self.data
        for part in path:
            kind = type(node)
            if kind is dict:
                node = node.get(part)
            elif kind is list and type(part) is int and part < len(node):
                node = node[part]
            else:
                return None
        return node

    @property
    def annotations(self) -> Mapping[str, str]:
        """``metadata.annotations`` (values as strings, as Kubernetes stores them)."""
        found = self.get("metadata", "annotations")
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, Mapping) else {}

    @property
    def labels(self) -> Mapping[str, str]:
        """``metadata.labels``."""
        found = self.get("metadata", "labels")
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, Mapping) else {}


@dataclass(frozen=True)
class ManifestSet:
    """Every object of the inputs, in input order, and the files they came from."""

    manifests: tuple[Manifest, ...]
    files: tuple[str, ...]
    folder: Path
    """Where companions (``metrics.yaml``, ``.archcheck.yaml``) are looked for."""
    notes: tuple[Note, ...] = ()
    """What was not read as given (skipped files, kustomize features not applied), located."""


def load_manifests(
    paths: Sequence[Path], *, cwd: Path | None = None, stdin: str | None = None
) -> ManifestSet:
    """Read ``paths`` (files, folders or ``-``); raise ``ManifestError`` on what kubectl rejects.

    ``stdin`` stands for standard input in tests; None reads ``sys.stdin`` when ``-`` is given.
    """
    base = cwd or Path.cwd()
    notes: list[Note] = []
    files: list[tuple[str, Path | None, bool]] = []
    """(display name, path or None for stdin, named explicitly)."""
    for given in paths:
        if str(given) == STDIN:
            files.append(("<stdin>", None, True))
            continue
        path = given if given.is_absolute() else base / given
        if path.is_dir():
            files += [(_display(p, base), p, False) for p in _folder_files(path, base, notes)]
        elif path.is_file():
            files.append((_display(path, base), path, True))
        else:
            raise ManifestError(
                f"{given} does not exist; give manifest files, a folder of them, or - for"
                " standard input (kubectl kustomize DIR | archcheck analyze -)"
            )
    manifests: list[Manifest] = []
    seen: dict[tuple[str, str, str | None, str], Manifest] = {}
    for display, file, explicit in files:
        text = _read(display, file, stdin)
        found = _objects(text, display)
        if not found:
            if not explicit:
                notes.append(Note(
                    text=f"{display}: no Kubernetes object (apiVersion and kind); skipped",
                    location=Location(display, 1, 1),
                ))  # fmt: skip
            continue
        for m in found:
            key = (m.api_version.partition("/")[0], m.kind, m.namespace, m.name)
            if key in seen:
                raise ManifestError(
                    f"{m.ref} is defined twice (first at {seen[key].locate()}); keep one, as"
                    " kubectl apply would silently apply the last",
                    m.locate("metadata", "name"),
                )
            seen[key] = m
            manifests.append(m)
    if not manifests:
        raise ManifestError(
            f"no Kubernetes objects in {', '.join(str(p) for p in paths)}; give manifest files"
            " (apiVersion, kind, metadata.name), or render a chart or kustomization first:"
            " helm template ... | archcheck analyze -",
            Location(files[0][0], 1, 1) if files else None,
        )
    first = next((p for p in paths if str(p) != STDIN), None)
    folder = base if first is None else (first if (base / first).is_dir() else first.parent)
    return ManifestSet(
        manifests=tuple(manifests),
        files=tuple(dict.fromkeys(m.file for m in manifests)),
        folder=folder if folder.is_absolute() else base / folder,
        notes=tuple(notes),
    )


_FOLLOWED = frozenset({"apiVersion", "kind", "resources", "components", "namespace"})


def _folder_files(folder: Path, base: Path, notes: list[Note]) -> list[Path]:
    """The manifest files of a folder: those its kustomization lists (``resources``,
    ``components``, recursively), else every YAML/JSON file below it."""
    _refuse_chart(folder)
    kustomization = next((folder / n for n in _KUSTOMIZATIONS if (folder / n).is_file()), None)
    if kustomization is None:
        return sorted(
            p
            for p in folder.rglob("*")
            if p.suffix in SUFFIXES
            and p.is_file()
            and p.name not in COMPANIONS | _KUSTOMIZATIONS
            and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        )
    display = _display(kustomization, base)
    documents = load_yaml_documents(
        read_text(kustomization, display, error=ManifestError), display, _error,
        what="kustomization",
    )  # fmt: skip
    data, positions = documents[0] if documents else (None, {})
    if not isinstance(data, Mapping):
        raise ManifestError(f"{display} is not a kustomization mapping; fix it", Location(display, 1, 1))
    ignored = [str(k) for k in data if k not in _FOLLOWED]
    if ignored:
        at = locate(positions, (ignored[0],)) or Location(display, 1, 1)
        notes.append(Note(
            text=f"{at}: {', '.join(ignored)} not applied (archcheck reads the listed files as"
            f" they are); to analyze what kustomize builds: kubectl kustomize"
            f" {_display(folder, base)} | archcheck analyze -",
            location=at,
        ))  # fmt: skip
    files: list[Path] = []
    for key in ("resources", "components"):
        entries = data.get(key) or []
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            text = str(entry)
            target = folder / text
            if "://" in text or text.startswith(("github.com/", "git@")):
                at = locate(positions, (key, index)) or Location(display, 1, 1)
                notes.append(Note(text=f"{at}: remote {key} entry {text} not read", location=at))
            elif target.is_dir():
                files += _folder_files(target, base, notes)
            elif target.is_file():
                files.append(target)
            else:
                raise ManifestError(
                    f"{display}: {key} entry {text} does not exist; fix the kustomization"
                )
    return list(dict.fromkeys(files))


def looks_like_manifests(path: Path) -> bool:
    """Whether the analyze argument is Kubernetes manifests rather than a compose file:
    ``-``, a folder, or a file whose text has top-level ``apiVersion:`` and ``kind:``."""
    if str(path) == STDIN or path.is_dir():
        return True
    try:
        head = read_bytes(path, "manifest", peek=65536).decode("utf-8", "replace")
    except (OSError, ArchcheckError):  # NOTE: a FIFO or device is not a manifest, never read
        return False
    lines = head.splitlines()
    return any(line.startswith("apiVersion:") for line in lines) and any(
        line.startswith("kind:") for line in lines
    )


def _refuse_chart(folder: Path) -> None:
    if (folder / "Chart.yaml").is_file():
        raise ManifestError(
            f"{folder} is a Helm chart: its templates are not manifests until rendered; run"
            f" helm template {folder} | archcheck analyze -"
        )


def _display(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


def _read(display: str, path: Path | None, stdin: str | None) -> str:
    if path is None:
        if stdin is not None:
            return stdin
        raw = read_bytes(Path(STDIN), "Kubernetes manifest", error=ManifestError,
                         at=Location(display, 1, 1))  # fmt: skip
        return decode(raw, Path(display), "Kubernetes manifest", error=ManifestError)
    return read_text(path, display, error=ManifestError)


def _error(message: str, location: Location | None) -> ManifestError:
    return ManifestError(message, location)


def _objects(text: str, file: str) -> list[Manifest]:
    if "{{" in text and "}}" in text and "\n{{" in f"\n{text}":
        raise ManifestError(
            f"{file} holds template directives ({{{{ ... }}}}): render it first, as in"
            " helm template CHART | archcheck analyze -",
            Location(file, 1, 1),
        )
    found: list[Manifest] = []
    for index, (data, positions) in enumerate(
        load_yaml_documents(text, file, _error, what="Kubernetes manifest")
    ):
        if data is None:
            continue
        if not isinstance(data, Mapping):
            raise ManifestError(
                f"document {index + 1} is not a mapping: each document is one object with"
                " apiVersion, kind and metadata",
                locate(positions, ()),
            )
        if str(data.get("apiVersion", "")).startswith(_NOT_OBJECTS):
            continue
        if "apiVersion" not in data and "kind" not in data:
            continue  # NOTE: an unrelated YAML file in the folder (values, docs): not an object.
        if data.get("kind") == "List" or str(data.get("kind", "")).endswith("List"):
            items = data.get("items")
            for i, item in enumerate(items if isinstance(items, list) else []):
                found.append(_object(item, positions, file, index, ("items", i)))
            continue
        found.append(_object(data, positions, file, index, ()))
    return found


def _object(
    data: Any, positions: Positions, file: str, index: int, base: KeyPath
) -> Manifest:
    where = locate(positions, base)
    if not isinstance(data, Mapping):
        raise ManifestError("a List item is not an object mapping; fix the item", where)
    for key in ("apiVersion", "kind"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ManifestError(
                f"object has no {key}: every Kubernetes object needs apiVersion, kind and"
                " metadata.name",
                where,
            )
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if not isinstance(name, str) or not name:
        raise ManifestError(
            f"{data['kind']} has no metadata.name; name the object",
            locate(positions, (*base, "metadata")),
        )
    namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    return Manifest(
        api_version=str(data["apiVersion"]),
        kind=str(data["kind"]),
        name=name,
        namespace=str(namespace) if namespace else None,
        data=data,
        positions=positions,
        file=file,
        document=index,
        base=base,
    )
