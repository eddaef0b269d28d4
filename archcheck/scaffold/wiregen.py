"""Write ``cmd/worker/wire_gen.go`` exactly as ``wire gen`` (google/wire v0.6/v0.7) would.

Users should not need the wire tool to build the worker, and the worker's injector depends on
the target service's own ``data`` and ``biz`` providers, so the scaffold resolves the provider
graph itself. It follows wire's algorithm (``internal/wire/analyze.go: solve``) and naming
(``typeVariableName``, ``unexport``, ``disambiguate``) for the subset layout-style services use:
plain constructor functions, ``wire.Bind`` and sets of the same package in ``var ProviderSet =
wire.NewSet(...)``, read through the tree-sitter Go layer. Anything else is refused with a
message, never guessed; a test compares the output with the real tool's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from archcheck.errors import ScaffoldError
from archcheck.structs import dataclass, field

if TYPE_CHECKING:
    from tree_sitter import Node

    from archcheck.sources.go.syntax import GoSource

_KEYWORDS = frozenset(
    [
        "break",
        "case",
        "chan",
        "const",
        "continue",
        "default",
        "defer",
        "else",
        "fallthrough",
        "for",
        "func",
        "go",
        "goto",
        "if",
        "import",
        "interface",
        "map",
        "package",
        "range",
        "return",
        "select",
        "struct",
        "switch",
        "type",
        "var",
    ]
)
_BASIC = frozenset(
    [
        "bool",
        "byte",
        "complex64",
        "complex128",
        "float32",
        "float64",
        "int",
        "int8",
        "int16",
        "int32",
        "int64",
        "rune",
        "string",
        "uint",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "uintptr",
    ]
)
"""Go's predeclared basic types."""
_UNIVERSE = _BASIC | frozenset(
    [
        "error",
        "any",
        "comparable",
        "true",
        "false",
        "iota",
        "nil",
        "append",
        "cap",
        "clear",
        "close",
        "complex",
        "copy",
        "delete",
        "imag",
        "len",
        "make",
        "max",
        "min",
        "new",
        "panic",
        "print",
        "println",
        "real",
        "recover",
    ]
)
"""Every predeclared Go identifier: never a package-qualified name."""


@dataclass(frozen=True)
class GoType:
    """A Go type as wire sees it: named (package path + name), basic, or something else."""

    pointer: bool
    pkg_path: str | None
    pkg_name: str | None
    name: str
    """The type name, or the whole expression for types with no name (slices, funcs...)."""
    named: bool = True

    @property
    def key(self) -> str:
        return (
            ("*" if self.pointer else "")
            + (f"{self.pkg_path}." if self.pkg_path else "")
            + self.name
        )

    def qualified(self, qualify: dict[str, str], here: str) -> str:
        """The type as written in package ``here`` with import names ``qualify``."""
        prefix = "*" if self.pointer else ""
        if self.pkg_path is None or self.pkg_path == here:
            return prefix + self.name
        return f"{prefix}{qualify[self.pkg_path]}.{self.name}"


@dataclass(frozen=True)
class Provider:
    """A constructor function: its arguments and output, and whether it returns cleanup/error."""

    pkg_path: str
    pkg_name: str
    name: str
    args: tuple[GoType, ...]
    out: GoType
    cleanup: bool
    err: bool


@dataclass
class Package:
    """What the resolver knows of one Go package."""

    path: str
    name: str
    files: list[GoSource] = field(default_factory=list)
    """Its files, parsed by the tree-sitter Go layer."""
    imports: dict[str, str] = field(default_factory=dict)
    """Local import name -> path, over all files (layout packages use consistent names)."""

    def declarations(self) -> Iterator[Node]:
        """Top-level declarations of every file."""
        for f in self.files:
            yield from f.root.named_children


def package_name(path: str, known: dict[str, str]) -> str:
    """The package clause of ``path``: read for our module, the last element for others."""
    if path in known:
        return known[path]
    parts = path.split("/")
    last = parts[-1]
    if re.fullmatch(r"v\d+", last) and len(parts) > 1:
        last = parts[-2]
    return re.split(r"[.-]", last.removeprefix("go-"))[0] if "." in last or "-" in last else last


def _imports(files: list[GoSource], known: dict[str, str]) -> dict[str, str]:
    """Local name -> path over ``files``; unnamed imports get the name their package declares."""
    s = _syntax()
    found: dict[str, str] = {}
    for f in files:
        for spec in s.walk(f.root):
            if spec.type != "import_spec":
                continue
            path = s.string_value(spec.child_by_field_name("path")) or ""
            alias = s.name_of(spec)
            if alias not in ("_", "."):
                found[alias or package_name(path, known)] = path
    return found


def _syntax() -> Any:
    """The tree-sitter Go layer (imported on first use)."""
    from archcheck.sources.go import syntax

    return syntax


def _types(params: Node | None, where: str) -> list[str]:
    """The type of each value of a parameter or result list (``a, b int`` is two ints)."""
    s = _syntax()
    if params is None:
        return []
    if params.type not in ("parameter_list", "parameters"):
        return [s.text(params)]
    out: list[str] = []
    for decl in params.named_children:
        if decl.type == "variadic_parameter_declaration" or any(
            c.type == "..." for c in decl.children
        ):
            raise ScaffoldError(
                f"{where} is variadic: not supported by the scaffold's wire resolver"
            )
        if decl.type == "parameter_declaration":
            kind = " ".join(s.text(decl.child_by_field_name("type")).split())
            out += [kind] * max(1, len(decl.children_by_field_name("name")))
    return out


class Resolver:
    """Reads provider sets from package sources and writes the injector wire would write."""

    def __init__(self, packages: dict[str, Package]) -> None:
        self.packages = packages
        self.known_names = {p.path: p.name for p in packages.values()}

    def parse_type(self, expr: str, pkg: Package) -> GoType:
        expr = expr.strip()
        pointer = expr.startswith("*")
        base = expr.lstrip("*").strip()
        m = re.fullmatch(r"(\w+)\.(\w+)", base)
        if m:
            path = pkg.imports.get(m[1])
            if path is None:
                raise ScaffoldError(f"package {pkg.path}: cannot resolve type {expr}")
            return GoType(pointer, path, package_name(path, self.known_names), m[2])
        if re.fullmatch(r"\w+", base):
            if base in _BASIC:
                return GoType(pointer, None, None, base)
            if base in ("error", "any"):
                return GoType(pointer, None, None, base, named=False)
            return GoType(pointer, pkg.path, pkg.name, base)
        return GoType(pointer, None, None, expr, named=False)

    def _function(self, pkg: Package, name: str) -> Provider:
        s = _syntax()
        fn = next(
            (
                d
                for d in pkg.declarations()
                if d.type == "function_declaration" and s.name_of(d) == name
            ),
            None,
        )
        if fn is None:
            raise ScaffoldError(
                f"package {pkg.path}: ProviderSet names {name}, but no func {name}(...) was found"
                " (only plain constructor functions are supported; run wire yourself otherwise)"
            )
        where = f"{pkg.path}.{name}"
        args = [
            self.parse_type(t, pkg) for t in _types(fn.child_by_field_name("parameters"), where)
        ]
        outs = _types(fn.child_by_field_name("result"), where)
        if not outs:
            raise ScaffoldError(f"{pkg.path}.{name} returns nothing: it cannot be a provider")
        cleanup = len(outs) > 1 and outs[1].replace(" ", "") == "func()"
        err = outs[-1] == "error" and len(outs) > 1
        if len(outs) != 1 + cleanup + err:
            raise ScaffoldError(
                f"{pkg.path}.{name}: unsupported provider results ({', '.join(outs)})"
            )
        return Provider(
            pkg.path, pkg.name, name, tuple(args), self.parse_type(outs[0], pkg), cleanup, err
        )

    def _set(self, pkg: Package, name: str) -> list[Node] | None:
        """The arguments of ``var name = wire.NewSet(...)``, or None when there is no such set."""
        s = _syntax()
        for decl in pkg.declarations():
            if decl.type != "var_declaration":
                continue
            for spec in s.walk(decl):
                if spec.type != "var_spec" or s.name_of(spec) != name:
                    continue
                value = spec.child_by_field_name("value")
                call = (
                    value.named_children[0] if value is not None and value.named_children else None
                )
                if call is not None and call.type == "call_expression":
                    fn = call.child_by_field_name("function")
                    arguments = call.child_by_field_name("arguments")
                    if s.text(fn) == "wire.NewSet" and arguments is not None:
                        return [a for a in arguments.named_children if a.type != "comment"]
        return None

    def provider_set(
        self, path: str, name: str = "ProviderSet", _seen: frozenset[str] = frozenset()
    ) -> tuple[list[Provider], dict[str, GoType]]:
        """The providers and interface bindings of ``path``'s set ``name``, with the sets of
        the same package it includes (``wire.NewSet(NewServer, Bindings)``) flattened in."""
        s = _syntax()
        pkg = self.packages[path]
        args = self._set(pkg, name)
        if args is None:
            raise ScaffoldError(f"package {path} has no `var {name} = wire.NewSet(...)`")
        providers: list[Provider] = []
        binds: dict[str, GoType] = {}
        for arg in args:
            text = " ".join(s.text(arg).split())
            bind = _bind(arg) if arg.type == "call_expression" else None
            if bind is not None:
                binds[self.parse_type(bind[0], pkg).key] = self.parse_type(bind[1], pkg)
            elif arg.type == "identifier" and self._set(pkg, text) is not None:
                if text in _seen or text == name:
                    raise ScaffoldError(f"package {path}: provider set {text} includes itself")
                more, more_binds = self.provider_set(path, text, _seen | {name})
                providers += more
                binds.update(more_binds)
            elif arg.type == "identifier":
                providers.append(self._function(pkg, text))
            else:
                raise ScaffoldError(
                    f"package {path}: {name} entry `{text}` is not supported by the scaffold's"
                    " wire resolver (plain functions, wire.Bind and sets of the same package);"
                    " run `go generate ./cmd/worker` with wire installed after scaffolding"
                )
        return providers, binds

    def solve(
        self,
        *,
        params: list[GoType],
        out: GoType,
        sets: list[str],
        funcs: list[tuple[str, str]],
    ) -> tuple[list[tuple[Provider, list[int]]], list[str]]:
        """wire's ``solve``: the calls in order, and which of ``sets``/``funcs`` were used.

        ``sets`` are package paths whose ``ProviderSet`` is passed to ``wire.Build``; ``funcs``
        are (package path, function) passed directly. Unused ones are left out of the result so
        the caller can drop them from ``wire.Build`` (wire rejects unused providers).
        """
        providers: dict[str, Provider] = {}
        binds: dict[str, GoType] = {}
        origin: dict[str, str] = {}
        groups: list[tuple[str, list[Provider], dict[str, GoType]]] = []
        for path in sets:
            ps, bs = self.provider_set(path)
            groups.append((path, ps, bs))
        groups += [(f"{pkg}.{f}", [self._function(self.packages[pkg], f)], {}) for pkg, f in funcs]
        for label, ps, bs in groups:
            for p in ps:
                if p.out.key in providers or p.out.key in binds:
                    raise ScaffoldError(
                        f"two providers for {p.out.key}: {origin[p.out.key]} and {label}"
                    )
                providers[p.out.key] = p
                origin[p.out.key] = label
            for k, v in bs.items():
                if k in providers or k in binds:
                    raise ScaffoldError(f"two providers for {k}: {origin[k]} and {label}")
                binds[k] = v
                origin[k] = label

        index: dict[str, int] = {t.key: i for i, t in enumerate(params)}
        calls: list[tuple[Provider, list[int]]] = []
        used: set[str] = set()
        stack: list[tuple[GoType, list[str]]] = [(out, [])]
        while stack:
            cur, chain = stack.pop()
            if cur.key in index:
                continue
            if cur.key in binds:
                used.add(origin[cur.key])
                concrete = binds[cur.key]
                if concrete.key not in index:
                    stack += [(cur, chain), (concrete, [*chain, cur.key])]
                else:
                    index[cur.key] = index[concrete.key]
                continue
            if cur.key not in providers:
                needed = " <- ".join(reversed(chain)) or "the injector"
                raise ScaffoldError(
                    f"no provider found for {cur.key} (needed by {needed}): the worker injector"
                    " only gets *conf.Data, *worker.Config, Mode and log.Logger; make the"
                    " service's data/biz ProviderSet provide it"
                )
            used.add(origin[cur.key])
            p = providers[cur.key]
            missing = [a for a in p.args if a.key not in index]
            if missing:
                stack.append((cur, chain))
                stack += [(a, [*chain, cur.key]) for a in reversed(missing)]
                continue
            index[cur.key] = len(params) + len(calls)
            calls.append((p, [index[a.key] for a in p.args]))
        labels = [*sets, *(f"{pkg}.{f}" for pkg, f in funcs)]
        return calls, [label for label in labels if label in used]

    def generate(
        self,
        *,
        here: Package,
        injector: str,
        doc: str,
        params: list[GoType],
        out: GoType,
        calls: list[tuple[Provider, list[int]]],
        scope: set[str],
        anon_imports: list[str],
    ) -> str:
        """wire_gen.go for one injector returning ``(out, func(), error)``."""
        imports: dict[str, str] = {}

        def qualify(path: str, name: str) -> None:
            if path == here.path or path in imports:
                return
            imports[path] = _disambiguate(
                name, lambda n: n == "err" or n in imports.values() or n in file_scope
            )

        file_scope = scope | _UNIVERSE
        for t in [*params, out]:
            if t.pkg_path and t.pkg_name:
                qualify(t.pkg_path, t.pkg_name)
        for p, _ in calls:
            qualify(p.pkg_path, p.pkg_name)

        def in_file(n: str) -> bool:
            return n in file_scope or n in imports.values()

        err_var = _disambiguate("err", in_file)
        names: list[str] = []
        cleanups: list[str] = []

        def in_injector(n: str) -> bool:
            return n == err_var or n in names or n in cleanups or in_file(n)

        param_names: list[str] = []
        for t in params:
            param_names.append(_type_variable_name(t, "arg", in_injector))
            names.append(param_names[-1])
        lines = [f"// {line}".rstrip() for line in doc.splitlines()]
        sig = ", ".join(
            f"{n} {t.qualified(imports, here.path)}"
            for n, t in zip(param_names, params, strict=True)
        )
        out_s = out.qualified(imports, here.path)
        lines.append(f"func {injector}({sig}) ({out_s}, func(), error) {{")
        local: list[str] = []
        for p, args in calls:
            lname = _type_variable_name(p.out, "v", in_injector)
            names.append(lname)
            local.append(lname)
            prev = len(cleanups)
            lhs = lname
            if p.cleanup:
                cname = _disambiguate("cleanup", in_injector)
                cleanups.append(cname)
                lhs += f", {cname}"
            if p.err:
                lhs += f", {err_var}"
            fn = p.name if p.pkg_path == here.path else f"{imports[p.pkg_path]}.{p.name}"
            argv = ", ".join(names[a] for a in args)
            lines.append(f"\t{lhs} := {fn}({argv})")
            if p.err:
                lines.append(f"\tif {err_var} != nil {{")
                lines += [f"\t\t{c}()" for c in reversed(cleanups[:prev])]
                lines.append("\t\treturn nil, nil, err")
                lines.append("\t}")
        result = local[-1] if local else param_names[0]
        lines.append(f"\treturn {result}, func() {{")
        lines += [f"\t\t{c}()" for c in reversed(cleanups)]
        lines.append("\t}, nil")
        lines.append("}")
        head = [
            "// Code generated by Wire. DO NOT EDIT.",
            "",
            "//go:generate go run -mod=mod github.com/google/wire/cmd/wire",
            "//go:build !wireinject",
            "// +build !wireinject",
            "",
            f"package {here.name}",
            "",
        ]
        if imports:
            head.append("import (")
            for path in sorted(imports):
                name = imports[path]
                default = package_name(path, self.known_names)
                head.append(f'\t"{path}"' if name == default else f'\t{name} "{path}"')
            head += [")", ""]
        if anon_imports:
            head.append("import (")
            head += [f"\t_ {imp}" for imp in sorted(anon_imports)]
            head += [")", ""]
        head += ["// Injectors from wire.go:", ""]
        return "\n".join(head + lines) + "\n"


def _bind(call: Node) -> tuple[str, str] | None:
    """(interface, implementation) of ``wire.Bind(new(I), new(T))``."""
    s = _syntax()
    if s.text(call.child_by_field_name("function")) != "wire.Bind":
        return None
    arguments = call.child_by_field_name("arguments")
    news = [a for a in arguments.named_children if a.type != "comment"] if arguments else []
    types: list[str] = []
    for new in news:
        inner = new.child_by_field_name("arguments") if new.type == "call_expression" else None
        if s.text(new.child_by_field_name("function")) != "new" or inner is None:
            return None
        types.append(" ".join(s.text(inner)[1:-1].split()))
    return (types[0], types[1]) if len(types) == 2 else None


def _unexport(name: str) -> str:
    """wire's ``unexport``: ``Foo`` -> ``foo``, ``HTTPServer`` -> ``httpServer``."""
    if not name or not name[0].isupper():
        return name
    if len(name) == 1 or not name[1].isupper():
        return name[0].lower() + name[1:]
    out = [name[0].lower()]
    i = 1
    while i < len(name) and name[i].isupper():
        if i + 1 < len(name) and name[i + 1].islower():
            break
        out.append(name[i].lower())
        i += 1
    return "".join(out) + name[i:]


def _disambiguate(name: str, collides: object) -> str:
    assert callable(collides)
    if name not in _KEYWORDS and not collides(name):
        return name
    base = name + "_" if name[-1:].isdigit() else name
    n = 2
    while True:
        cand = f"{base}{n}"
        if cand not in _KEYWORDS and not collides(cand):
            return cand
        n += 1


def _type_variable_name(t: GoType, default: str, collides: object) -> str:
    assert callable(collides)
    names: list[str] = []
    if t.named:
        names.append(t.name)
        if t.pkg_name:
            names.append(t.pkg_name + t.name[:1].upper() + t.name[1:])
    if not names:
        names.append(default)
    names = [_unexport(n) for n in names]
    for n in names:
        if n not in _KEYWORDS and not collides(n):
            return n
    return _disambiguate(names[0], collides)


def package_from_source(path: str, sources: list[str], known: dict[str, str]) -> Package:
    """A Package from its files' text (package clause from the first file)."""
    s = _syntax()
    files = [s.GoSource.parse(text.encode("utf-8")) for text in sources]
    name = next((f.package for f in files if f.package), "")
    if not name:
        raise ScaffoldError(f"package {path} has no Go files")
    return Package(path=path, name=name, files=files, imports=_imports(files, known))


def package_scope(pkg: Package) -> set[str]:
    """Package-level names declared in ``pkg`` (functions, types, vars, consts)."""
    s = _syntax()
    names: set[str] = set()
    for decl in pkg.declarations():
        if decl.type == "function_declaration":
            names.add(s.name_of(decl) or "")
        elif decl.type in ("type_declaration", "var_declaration", "const_declaration"):
            for spec in s.walk(decl):
                if spec.type in ("type_spec", "type_definition", "type_alias"):
                    names.add(s.name_of(spec) or "")
                elif spec.type in ("var_spec", "const_spec"):
                    names |= {s.text(n) for n in spec.children_by_field_name("name")}
    return names - {""}


def anon_imports(pkg: Package) -> list[str]:
    """``_ "path"`` imports, as written (wire copies them into wire_gen.go)."""
    s = _syntax()
    return sorted(
        {
            s.text(spec.child_by_field_name("path"))
            for f in pkg.files
            for spec in s.walk(f.root)
            if spec.type == "import_spec" and s.name_of(spec) == "_"
        }
    )
