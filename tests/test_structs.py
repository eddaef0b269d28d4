"""``archcheck.structs.dataclass`` behaves as ``dataclasses.dataclass`` for what archcheck uses:
each shape below is declared with both decorators (and ``field`` of each module) and must act
the same through ``structs.fields``, ``structs.replace`` and ``structs.is_dataclass``."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from archcheck import structs

MODULES: dict[str, Any] = {"stdlib": dataclasses, "ours": structs}


def _asdict(obj: Any) -> Any:
    if structs.is_dataclass(obj):
        return {f.name: _asdict(getattr(obj, f.name)) for f in structs.fields(obj)}
    return copy.deepcopy(obj)


def _shapes(module: Any) -> dict[str, type]:
    decorate, field = module.dataclass, module.field

    @decorate(frozen=True)
    class Point:
        x: int
        y: int = 0
        tags: list[str] = field(default_factory=list)
        cache: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
        LIMIT: ClassVar[int] = 3

    @decorate
    class Mutable:
        name: str
        count: int = field(default=0, compare=False)
        seen: list[int] = field(default_factory=list, init=False)

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
        cls.__qualname__ = f"{cls.__name__}_{module.__name__.replace('.', '_')}"
        globals()[cls.__qualname__] = cls
    return {c.__name__: c for c in (Point, Mutable, Keywords, Child, Identity, OwnEq, Empty)}


SHAPES = {name: _shapes(module) for name, module in MODULES.items()}


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
        "fields": [(f.name, f.init, f.repr, f.compare) for f in structs.fields(point)],
        "asdict": _asdict(p),
        "replace": _asdict(structs.replace(p, y=5)),
        "class default": point.y,
        "classvar": point.LIMIT,
        "match_args": point.__match_args__,
        "is_dataclass": structs.is_dataclass(p),
        "factory fresh": point(1).tags is not point(1).tags,
        "mutable": (m.seen, m == mutable("n", 5)),
        "unhashable when mutable": mutable.__hash__ is None,
        "keywords": repr(keywords(a="x")).split("(", 1)[1],
        "child": _asdict(child(1, 2)),
        "child fields": [f.name for f in structs.fields(child)],
        "identity": identity(1) == identity(1),
        "own eq": (own_eq(1) == own_eq(2), hash(own_eq(1))),
        "empty": (empty() == empty(), repr(empty()).split("(", 1)[1]),
        "copy": copy.deepcopy(p) == p,
        "pickle": pickle.loads(pickle.dumps(p)) == p,
    }
    with pytest.raises(AttributeError):
        p.x = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
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


def test_fields_and_replace_take_standard_dataclasses_too() -> None:
    @dataclasses.dataclass(frozen=True)
    class Standard:
        x: int
        y: int = 2

    assert [f.name for f in structs.fields(Standard)] == ["x", "y"]
    assert structs.replace(Standard(1), y=5) == Standard(1, 5)
    assert structs.is_dataclass(Standard(1)) and not structs.is_dataclass(1)


@structs.dataclass(frozen=True, slots=True)
class Slotted:
    """A slotted shape at module level, so that pickle finds it."""

    x: int
    y: int = 1


def test_slots_classes_have_no_dict_and_survive_pickle_and_copy() -> None:
    value = Slotted(3)
    assert Slotted.__slots__ == ("x", "y") and not hasattr(value, "__dict__")
    assert pickle.loads(pickle.dumps(value)) == value == copy.deepcopy(value)
    assert repr(value) == "Slotted(x=3, y=1)" and hash(value) == hash(Slotted(3))
    with pytest.raises(AttributeError):
        value.x = 4  # type: ignore[misc]


def test_a_run_imports_neither_dataclasses_nor_inspect() -> None:
    from support import REPO, modules_after

    modules = modules_after(["analyze"], REPO / "fixtures" / "shop")
    assert "archcheck.model" in modules  # the probe analysed the shop
    assert not {"dataclasses", "inspect", "pydantic"} & modules


def _raises(call: Callable[[], object]) -> str | None:
    try:
        call()
    except Exception as exc:  # noqa: BLE001 (the type is what is compared)
        return type(exc).__name__
    return None
