"""``@dataclass`` for archcheck's own classes, without most of its start-up cost.

The standard decorator compiles up to six methods per class, each with its own ``exec``: about
0.4 ms a class, 18 ms of every ``analyze`` for the 44 classes it imports. This one compiles only
``__init__`` and shares ``__eq__``, ``__hash__``, ``__repr__`` and immutability between classes.
To the rest of Python they are dataclasses: ``dataclasses.fields``, ``replace``, ``asdict`` and
``is_dataclass`` work on them, and so do ``field()``'s ``default``, ``default_factory``,
``init``, ``repr``, ``compare`` and ``kw_only``. ``slots=True`` goes to the standard decorator.
``tests/test_structs.py`` holds both decorators to the same behaviour.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterable
from dataclasses import MISSING, Field, FrozenInstanceError, field
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")
_FIELD = dataclasses._FIELD  # type: ignore[attr-defined]
"""The marker ``dataclasses.fields`` keeps a field by (it leaves out ``ClassVar`` pseudo-fields)."""


class _Params:
    """What ``dataclasses`` reads of a base class's options (``frozen``) when it subclasses it."""

    __slots__ = ("eq", "frozen", "init", "order", "repr", "unsafe_hash")

    def __init__(self, *, frozen: bool, eq: bool) -> None:
        self.init = self.repr = True
        self.order = self.unsafe_hash = False
        self.frozen, self.eq = frozen, eq


@overload
def dataclass(cls: type[T], /) -> type[T]: ...
@overload
def dataclass(
    *, frozen: bool = False, eq: bool = True, kw_only: bool = False, slots: bool = False
) -> Callable[[type[T]], type[T]]: ...
@dataclass_transform(field_specifiers=(field,))
def dataclass(
    cls: type[T] | None = None,
    /,
    *,
    frozen: bool = False,
    eq: bool = True,
    kw_only: bool = False,
    slots: bool = False,
) -> type[T] | Callable[[type[T]], type[T]]:
    """``dataclasses.dataclass`` with the options archcheck uses."""

    def wrap(target: type[T]) -> type[T]:
        if slots:
            return dataclasses.dataclass(target, frozen=frozen, eq=eq, kw_only=kw_only, slots=True)
        return build(target, frozen=frozen, eq=eq, kw_only=kw_only)

    return wrap if cls is None else wrap(cls)


def build(cls: type[T], *, frozen: bool, eq: bool, kw_only: bool) -> type[T]:
    """Make ``cls`` a dataclass in place."""
    fields: dict[str, Field[Any]] = {}
    for base in cls.__mro__[-1:0:-1]:
        fields.update(base.__dict__.get("__dataclass_fields__", {}))
    for name, annotation in inspect.get_annotations(cls).items():
        text = annotation if isinstance(annotation, str) else repr(annotation)
        if "ClassVar" in text:
            continue
        if "InitVar" in text:
            raise TypeError(f"{cls.__qualname__}.{name}: InitVar needs dataclasses.dataclass")
        value = cls.__dict__.get(name, MISSING)
        found: Field[Any] = value if isinstance(value, Field) else field(default=value)
        found.name, found.type = name, annotation
        found._field_type = _FIELD  # type: ignore[attr-defined]
        if found.kw_only is MISSING:
            found.kw_only = kw_only
        if isinstance(value, Field):
            if found.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, found.default)
        fields[name] = found
    own = cls.__dict__
    setattr(cls, "__dataclass_fields__", fields)  # noqa: B010 (dunder names, set as dataclasses does)
    setattr(cls, "__dataclass_params__", _Params(frozen=frozen, eq=eq))  # noqa: B010
    values = list(fields.values())
    setattr(cls, "__match_args__", tuple(f.name for f in values if f.init and not f.kw_only))  # noqa: B010
    setattr(cls, "__dataclass_compare__", _getter(f.name for f in values if f.compare))  # noqa: B010
    setattr(cls, "__dataclass_repr__", tuple(f.name for f in values if f.repr))  # noqa: B010
    if "__init__" not in own:
        setattr(cls, "__init__", _init(cls, values, frozen))  # noqa: B010
    if "__repr__" not in own:
        setattr(cls, "__repr__", _repr)  # noqa: B010
    if eq and "__eq__" not in own:
        setattr(cls, "__eq__", _eq)  # noqa: B010
    class_hash = own.get("__hash__", MISSING)
    explicit_hash = not (class_hash is MISSING or (class_hash is None and "__eq__" in own))
    if eq and not explicit_hash:
        setattr(cls, "__hash__", _hash if frozen else None)  # noqa: B010
    if frozen:
        setattr(cls, "__setattr__", _frozen_setattr)  # noqa: B010
        setattr(cls, "__delattr__", _frozen_delattr)  # noqa: B010
    return cls


def _getter(names: Iterable[str]) -> Callable[[Any], Any]:
    chosen = tuple(names)
    return attrgetter(*chosen) if chosen else _nothing


def _nothing(obj: Any) -> tuple[()]:
    return ()


_FACTORY: Any = object()
"""The default of a parameter whose field has a default factory: call the factory."""


def _init(cls: type, fields: list[Field[Any]], frozen: bool) -> Callable[..., None]:
    """``cls.__init__``, generated: written straight to ``__dict__`` when frozen."""
    scope: dict[str, Any] = {"_FACTORY": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = ["    d = self.__dict__"] if frozen else []
    for index, f in enumerate(fields):
        target = f"d[{f.name!r}]" if frozen else f"self.{f.name}"
        if f.default_factory is not MISSING:
            scope[f"_f{index}"] = f.default_factory
            if f.init:
                param = f"{f.name}=_FACTORY"
                body.append(f"    {target} = _f{index}() if {f.name} is _FACTORY else {f.name}")
            else:
                body.append(f"    {target} = _f{index}()")
                continue
        elif not f.init:
            continue
        elif f.default is MISSING:
            param = f.name
            body.append(f"    {target} = {f.name}")
        else:
            scope[f"_d{index}"] = f.default
            param = f"{f.name}=_d{index}"
            body.append(f"    {target} = {f.name}")
        (keyword if f.kw_only else positional).append(param)
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    params = ["self", *positional, *(["*", *keyword] if keyword else [])]
    source = f"def __init__({', '.join(params)}):\n" + "\n".join(body or ["    pass"]) + "\n"
    try:
        exec(source, scope)  # noqa: S102 (generated from the class's own field names)
    except SyntaxError as exc:
        raise TypeError(f"{cls.__qualname__}: {exc.msg} (field order)") from None
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _repr(self: Any) -> str:
    shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in type(self).__dataclass_repr__)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: Any) -> bool:
    if other.__class__ is not self.__class__:
        result: bool = NotImplemented
        return result
    compare = type(self).__dataclass_compare__
    same: bool = compare(self) == compare(other)
    return same


def _hash(self: Any) -> int:
    return hash(self.__class__.__dataclass_compare__(self))


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")
