"""The Go syntax layer: current Go parses, headers read without a tree agree with the tree."""

from __future__ import annotations

import pytest
from support import REPO

from archcheck.sources.go import syntax

GO_126 = b"""package p

import (
	"iter"
	rc "github.com/robfig/cron/v3"
	_ "embed"
)

type Set[T comparable] = map[T]struct{}

func Empty() *string { return new("") }

func Count(seq iter.Seq[int]) (n int) {
	for range seq {
		n++
	}
	for i := range 10 {
		n += i
	}
	p := new(int64(5))
	_ = p
	_ = rc.New
	return n
}
"""


def test_go_1_26_parses_without_errors() -> None:
    file = syntax.GoSource.parse(GO_126)
    assert syntax.first_error(file.root) is None
    assert file.package == "p"
    assert file.imports == {"iter": "iter", "rc": "github.com/robfig/cron/v3"}


def test_a_real_syntax_error_is_found_and_located() -> None:
    file = syntax.GoSource.parse(b"package p\n\nfunc broken( {\n")
    bad = syntax.first_error(file.root)
    assert bad is not None
    assert file.position(bad)[0] == 3


def test_header_reader_agrees_with_the_tree_on_every_fixture_file() -> None:
    files = sorted((REPO / "fixtures").rglob("*.go"))
    assert files
    for path in files:
        source = path.read_bytes()
        header = syntax.read_header(source)
        tree = syntax.GoSource.parse(source)
        assert header.package == tree.package, path
        assert set(header.imports) >= set(tree.imports.values()), path


def test_header_reader_handles_comments_constraints_and_single_imports() -> None:
    source = b"""// Copyright
//go:build tools && !windows

/* block */ package tools // trailing

import "a/b"
import c "c/d"
import (
	"e" // why
	f "g/h"
)

var x = 1
import "not/an/import"
"""
    header = syntax.read_header(source)
    assert header == syntax.Header(
        "tools", ("a/b", "c/d", "e", "g/h"), "tools && !windows", (("c/d", "c"), ("g/h", "f"))
    )


@pytest.mark.parametrize(
    ("constraint", "tags", "expected"),
    [
        (None, set(), True),
        ("tools", set(), False),
        ("ignore", set(), False),
        ("linux && amd64", {"linux", "amd64"}, True),
        ("!windows", {"linux"}, True),
        ("migrate || (linux && !cgo)", {"linux", "cgo"}, False),
        ("migrate || (linux && !cgo)", {"migrate"}, True),
        ("go1.21", set(), True),
    ],
)
def test_build_constraints(constraint: str | None, tags: set[str], expected: bool) -> None:
    assert syntax.build_satisfied(constraint, frozenset(tags)) is expected


@pytest.mark.parametrize(
    ("name", "excluded"),
    [
        ("a.go", False),
        ("a_test.go", True),
        ("a_windows.go", True),
        ("a_linux.go", False),
        ("a_darwin_arm64.go", True),
        ("a_linux_amd64.go", False),
        ("a_arm64.go", True),
    ],
)
def test_file_names_go_build_leaves_out(name: str, excluded: bool) -> None:
    assert syntax.filename_excluded(name) is excluded


def test_strings_decode_and_columns_count_characters() -> None:
    file = syntax.GoSource.parse(
        'package p\n\nvar s = "é\\n\\x41\\u00e9\\101" + `raw\r\nx`\n'.encode()
    )
    strings = [n for n in syntax.walk(file.root) if n.type.endswith("string_literal")]
    assert [syntax.string_value(n) for n in strings] == ["é\nAéA", "raw\nx"]
    assert file.position(strings[1]) == (3, 31)


@pytest.mark.parametrize(
    ("path", "alias"),
    [
        ("github.com/robfig/cron/v3", "cron"),
        ("github.com/nats-io/nats.go", "nats"),
        ("gopkg.in/yaml.v3", "yaml"),
        ("github.com/rabbitmq/amqp091-go", "amqp091"),
        ("github.com/redis/go-redis/v9", "redis"),
        ("github.com/go-co-op/gocron/v2", "gocron"),
        ("time", "time"),
    ],
)
def test_default_import_alias(path: str, alias: str) -> None:
    assert syntax.default_alias(path) == alias
