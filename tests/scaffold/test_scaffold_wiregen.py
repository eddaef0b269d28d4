"""The scaffold's wire resolver follows google/wire's naming and refuses what it cannot do.

Byte-identity with the real `wire gen` is checked in test_scaffold_go.py; these are the fast
cases, including ones the fixture does not reach.
"""

from __future__ import annotations

import pytest

from archcheck.errors import ScaffoldError
from archcheck.scaffold import wiregen


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Foo", "foo"),
        ("foo", "foo"),
        ("HTTPServer", "httpServer"),
        ("ID", "id"),
        ("URLs", "urLs"),
        ("A", "a"),
    ],
)
def test_unexport_matches_wire(name: str, expected: str) -> None:
    # wire's unexport keeps the last capital of a run when a lower-case letter follows it.
    assert wiregen._unexport(name) == expected


def pkg(path: str, source: str) -> wiregen.Package:
    known = {"example.com/app/internal/conf": "conf", "example.com/app/internal/data": "data"}
    return wiregen.package_from_source(path, [source], known)


DATA = """package data

import (
	"example.com/app/internal/conf"
	"github.com/google/wire"
)

var ProviderSet = wire.NewSet(NewData, NewRepo, wire.Bind(new(Store), new(*Repo)))

type Store interface{}

type Repo struct{}

func NewData(c *conf.Data) (*Data, func(), error) { return nil, nil, nil }

func NewRepo(d *Data,
	name string) *Repo { return nil }
"""


def test_provider_set_with_bind_and_multiline_params() -> None:
    resolver = wiregen.Resolver(
        {"example.com/app/internal/data": pkg("example.com/app/internal/data", DATA)}
    )
    providers, binds = resolver.provider_set("example.com/app/internal/data")
    assert [p.name for p in providers] == ["NewData", "NewRepo"]
    assert providers[0].cleanup and providers[0].err
    assert [a.key for a in providers[1].args] == ["*example.com/app/internal/data.Data", "string"]
    assert binds["example.com/app/internal/data.Store"].key == "*example.com/app/internal/data.Repo"


def test_missing_provider_names_the_chain() -> None:
    resolver = wiregen.Resolver(
        {"example.com/app/internal/data": pkg("example.com/app/internal/data", DATA)}
    )
    here = resolver.packages["example.com/app/internal/data"]
    with pytest.raises(ScaffoldError, match=r"no provider found for string \(needed by"):
        resolver.solve(
            params=[resolver.parse_type("*conf.Data", here)],
            out=resolver.parse_type("Store", here),
            sets=["example.com/app/internal/data"],
            funcs=[],
        )


def test_unsupported_provider_set_entries_are_refused() -> None:
    src = DATA.replace("wire.Bind(new(Store), new(*Repo))", 'wire.Value("x")')
    resolver = wiregen.Resolver(
        {"example.com/app/internal/data": pkg("example.com/app/internal/data", src)}
    )
    with pytest.raises(ScaffoldError, match="not supported"):
        resolver.provider_set("example.com/app/internal/data")


def test_disambiguation_like_wire() -> None:
    taken = {"data", "dataData", "err", "cleanup"}
    assert wiregen._disambiguate("cleanup", taken.__contains__) == "cleanup2"
    assert wiregen._disambiguate("v1", {"v1"}.__contains__) == "v1_2"
    assert wiregen._disambiguate("type", set().__contains__) == "type2"


def test_sets_of_the_same_package_are_flattened_and_a_cycle_is_refused() -> None:
    src = DATA.replace(
        "var ProviderSet = wire.NewSet(NewData, NewRepo, wire.Bind(new(Store), new(*Repo)))",
        "var ProviderSet = wire.NewSet(NewData, Bindings)\n\n"
        "// Bindings is the user's part.\nvar Bindings = wire.NewSet(\n\tNewRepo, // the repo\n"
        "\twire.Bind(new(Store), new(*Repo)),\n)",
    )
    resolver = wiregen.Resolver(
        {"example.com/app/internal/data": pkg("example.com/app/internal/data", src)}
    )
    providers, binds = resolver.provider_set("example.com/app/internal/data")
    assert [p.name for p in providers] == ["NewData", "NewRepo"]
    assert binds["example.com/app/internal/data.Store"].key == "*example.com/app/internal/data.Repo"
    cyclic = src.replace("\tNewRepo, // the repo\n", "\tNewRepo, ProviderSet,\n")
    resolver = wiregen.Resolver(
        {"example.com/app/internal/data": pkg("example.com/app/internal/data", cyclic)}
    )
    with pytest.raises(ScaffoldError, match="includes itself"):
        resolver.provider_set("example.com/app/internal/data")


def test_variadic_providers_and_scope_and_blank_imports() -> None:
    src = DATA.replace("name string) *Repo", "names ...string) *Repo").replace(
        '"github.com/google/wire"', '"github.com/google/wire"\n\t_ "embed"'
    )
    data = pkg("example.com/app/internal/data", src)
    with pytest.raises(ScaffoldError, match="variadic"):
        wiregen.Resolver({data.path: data}).provider_set(data.path)
    assert {"ProviderSet", "Store", "Repo", "NewData", "NewRepo"} <= wiregen.package_scope(data)
    assert wiregen.anon_imports(data) == ['"embed"']
