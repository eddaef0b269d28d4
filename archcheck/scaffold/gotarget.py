"""Read what the scaffold needs from the target Go service: go.mod, conf, use cases, inline work.

Go files are read through the one tree-sitter layer (``archcheck.sources.go.syntax``): type,
function and method declarations by their syntax, not by their text. ``go.mod`` is read by its
directives. Anything not recognised counts as absent, so the generated code falls back to ports
that compile anyway.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archcheck.errors import ScaffoldError
from archcheck.files.read import read_text
from archcheck.model import Location
from archcheck.sources.gomodule import KRATOS
from archcheck.sources.gomodule import module_root as find_module_root
from archcheck.structs import dataclass, field

if TYPE_CHECKING:
    from tree_sitter import Node

    from archcheck.sources.go.syntax import GoSource

_MODULE = re.compile(r"^module\s+(\S+)", re.MULTILINE)
_GO_LINE = re.compile(r"^go\s+(\d+)\.(\d+)(?:\.(\d+))?\s*$", re.MULTILINE)
_INLINE_CALLS = {
    ("cron", "New"): "an inline cron scheduler",
    ("time", "NewTicker"): "an inline ticker",
    (None, "AddTopicEventHandler"): "an inline Dapr subscription",
}
"""(package alias or None for any receiver, function) -> what the call is."""
_SUBSCRIBE_ROUTE = "/dapr/subscribe"

# (minimum go line, dapr/go-sdk, client_golang), after go-worker-notes section 0, except that
# dapr/go-sdk v1.11.0 has no Subscription.DeadLetterTopic (checked in its source), so v1.12.0
# (go 1.23.6) is the floor: an older service's go line is raised by `go mod tidy`.
_VERSION_TABLE = (
    ((1, 24, 6), "v1.13.0", "v1.23.2"),
    ((1, 22, 0), "v1.12.0", "v1.23.2"),
)
MIN_GO_AFTER_TIDY = {"v1.13.0": (1, 24, 6), "v1.12.0": (1, 23, 6), "v1.14.2": (1, 26, 0)}
"""The go line ``go mod tidy`` raises the service to, per dapr/go-sdk pin."""
KRATOS_VERSION = "v2.9.2"
CRON_VERSION = "v3.0.1"
WIRE_VERSION = "v0.6.0"


@dataclass(frozen=True)
class Method:
    """A use-case method the scaffold can call: ``(ctx) error`` for jobs, ``(ctx, *T) error`` for events."""

    usecase: str
    name: str
    payload: str | None
    """The biz struct an event decodes into; None for a job method."""
    location: Location


@dataclass(frozen=True)
class InlineWork:
    """Background work the API process still runs; it must go once the workers exist."""

    what: str
    location: Location


@dataclass(frozen=True)
class GoTarget:
    """The facts of one Go service that the templates depend on."""

    root: Path
    """The service's folder (``cmd/``, ``internal/``); in a monorepo below the module root."""
    module: str
    """The import path of ``root``: the go.mod module plus ``root``'s path inside it."""
    go_version: tuple[int, int, int]
    conf_data: bool
    """``conf.Bootstrap`` has a ``Data *Data`` field: the injector takes ``*conf.Data``."""
    usecases: tuple[str, ...]
    methods: tuple[Method, ...]
    has_conf: bool = True
    """``internal/conf`` exists: the worker scans ``conf.Bootstrap`` like the API does."""
    provider_sets: tuple[str, ...] = ()
    """Layers (``data``, ``biz``) declaring ``var ProviderSet = wire.NewSet(...)``."""
    inline_work: tuple[InlineWork, ...] = ()
    requires: dict[str, str] = field(default_factory=dict)
    module_root: Path | None = None
    """The folder of go.mod (``root`` itself unless the service sits in a monorepo)."""

    @property
    def gomod_dir(self) -> Path:
        return self.module_root or self.root

    def find(self, handler: str, *, event: bool) -> Method | None:
        """The method named ``Method`` or ``Usecase.Method`` of the right shape, if unique."""
        usecase, _, name = handler.rpartition(".")
        if usecase not in self.usecases:
            usecase = ""  # a receiver variable (``uc.WarmupCache``) or an unknown type
        found = [
            m
            for m in self.methods
            if m.name == name
            and (not usecase or m.usecase == usecase)
            and (m.payload is not None) == event
        ]
        return found[0] if len(found) == 1 else None


def _read(path: Path) -> str:
    return read_text(path, str(path), error=ScaffoldError)


def _go_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.go") if not p.name.endswith("_test.go"))


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def versions_for(
    go_version: tuple[int, int, int], *, events: bool = True, cron: bool = True
) -> dict[str, str]:
    """The module pins that keep the target's ``go`` line (go-worker-notes section 0), for
    the modules the generated code imports: ``go mod tidy`` drops any other, and adding it
    back would make every ``--check`` after tidy report drift."""
    for minimum, dapr, prom in _VERSION_TABLE:
        if go_version >= minimum:
            pins = {
                "github.com/go-kratos/kratos/v2": KRATOS_VERSION,
                "github.com/google/wire": WIRE_VERSION,
                "github.com/prometheus/client_golang": prom,
            }
            if events:
                pins["github.com/dapr/go-sdk"] = dapr
            if cron:
                pins["github.com/robfig/cron/v3"] = CRON_VERSION
            return pins
    raise ScaffoldError(
        "the service's go.mod says go {}.{}; the worker needs go 1.22 or newer:"
        " raise the go line (go mod edit -go=1.24.6)".format(*go_version[:2])
    )


def read_target(root: Path) -> GoTarget:
    """Read ``root`` (the directory holding ``go.mod``) or raise a ScaffoldError saying what is missing."""
    if not root.is_dir():
        raise ScaffoldError(
            f"{root} is not a directory: pass the service's Go source with --source DIR"
        )
    module_root = find_module_root(root)  # one rule with the analysis' code kind
    if module_root is None:
        raise ScaffoldError(
            f"no go.mod in {root} or the folders above it: point --source at the service's Go"
            " code (the folder holding cmd/ and internal/) inside a Go module"
        )
    gomod = module_root / "go.mod"
    text = _read(gomod)
    mod = _MODULE.search(text)
    if mod is None:
        raise ScaffoldError(
            "go.mod has no module line: add one (go mod init MODULE)",
            Location(file=str(gomod), line=1),
        )
    go = _GO_LINE.search(text)
    go_version = (1, 22, 0)
    if go is not None:
        go_version = (int(go[1]), int(go[2]), int(go[3] or 0))
    kratos = KRATOS.search(text)
    if kratos is None:
        raise ScaffoldError(
            "the service does not require github.com/go-kratos/kratos/v2: the generated worker"
            " uses the Kratos v2 lifecycle; add the requirement (go get"
            f" github.com/go-kratos/kratos/v2@{KRATOS_VERSION}) or scaffold a Kratos service",
            Location(file=str(gomod), line=1),
        )
    if kratos[2] != "2" or kratos[3] != "2":
        major = kratos[2] or kratos[3]
        raise ScaffoldError(
            f"the service uses Kratos v{major}; the worker templates are for Kratos v2"
            f" (v2.9.2) only: keep this service on kratos/v2 or write the worker by hand",
            Location(file=str(gomod), line=_line_of(text, kratos.start())),
        )
    versions_for(go_version)
    requires = dict(re.findall(r"^\s*(?:require\s+)?(\S+)\s+(v\S+)", text, re.MULTILINE))

    conf = [_parse(p) for p in _go_files(root / "internal/conf")]
    bootstrap = next((t for c in conf if (t := _structs(c).get("Bootstrap")) is not None), None)
    has_conf = bootstrap is not None or any("Bootstrap" in _type_names(c) for c in conf)
    conf_data = bootstrap is not None and ("Data", "*Data") in _fields(bootstrap)
    provider_sets = tuple(
        layer
        for layer in ("data", "biz")
        if any(_provider_set(_parse(p)) for p in _go_files(root / "internal" / layer))
    )
    biz = [(p, _parse(p)) for p in _go_files(root / "internal/biz")]
    structs = {name for _, g in biz for name in _structs(g) if name[:1].isupper()}
    usecases = [uc for _, g in biz for uc in _usecase_constructors(g)]
    methods: list[Method] = []
    for path, g in biz:
        for node in g.root.named_children:
            if node.type != "method_declaration":
                continue
            found = _use_case_method(node, usecases, structs)
            if found is not None:
                line, _ = g.position(node)
                loc = Location(file=str(path), line=line)
                methods.append(
                    Method(usecase=found[0], name=found[1], payload=found[2], location=loc)
                )
    inside = root.resolve().relative_to(module_root.resolve()).as_posix()
    return GoTarget(
        root=root,
        module_root=module_root,
        module=mod[1] if inside == "." else f"{mod[1]}/{inside}",
        go_version=go_version,
        conf_data=conf_data,
        usecases=tuple(usecases),
        has_conf=has_conf,
        provider_sets=provider_sets,
        methods=tuple(methods),
        inline_work=tuple(_inline_work(root)),
        requires=requires,
    )


def _parse(path: Path) -> GoSource:
    from archcheck.sources.go.syntax import GoSource

    return GoSource.parse(_read(path).encode("utf-8"))


def _type_names(src: GoSource) -> set[str]:
    return {
        name
        for decl in src.root.named_children
        if decl.type == "type_declaration"
        for spec in decl.named_children
        if (name := syntax().name_of(spec)) is not None
    }


def _structs(src: GoSource) -> dict[str, Node]:
    """Struct types declared at the top level: name -> ``struct_type`` node."""
    out: dict[str, Node] = {}
    for decl in src.root.named_children:
        if decl.type != "type_declaration":
            continue
        for spec in decl.named_children:
            kind = spec.child_by_field_name("type")
            name = syntax().name_of(spec)
            if name and kind is not None and kind.type == "struct_type":
                out[name] = kind
    return out


def _fields(struct: Node) -> set[tuple[str, str]]:
    """(name, type) of a struct's named fields, types as written (``*Data``)."""
    s = syntax()
    return {
        (s.text(name), s.text(field.child_by_field_name("type")))
        for field in s.walk(struct)
        if field.type == "field_declaration"
        for name in field.children_by_field_name("name")
    }


def _types(params: Node | None) -> list[str]:
    """The types of a parameter or result list, one per value (``a, b int`` is two ints)."""
    s = syntax()
    if params is None:
        return []
    if params.type != "parameter_list" and params.type != "parameters":
        return [s.text(params)]  # a single unnamed result: ``error``, ``*Usecase``
    out: list[str] = []
    for decl in params.named_children:
        if decl.type not in ("parameter_declaration", "variadic_parameter_declaration"):
            continue
        kind = s.text(decl.child_by_field_name("type"))
        out += [kind] * max(1, len(decl.children_by_field_name("name")))
    return out


def _usecase_constructors(src: GoSource) -> list[str]:
    """Use-case types with a layout constructor: ``func NewXUsecase(...) *XUsecase``."""
    s = syntax()
    found = []
    for fn in src.root.named_children:
        name = s.name_of(fn) if fn.type == "function_declaration" else None
        results = _types(fn.child_by_field_name("result")) if name else []
        if name and results and results[0].startswith("*"):
            kind = results[0][1:]
            if name == f"New{kind}" and re.fullmatch(r"\w*Use[Cc]ase", kind):
                found.append(kind)
    return found


def _use_case_method(
    node: Node, usecases: list[str], structs: set[str]
) -> tuple[str, str, str | None] | None:
    """(use case, method, payload) of ``func (uc *UC) M(ctx context.Context[, m *T]) error``."""
    s = syntax()
    receiver = _types(node.child_by_field_name("receiver"))
    name = s.name_of(node) or ""
    params = _types(node.child_by_field_name("parameters"))
    result = _types(node.child_by_field_name("result"))
    if len(receiver) != 1 or receiver[0][1:] not in usecases or not receiver[0].startswith("*"):
        return None
    if (
        not name[:1].isupper()
        or result != ["error"]
        or not params
        or params[0] != "context.Context"
    ):
        return None
    if len(params) == 1:
        return receiver[0][1:], name, None
    payload = params[1][1:]
    if len(params) == 2 and params[1].startswith("*") and payload in structs:
        return receiver[0][1:], name, payload
    return None


def _provider_set(src: GoSource) -> bool:
    """Whether the file declares ``var ProviderSet = wire.NewSet(...)``."""
    s = syntax()
    for spec in s.walk(src.root):
        if spec.type != "var_spec" or s.name_of(spec) != "ProviderSet":
            continue
        for call in s.walk(spec):
            fn = call.child_by_field_name("function") if call.type == "call_expression" else None
            if fn is not None and s.text(fn) == "wire.NewSet":
                return True
    return False


def syntax() -> Any:
    """The tree-sitter Go layer (imported on first use: start-up stays lean)."""
    from archcheck.sources.go import syntax as module

    return module


def _inline_work(root: Path) -> list[InlineWork]:
    """Schedulers and subscriptions outside ``internal/worker``: the API's copies of the work."""
    s = syntax()
    found: list[InlineWork] = []
    for folder in ("cmd", "internal"):
        for path in sorted((root / folder).rglob("*.go")) if (root / folder).is_dir() else []:
            rel = path.relative_to(root).as_posix()
            if rel.startswith(("cmd/worker/", "internal/worker/")) or rel.endswith("_test.go"):
                continue
            src = _parse(path)
            for node in s.walk(src.root):
                what = None
                if node.type == "call_expression":
                    fn = node.child_by_field_name("function")
                    if fn is not None and fn.type == "selector_expression":
                        operand = s.text(fn.child_by_field_name("operand"))
                        field = s.text(fn.child_by_field_name("field"))
                        what = _INLINE_CALLS.get((operand, field)) or _INLINE_CALLS.get(
                            (None, field)
                        )
                elif (
                    node.type == "interpreted_string_literal"
                    and s.string_value(node) == _SUBSCRIBE_ROUTE
                ):
                    what = "an inline Dapr subscription endpoint"
                if what is not None:
                    line, col = src.position(node)
                    found.append(InlineWork(what, Location(file=str(path), line=line, column=col)))
    return found


def add_requires(gomod: str, requires: dict[str, str]) -> str:
    """``gomod`` with a require line for each module it lacks; existing pins are kept."""
    present = {m for m, _ in re.findall(r"^\s*(?:require\s+)?(\S+)\s+(v\S+)", gomod, re.MULTILINE)}
    missing = [(m, v) for m, v in sorted(requires.items()) if m not in present]
    if not missing:
        return gomod
    block = "".join(f"\t{m} {v}\n" for m, v in missing)
    return gomod.rstrip("\n") + "\n\nrequire (\n" + block + ")\n"


_FROM_GOLANG = re.compile(
    r"^\s*FROM\s+(?:\S+/)?golang:(\d+)\.(\d+)(?:\.(\d+))?", re.MULTILINE | re.IGNORECASE
)


def builder_warning(dockerfile: Path, target: GoTarget, requires: dict[str, str]) -> str | None:
    """A note when the Dockerfile's ``golang:`` builder is older than the go line after tidy."""
    if not dockerfile.is_file():
        return None
    m = _FROM_GOLANG.search(dockerfile.read_text(encoding="utf-8", errors="replace"))
    if m is None:
        return None
    dapr = target.requires.get("github.com/dapr/go-sdk") or requires.get(
        "github.com/dapr/go-sdk", ""
    )
    needed = max(target.go_version, MIN_GO_AFTER_TIDY.get(dapr, (0, 0, 0)))
    image = (int(m[1]), int(m[2]), int(m[3] or 99))
    if image >= needed:
        return None
    line = dockerfile.read_text(encoding="utf-8", errors="replace").count("\n", 0, m.start()) + 1
    want = ".".join(str(p) for p in needed)
    return (
        f"note: {dockerfile}:{line}: the builder image golang:{m[1]}.{m[2]} is older than go {want},"
        f" which go.mod needs after `go mod tidy` (dapr/go-sdk {dapr}): build with golang:{want} or newer"
    )
