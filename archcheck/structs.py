"""``@dataclass`` for archcheck's own classes, without most of its start-up cost.

The standard module costs about 6 ms to import (it imports ``inspect``, and so ``ast``, ``dis``
and ``tokenize``), and its decorator compiles up to six methods per class with one ``exec``
each: about 0.4 ms a class, 18 ms of every ``analyze`` for the 44 classes it imports. This
module imports nothing heavy, compiles only ``__init__`` (on the first instance: most classes a
run imports are never built), and shares ``__eq__``, ``__hash__``, ``__repr__`` and immutability.
``field``, ``fields``, ``replace`` and ``is_dataclass`` are here too, with the options archcheck
uses; ``fields``, ``replace`` and ``is_dataclass`` also take standard dataclasses.
``tests/test_structs.py`` holds both decorators to the same behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""No default (``dataclasses.MISSING``)."""


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen class."""


class Field:
    """One field of a class: ``dataclasses.Field`` with the options archcheck uses."""

    __slots__ = ("compare", "default", "default_factory", "init", "kw_only", "metadata", "name",
                 "repr", "type")  # fmt: skip

    def __init__(
        self,
        default: Any,
        default_factory: Any,
        init: bool,
        repr: bool,
        compare: bool,
        kw_only: Any,
        metadata: Mapping[str, Any] | None,
    ) -> None:
        self.name = ""
        self.type: Any = None
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare
        self.kw_only = kw_only
        self.metadata: Mapping[str, Any] = metadata or {}

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r})"


def field(
    *,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    init: bool = True,
    repr: bool = True,
    compare: bool = True,
    kw_only: Any = MISSING,
    metadata: Mapping[str, Any] | None = None,
) -> Any:
    """A field with a default factory or options (``dataclasses.field``)."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, init, repr, compare, kw_only, metadata)


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
        return build(target, frozen=frozen, eq=eq, kw_only=kw_only, slots=slots)

    return wrap if cls is None else wrap(cls)


def build(
    cls: type[T], *, frozen: bool, eq: bool, kw_only: bool, slots: bool = False
) -> type[T]:
    """Make ``cls`` a data class (in place, or a new class for ``slots``)."""
    found: dict[str, Field] = {}
    for base in cls.__mro__[-1:0:-1]:
        found.update(base.__dict__.get("__struct_fields__", {}))
    annotations: dict[str, Any] = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (no inspect)
    for name, annotation in annotations.items():
        text = annotation if isinstance(annotation, str) else repr(annotation)
        if "ClassVar" in text:
            continue
        if "InitVar" in text:
            raise TypeError(f"{cls.__qualname__}.{name}: InitVar is not supported")
        value = cls.__dict__.get(name, MISSING)
        made = value if isinstance(value, Field) else field(default=value)
        made.name, made.type = name, annotation
        if made.kw_only is MISSING:
            made.kw_only = kw_only
        if isinstance(value, Field):
            if made.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, made.default)
        found[name] = made
    if slots:
        cls = _slotted(cls, [f.name for f in found.values()])
    own = cls.__dict__
    values = list(found.values())
    setattr(cls, "__struct_fields__", found)  # noqa: B010 (dunder names, as dataclasses sets them)
    setattr(cls, "__match_args__", tuple(f.name for f in values if f.init and not f.kw_only))  # noqa: B010
    setattr(cls, "__struct_compare__", _getter(f.name for f in values if f.compare))  # noqa: B010
    setattr(cls, "__struct_repr__", tuple(f.name for f in values if f.repr))  # noqa: B010
    if "__init__" not in own:
        setattr(cls, "__init__", _first_init(cls, values, frozen, slots))  # noqa: B010
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


def _slotted(cls: type[T], names: list[str]) -> type[T]:
    """``cls`` again, with ``__slots__`` for its fields (as ``dataclass(slots=True)`` does)."""
    namespace = {k: v for k, v in cls.__dict__.items() if k not in (*names, "__dict__", "__weakref__")}
    namespace["__slots__"] = tuple(names)
    namespace["__getstate__"] = _slots_getstate
    namespace["__setstate__"] = _slots_setstate
    made: type[T] = type(cls.__name__, cls.__bases__, namespace)
    made.__qualname__ = cls.__qualname__
    return made


def _slots_getstate(self: Any) -> list[Any]:
    return [getattr(self, f) for f in type(self).__struct_fields__]


def _slots_setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(type(self).__struct_fields__, state, strict=True):
        object.__setattr__(self, name, value)


def is_dataclass(obj: object) -> bool:
    """Whether ``obj`` is a data class or an instance of one (of this module or the standard)."""
    kind = obj if isinstance(obj, type) else type(obj)
    return hasattr(kind, "__struct_fields__") or hasattr(kind, "__dataclass_fields__")


def fields(obj: object) -> tuple[Any, ...]:
    """The fields of a data class or instance, in order (``dataclasses.fields``)."""
    kind = obj if isinstance(obj, type) else type(obj)
    own: dict[str, Field] | None = getattr(kind, "__struct_fields__", None)
    if own is None:
        import dataclasses

        return dataclasses.fields(obj)  # type: ignore[arg-type]
    return tuple(own.values())


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of ``obj`` with ``changes`` (``dataclasses.replace``)."""
    own: dict[str, Field] | None = getattr(type(obj), "__struct_fields__", None)
    if own is None:
        import dataclasses

        copied: T = dataclasses.replace(obj, **changes)  # type: ignore[type-var]
        return copied
    for f in own.values():
        if not f.init:
            if f.name in changes:
                raise ValueError(f"field {f.name} is not an __init__ parameter: cannot replace it")
        elif f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    made: T = type(obj)(**changes)
    return made


def _getter(names: Iterable[str]) -> Callable[[Any], Any]:
    chosen = tuple(names)
    return attrgetter(*chosen) if chosen else _nothing


def _nothing(obj: Any) -> tuple[()]:
    return ()


_FACTORY: Any = object()
"""The default of a parameter whose field has a default factory: call the factory."""


def _first_init(cls: type, fields: list[Field], frozen: bool, slots: bool) -> Callable[..., None]:
    """An ``__init__`` that compiles the real one on the first instance."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        real = _init(cls, fields, frozen, slots)
        type.__setattr__(cls, "__init__", real)
        real(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _init(cls: type, fields: list[Field], frozen: bool, slots: bool) -> Callable[..., None]:
    """``cls.__init__``, generated; a frozen class's is written past its ``__setattr__``."""
    scope: dict[str, Any] = {"_FACTORY": _FACTORY, "_set": object.__setattr__}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = ["    d = self.__dict__"] if frozen and not slots else []
    for index, f in enumerate(fields):
        if frozen and slots:
            target = f"_set(self, {f.name!r}, {{}})"
        elif frozen:
            target = f"d[{f.name!r}] = {{}}"
        else:
            target = f"self.{f.name} = {{}}"
        if f.default_factory is not MISSING:
            scope[f"_f{index}"] = f.default_factory
            if not f.init:
                body.append("    " + target.format(f"_f{index}()"))
                continue
            param = f"{f.name}=_FACTORY"
            value = f"_f{index}() if {f.name} is _FACTORY else {f.name}"
        elif not f.init:
            continue
        elif f.default is MISSING:
            param, value = f.name, f.name
        else:
            scope[f"_d{index}"] = f.default
            param, value = f"{f.name}=_d{index}", f.name
        body.append("    " + target.format(value))
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
    shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in type(self).__struct_repr__)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: Any) -> bool:
    if other.__class__ is not self.__class__:
        result: bool = NotImplemented
        return result
    compare = type(self).__struct_compare__
    same: bool = compare(self) == compare(other)
    return same


def _hash(self: Any) -> int:
    return hash(type(self).__struct_compare__(self))


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")
