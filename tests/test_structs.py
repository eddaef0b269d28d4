"""``archcheck.structs.dataclass`` behaves as ``dataclasses.dataclass`` for what archcheck uses:
each shape below is declared with both decorators and must act the same."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from archcheck import structs

DECORATORS: dict[str, Callable[..., Any]] = {"stdlib": dataclasses.dataclass, "ours": structs.dataclass}


def _shapes(decorate: Callable[..., Any]) -> dict[str, type]:
    @decorate(frozen=True)
    class Point:
        x: int
        y: int = 0
        tags: list[str] = dataclasses.field(default_factory=list)
        cache: dict[str, int] = dataclasses.field(default_factory=dict, repr=False, compare=False)
        LIMIT: ClassVar[int] = 3

    @decorate
    class Mutable:
        name: str
        count: int = dataclasses.field(default=0, compare=False)
        seen: list[int] = dataclasses.field(default_factory=list, init=False)

        def __post_init__(self) -> None:
            self.seen.append(self.count)

    @decorate(frozen=True, kw_only=True)
    class Keywords:
        a: str
        b: int = 1

    @decorate(frozen=True)
    class Child(Point):
        z: int = 9

    @decorate(frozen=True, eq=False)
    class Identity:
        value: int

    @decorate(frozen=True)
    class OwnEq:
        value: int

        def __eq__(self, other: object) -> bool:
            return isinstance(other, OwnEq)

        def __hash__(self) -> int:
            return 7

    @decorate(frozen=True)
    class Empty:
        pass

    # NOTE: pickle finds classes by module and qualified name; give each its own.
    for cls in (Point, Mutable, Keywords, Child, Identity, OwnEq, Empty):
        cls.__qualname__ = f"{cls.__name__}_{decorate.__module__.replace('.', '_')}"
        globals()[cls.__qualname__] = cls
    return {c.__name__: c for c in (Point, Mutable, Keywords, Child, Identity, OwnEq, Empty)}


SHAPES = {name: _shapes(decorate) for name, decorate in DECORATORS.items()}


def _behaviour(shapes: dict[str, type]) -> dict[str, Any]:
    point, mutable, keywords = shapes["Point"], shapes["Mutable"], shapes["Keywords"]
    child, identity, own_eq, empty = (
        shapes["Child"], shapes["Identity"], shapes["OwnEq"], shapes["Empty"]
    )  # fmt: skip
    p = point(1, tags=["a"])
    m = mutable("n", 3)
    out: dict[str, Any] = {
        "repr": repr(p).split("(", 1)[1],
        "eq": p == point(1, tags=["a"]),
        "eq ignores compare=False": p == point(1, tags=["a"], cache={"k": 1}),
        "ne": p != point(2),
        "hash equal": hash(keywords(a="x")) == hash(keywords(a="x")),
        "unhashable list": _raises(lambda: hash(point(1))),
        "fields": [(f.name, f.init, f.repr, f.compare) for f in dataclasses.fields(point)],
        "asdict": dataclasses.asdict(p),
        "replace": dataclasses.asdict(dataclasses.replace(p, y=5)),
        "class default": point.y,
        "classvar": point.LIMIT,
        "match_args": point.__match_args__,
        "is_dataclass": dataclasses.is_dataclass(p),
        "factory fresh": point(1).tags is not point(1).tags,
        "mutable": (m.seen, m == mutable("n", 5)),
        "unhashable when mutable": mutable.__hash__ is None,
        "keywords": repr(keywords(a="x")).split("(", 1)[1],
        "child": dataclasses.asdict(child(1, 2)),
        "child fields": [f.name for f in dataclasses.fields(child)],
        "identity": identity(1) == identity(1),
        "own eq": (own_eq(1) == own_eq(2), hash(own_eq(1))),
        "empty": (empty() == empty(), repr(empty()).split("(", 1)[1]),
        "copy": copy.deepcopy(p) == p,
        "pickle": pickle.loads(pickle.dumps(p)) == p,
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del p.x  # type: ignore[misc]
    with pytest.raises(TypeError):
        keywords("x")
    with pytest.raises(TypeError):
        point()
    return out


def test_both_decorators_behave_the_same() -> None:
    ours, stdlib = _behaviour(SHAPES["ours"]), _behaviour(SHAPES["stdlib"])
    assert ours == stdlib
    assert ours["eq"] and ours["eq ignores compare=False"] and not ours["identity"]


def test_a_stdlib_dataclass_can_subclass_ours() -> None:
    @dataclasses.dataclass(frozen=True)
    class Sub(SHAPES["ours"]["Point"]):  # type: ignore[misc, valid-type]
        w: int = 4

    assert dataclasses.asdict(Sub(1)) == {"x": 1, "y": 0, "tags": [], "cache": {}, "w": 4}


def test_slots_go_to_the_standard_decorator() -> None:
    @structs.dataclass(frozen=True, slots=True)
    class Slotted:
        x: int

    assert Slotted.__slots__ == ("x",) and not hasattr(Slotted(1), "__dict__")


def _raises(call: Callable[[], object]) -> str | None:
    try:
        call()
    except Exception as exc:  # noqa: BLE001 (the type is what is compared)
        return type(exc).__name__
    return None
