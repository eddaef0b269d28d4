"""Write ``cmd/worker/wire_gen.go`` exactly as ``wire gen`` (google/wire v0.6/v0.7) would.

Users should not need the wire tool to build the worker, and the worker's injector depends on
the target service's own ``data`` and ``biz`` providers, so the scaffold resolves the provider
graph itself. It follows wire's algorithm (``internal/wire/analyze.go: solve``) and naming
(``typeVariableName``, ``unexport``, ``disambiguate``) for the subset layout-style services use:
plain constructor functions and ``wire.Bind`` in ``var ProviderSet = wire.NewSet(...)``. Anything
else is refused with a message, never guessed; a test compares the output with the real tool's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archcheck.errors import ScaffoldError

GoFiles = dict[str, str]
"""Package import path -> concatenated source of its non-test files."""

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
    source: str
    imports: dict[str, str] = field(default_factory=dict)
    """Local import name -> path, over all files (layout packages use consistent names)."""


def package_name(path: str, known: dict[str, str]) -> str:
    """The package clause of ``path``: read for our module, the last element for others."""
    if path in known:
        return known[path]
    parts = path.split("/")
    last = parts[-1]
    if re.fullmatch(r"v\d+", last) and len(parts) > 1:
        last = parts[-2]
    return re.split(r"[.-]", last.removeprefix("go-"))[0] if "." in last or "-" in last else last


def _imports(source: str, known: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    blocks = re.findall(r"^import\s*\((.*?)^\)", source, re.MULTILINE | re.DOTALL)
    singles = re.findall(r'^import\s+((?:\w+\s+)?"[^"]+")', source, re.MULTILINE)
    for line in [ln for b in blocks for ln in b.splitlines()] + singles:
        m = re.match(r'\s*(\w+|\.)?\s*"([^"]+)"', line)
        if m is None:
            continue
        alias, path = m[1], m[2]
        if alias in ("_", "."):
            continue
        found[alias or package_name(path, known)] = path
    return found


def _matching(text: str, start: int) -> int:
    """Index just past the bracket that closes the one at ``start``."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "([{":
            depth += 1
        elif text[i] in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
    raise ScaffoldError("unbalanced brackets in Go source: does it compile?")


def _split_top(text: str) -> list[str]:
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return [p for p in (re.sub(r"//[^\n]*", "", p).strip() for p in parts) if p]


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
        m = re.search(rf"^func\s+{re.escape(name)}\s*\(", pkg.source, re.MULTILINE)
        if m is None:
            raise ScaffoldError(
                f"package {pkg.path}: ProviderSet names {name}, but no func {name}(...) was found"
                " (only plain constructor functions are supported; run wire yourself otherwise)"
            )
        params_end = _matching(pkg.source, m.end() - 1)
        params = pkg.source[m.end() : params_end - 1]
        results = pkg.source[params_end : pkg.source.index("{", params_end)].strip()
        if results.startswith("("):
            results = results[1:-1]
        args = [self.parse_type(t, pkg) for t in _param_types(params, f"{pkg.path}.{name}")]
        outs = _param_types(results, f"{pkg.path}.{name}")
        if not outs:
            raise ScaffoldError(f"{pkg.path}.{name} returns nothing: it cannot be a provider")
        cleanup = len(outs) > 1 and outs[1].replace(" ", "") == "func()"
        err = outs[-1] == "error" and len(outs) > 1
        if len(outs) != 1 + cleanup + err:
            raise ScaffoldError(f"{pkg.path}.{name}: unsupported provider results ({results})")
        return Provider(
            pkg.path, pkg.name, name, tuple(args), self.parse_type(outs[0], pkg), cleanup, err
        )

    def provider_set(
        self, path: str, name: str = "ProviderSet", _seen: frozenset[str] = frozenset()
    ) -> tuple[list[Provider], dict[str, GoType]]:
        """The providers and interface bindings of ``path``'s set ``name``, with the sets of
        the same package it includes (``wire.NewSet(NewServer, Bindings)``) flattened in."""
        pkg = self.packages[path]
        m = re.search(
            rf"^var\s+{re.escape(name)}\s*=\s*wire\.NewSet\s*\(", pkg.source, re.MULTILINE
        )
        if m is None:
            raise ScaffoldError(f"package {path} has no `var {name} = wire.NewSet(...)`")
        body = pkg.source[m.end() : _matching(pkg.source, m.end() - 1) - 1]
        providers: list[Provider] = []
        binds: dict[str, GoType] = {}
        for arg in _split_top(body):
            bind = re.fullmatch(
                r"wire\.Bind\(\s*new\((.+?)\)\s*,\s*new\((.+?)\)\s*\)", arg, re.DOTALL
            )
            if bind:
                binds[self.parse_type(bind[1], pkg).key] = self.parse_type(bind[2], pkg)
            elif re.fullmatch(r"\w+", arg) and re.search(
                rf"^var\s+{arg}\s*=\s*wire\.NewSet\s*\(", pkg.source, re.MULTILINE
            ):
                if arg in _seen or arg == name:
                    raise ScaffoldError(f"package {path}: provider set {arg} includes itself")
                more, more_binds = self.provider_set(path, arg, _seen | {name})
                providers += more
                binds.update(more_binds)
            elif re.fullmatch(r"\w+", arg):
                providers.append(self._function(pkg, arg))
            else:
                raise ScaffoldError(
                    f"package {path}: {name} entry `{arg}` is not supported by the scaffold's"
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


def _param_types(text: str, where: str) -> list[str]:
    """The type of each parameter in a Go parameter or result list (names dropped)."""
    parts = _split_top(text)
    if not parts:
        return []
    named = any(re.match(r"^\w+\s+\S", p) and not p.startswith("func") for p in parts)
    if not named:
        return parts
    types: list[str] = []
    pending = 0
    for p in parts:
        m = re.match(r"^(\w+)\s+(.+)$", p, re.DOTALL)
        if m is None:
            pending += 1
            continue
        if m[2].startswith("..."):
            raise ScaffoldError(
                f"{where} is variadic: not supported by the scaffold's wire resolver"
            )
        types += [m[2].strip()] * (pending + 1)
        pending = 0
    if pending:
        raise ScaffoldError(f"cannot read the parameters of {where}")
    return types


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
    text = "\n".join(sources)
    m = re.search(r"^package\s+(\w+)", text, re.MULTILINE)
    if m is None:
        raise ScaffoldError(f"package {path} has no Go files")
    return Package(path=path, name=m[1], source=text, imports=_imports(text, known))


def package_scope(source: str) -> set[str]:
    """Package-level names declared in ``source`` (functions, types, vars, consts)."""
    names = set(re.findall(r"^(?:func|type|var|const)\s+(\w+)", source, re.MULTILINE))
    for block in re.findall(r"^(?:var|const)\s*\((.*?)^\)", source, re.MULTILINE | re.DOTALL):
        names |= set(re.findall(r"^\t(\w+)\b", block, re.MULTILINE))
    return names


def anon_imports(source: str) -> list[str]:
    """``_ "path"`` imports, as written (wire copies them into wire_gen.go)."""
    return sorted(set(re.findall(r'^\s*_\s+("[^"]+")', source, re.MULTILINE)))
