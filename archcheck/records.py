"""Record: the frozen, keyword-only dataclass every model of archcheck is built on.

Pydantic costs about 60 ms of CPU to import and to build its validators: more than analysing a
small project, on every CI push. So models are plain dataclasses, and ``validate`` checks input
in one strict pass of its own: exact types (an int is taken for a float), the declared
constraints and the model's checks. Whatever that pass does not take for certain goes to
pydantic, through a pydantic model built from the same fields on first use. Pydantic's
coercions, error messages (which ``files.yamlpos`` locates) and JSON Schemas stay the
reference: the strict pass takes only input pydantic takes, and builds what pydantic builds
(``tests/test_records.py`` compares both on generated input).
"""

from __future__ import annotations

import math
import operator
import re
import sys
import types
from collections.abc import Callable, Mapping
from functools import partial
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    Literal,
    Self,
    TypeVar,
    Union,
    dataclass_transform,
    get_args,
    get_origin,
    overload,
)

from archcheck.location import Location
from archcheck.structs import MISSING, Field, build, field

if TYPE_CHECKING:
    from pydantic import BaseModel, GetCoreSchemaHandler, TypeAdapter, ValidationError
    from pydantic_core import CoreSchema

T = TypeVar("T")
R = TypeVar("R", bound="Record")
Extra = Literal["forbid", "ignore"]
_MISSING: Any = MISSING


class Constraint:
    """Constraints on a type inside ``Annotated`` (``Annotated[float, Constraint(le=1e15)]``),
    with the keywords of pydantic's ``Field``: ``gt``, ``ge``, ``lt``, ``le``, ``min_length``,
    ``max_length``, ``pattern``, ``strict``, ``allow_inf_nan``."""

    __slots__ = ("kwargs",)

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs


class FieldSpec:
    """One field of a record: its default, documentation, constraints and check."""

    __slots__ = ("check", "constraints", "default", "default_factory", "description", "exclude",
                 "module", "name", "type")  # fmt: skip

    def __init__(self, f: Field, module: str) -> None:
        meta: dict[str, Any] = f.metadata.get("record", {})
        self.name = f.name
        self.type: Any = f.type
        """The annotation as written (a string under ``from __future__ import annotations``)."""
        self.module = module
        """The module of the class that declares the field: where ``type`` is resolved."""
        self.default: Any = f.default
        self.default_factory: Any = f.default_factory
        self.description: str | None = meta.get("description")
        self.constraints: Mapping[str, Any] = meta.get("constraints", {})
        self.check: Callable[[Any], Any] | None = meta.get("check")
        """Called with the validated value; returns it (or a replacement), raises ValueError."""
        self.exclude: bool = meta.get("exclude", False)
        """Left out of ``model_dump`` (and so of ``--format json``)."""

    @property
    def required(self) -> bool:
        return self.default is _MISSING and self.default_factory is _MISSING


@overload
def spec(
    default: T,
    *,
    description: str | None = None,
    check: Callable[[Any], Any] | None = None,
    exclude: bool = False,
    **constraints: Any,
) -> T: ...
@overload
def spec(
    *,
    default_factory: Callable[[], T],
    description: str | None = None,
    check: Callable[[Any], Any] | None = None,
    exclude: bool = False,
    **constraints: Any,
) -> T: ...
@overload
def spec(
    *,
    description: str | None = None,
    check: Callable[[Any], Any] | None = None,
    exclude: bool = False,
    **constraints: Any,
) -> Any: ...
def spec(
    default: Any = _MISSING,
    *,
    default_factory: Any = _MISSING,
    description: str | None = None,
    check: Callable[[Any], Any] | None = None,
    exclude: bool = False,
    **constraints: Any,
) -> Any:
    """A field with a description, pydantic-style constraints, a check or ``exclude``."""
    meta = {"record": {"description": description, "constraints": constraints, "check": check,
                       "exclude": exclude}}  # fmt: skip
    if default_factory is not _MISSING:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass_transform(
    frozen_default=True, kw_only_default=True, field_specifiers=(spec, field)
)
class Record:
    """A frozen, keyword-only dataclass (``archcheck.structs``) with the few pydantic-style
    methods archcheck uses.

    ``class Name(Record, extra="ignore", allow_inf_nan=False)`` sets what the model's
    validation takes; both options are inherited. A ``check_record(self)`` method that raises
    ValueError rejects a validated value as a whole (pydantic's ``model_validator``).
    """

    __slots__ = ()
    __record_options__: ClassVar[dict[str, Any]] = {"extra": "forbid", "allow_inf_nan": True}
    __record_fields__: ClassVar[tuple[FieldSpec, ...]] = ()

    if TYPE_CHECKING:
        __struct_fields__: ClassVar[dict[str, Field]]

        def __init__(self, **values: Any) -> None: ...

    def __init_subclass__(
        cls, *, extra: Extra | None = None, allow_inf_nan: bool | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        options = dict(cls.__record_options__)
        if extra is not None:
            options["extra"] = extra
        if allow_inf_nan is not None:
            options["allow_inf_nan"] = allow_inf_nan
        cls.__record_options__ = options
        inherited = {f.name: f for f in cls.__record_fields__}
        build(cls, frozen=True, eq=True, kw_only=True)
        own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (no inspect)
        cls.__record_fields__ = tuple(
            inherited[f.name] if f.name in inherited and f.name not in own
            else FieldSpec(f, cls.__module__)
            for f in cls.__struct_fields__.values()
        )  # fmt: skip

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Self:
        """A copy with ``update``'s fields replaced (not validated, as in pydantic)."""
        if not update:
            return self
        values = {f.name: self.__dict__[f.name] for f in self.__record_fields__}
        return type(self)(**{**values, **update})

    def model_dump(
        self, *, mode: Literal["python", "json"] = "python", exclude_none: bool = False
    ) -> dict[str, Any]:
        """The fields as plain data, nested records as dicts; ``json``: lists for tuples."""
        out: dict[str, Any] = _dump(self, mode == "json", exclude_none)
        return out

    def model_dump_json(self) -> str:
        """``model_dump(mode="json")`` as compact JSON text."""
        import json

        text: str = json.dumps(self.model_dump(mode="json"), separators=(",", ":"))
        return text

    @classmethod
    def model_validate(cls, data: object) -> Self:
        """``data`` validated as this model; raises ``Invalid``."""
        record: Self = validate(cls, data)
        return record

    @classmethod
    def model_validate_json(cls, text: str | bytes) -> Self:
        """JSON text validated as this model; raises ``Invalid`` (also for bad JSON)."""
        import json

        
        try:
            data = json.loads(text)
        except ValueError:
            record: Self = _strict_or_pydantic(cls, _REJECT_ALL, text, json_text=True)
            return record
        return validate(cls, data)

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of what ``model_validate`` takes (pydantic's)."""
        schema: dict[str, Any] = adapter(cls).json_schema()
        return schema

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """Pydantic validates (and describes) a record as its shadow model, then builds it."""
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(
            partial(_from_shadow, cls), handler(_shadow(cls))
        )


class Invalid(ValueError):
    """Input that pydantic rejects; ``error`` is its ValidationError (``files.yamlpos``)."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(str(error))
        self.error = error


def validate(cls: type[R], data: object) -> R:
    """``data`` as a ``cls``: the strict pass, else pydantic. Raises ``Invalid``."""
    result: R = validate_as(cls, data)
    return result


def validate_as(tp: Any, data: object) -> Any:
    """``data`` validated as the type ``tp`` (``list[EventDecl]``...). Raises ``Invalid``."""
    return _strict_or_pydantic(tp, _strict(tp), data)


def adapter(tp: Any) -> TypeAdapter[Any]:
    """Pydantic's TypeAdapter for ``tp`` (built once): the reference for errors and schemas."""
    found = _ADAPTERS.get(tp)
    if found is None:
        from pydantic import TypeAdapter

        found = _ADAPTERS[tp] = TypeAdapter(tp)
    return found


def resolved(f: FieldSpec) -> Any:
    """The field's type as an object (``str | None``, not the string)."""
    if not isinstance(f.type, str):
        return f.type
    return eval(f.type, vars(sys.modules[f.module]))


def fields_of(cls: type[Record]) -> dict[str, FieldSpec]:
    """Field name -> its ``spec`` (default, description...), in declaration order."""
    return {f.name: f for f in cls.__record_fields__}


# --- the strict pass ---------------------------------------------------------------------------


class _Reject(Exception):
    """The strict pass cannot take the value for certain: pydantic decides."""


_REJECT = _Reject()
Converter = Callable[[Any], Any]
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}
_STRICT: dict[Any, Converter] = {}
_NONE = type(None)


def _reject_all(value: Any) -> Any:
    raise _REJECT


_REJECT_ALL: Converter = _reject_all


def _strict_or_pydantic(tp: Any, strict: Converter, data: Any, *, json_text: bool = False) -> Any:
    if not json_text:
        try:
            return strict(data)
        except _Reject:
            pass
    from pydantic import ValidationError

    checker = adapter(tp)
    try:
        return checker.validate_json(data) if json_text else checker.validate_python(data)
    except ValidationError as exc:
        raise Invalid(exc) from None


def _strict(tp: Any) -> Converter:
    found = _STRICT.get(tp)
    if found is None:
        found = _STRICT[tp] = _converter(tp, {})
    return found


def _converter(tp: Any, constraints: Mapping[str, Any]) -> Converter:
    """A function that returns ``value`` as pydantic would validate it as ``tp``, or raises
    ``_Reject`` when it cannot be sure (a lax coercion, an error, an unknown type)."""
    origin = get_origin(tp)
    if origin is Annotated:
        base, *meta = get_args(tp)
        merged = dict(constraints)
        for item in meta:
            if not isinstance(item, Constraint):
                return _REJECT_ALL  # a marker only pydantic understands
            merged.update(item.kwargs)
        return _converter(base, merged)
    if origin is Union or origin is types.UnionType:
        return partial(_union, [_converter(a, constraints) for a in get_args(tp)])
    if tp is _NONE:
        return _none
    if origin is Literal:
        return partial(_literal, tuple((type(a), a) for a in get_args(tp)))
    if tp is Any or tp is object:
        return _same
    if isinstance(tp, type) and issubclass(tp, Record):
        return partial(_record, tp)
    if tp is Location:
        return _location
    kind: Converter | None = None
    if tp is str:
        kind = _str
    elif tp is bool:
        kind = _bool
    elif tp is int:
        kind = _int
    elif tp is float:
        kind = _float  # NOTE: never inf or nan, so ``allow_inf_nan`` does not matter here
    elif origin in (list, tuple) and (origin is list or get_args(tp)[1:] == (...,)):
        item = _converter(get_args(tp)[0], {})
        kind = partial(_sequence, origin, item)
    elif origin is dict:
        key_type, value_type = get_args(tp)
        kind = partial(_mapping, _converter(key_type, {}), _converter(value_type, {}))
    if kind is None:
        return _REJECT_ALL
    limits = {k: v for k, v in constraints.items() if k not in ("strict", "allow_inf_nan")}
    return partial(_constrained, kind, _limits(limits)) if limits else kind


def _limits(constraints: Mapping[str, Any]) -> Callable[[Any], bool]:
    """A test of pydantic's ``Field`` constraints; unknown ones never pass (pydantic decides)."""
    tests: list[Callable[[Any], bool]] = []
    for name, bound in constraints.items():
        if name in _BOUNDS:
            tests.append(partial(_BOUNDS[name], bound))
        elif name == "min_length":
            tests.append(partial(_min_length, bound))
        elif name == "max_length":
            tests.append(partial(_max_length, bound))
        elif name == "pattern":
            tests.append(partial(_matches, re.compile(bound)))
        else:
            return _never
    return partial(_all, tuple(tests))


_BOUNDS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.lt, "ge": operator.le, "lt": operator.gt, "le": operator.ge,
}  # fmt: skip
"""Constraint -> a test called as ``test(bound, value)``: ``gt`` is ``bound < value``."""


def _min_length(bound: int, value: Any) -> bool:
    return len(value) >= bound


def _max_length(bound: int, value: Any) -> bool:
    return len(value) <= bound


def _matches(pattern: re.Pattern[str], value: str) -> bool:
    # NOTE: pydantic matches with Rust's regex, where ``$`` is only the very end; without a line
    # break in the value both engines agree on archcheck's patterns.
    return "\n" not in value and pattern.search(value) is not None


def _never(value: Any) -> bool:
    return False


def _all(tests: tuple[Callable[[Any], bool], ...], value: Any) -> bool:
    return all(test(value) for test in tests)


def _constrained(kind: Converter, test: Callable[[Any], bool], value: Any) -> Any:
    value = kind(value)
    if not test(value):
        raise _REJECT
    return value


def _same(value: Any) -> Any:
    return value


def _none(value: Any) -> None:
    if value is not None:
        raise _REJECT


def _str(value: Any) -> str:
    if type(value) is not str:
        raise _REJECT
    return value


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise _REJECT
    return value


def _int(value: Any) -> int:
    if type(value) is not int:
        raise _REJECT
    return value


def _float(value: Any) -> float:
    if type(value) is float:
        if not math.isfinite(value):
            raise _REJECT  # inf and nan: pydantic's rules for them vary with the options
        return value
    if type(value) is int and abs(value) <= 2**53:
        return float(value)
    raise _REJECT


def _literal(allowed: tuple[tuple[type, Any], ...], value: Any) -> Any:
    for kind, member in allowed:
        if type(value) is kind and value == member:
            return member
    raise _REJECT


def _union(members: list[Converter], value: Any) -> Any:
    # NOTE: pydantic's smart mode takes the member whose type the value already has; failing
    # that, the one lax conversion this pass knows (an int for a float) when only one applies.
    converted: list[Any] = []
    for member in members:
        try:
            result = member(value)
        except _Reject:
            continue
        if type(result) is type(value):
            return result
        converted.append(result)
    if len(converted) == 1:
        return converted[0]
    raise _REJECT


def _sequence(kind: type, item: Converter, value: Any) -> Any:
    if type(value) is not list and type(value) is not tuple:
        raise _REJECT
    return kind(item(v) for v in value) if kind is tuple else [item(v) for v in value]


def _mapping(key: Converter, item: Converter, value: Any) -> dict[Any, Any]:
    if type(value) is not dict:
        raise _REJECT
    return {key(k): item(v) for k, v in value.items()}


def _location(value: Any) -> Location:
    if type(value) is Location:
        return value
    if type(value) is not dict or not value.keys() <= {"file", "line", "column"}:
        raise _REJECT
    file, line, column = value.get("file"), value.get("line"), value.get("column", 1)
    if type(file) is not str or type(line) is not int or type(column) is not int:
        raise _REJECT
    if line < 1 or column < 1:
        raise _REJECT
    return Location(file, line, column)


class _Plan:
    """How the strict pass builds one record class."""

    __slots__ = ("check_record", "fields", "ignore_extra", "names")

    def __init__(self, cls: type[Record]) -> None:
        self.fields = tuple(
            (f.name, _converter(resolved(f), f.constraints), f.check, f.required)
            for f in cls.__record_fields__
        )
        """(name, converter, check, required) per field."""
        self.names = frozenset(f.name for f in cls.__record_fields__)
        self.ignore_extra = cls.__record_options__["extra"] == "ignore"
        self.check_record: Callable[[Any], None] | None = getattr(cls, "check_record", None)


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type[Record]) -> _Plan:
    found = _PLANS.get(cls)
    if found is None:
        found = _PLANS[cls] = _Plan(cls)
    return found


def _record(cls: type[Record], value: Any) -> Any:
    if type(value) is cls:
        return value  # pydantic takes an instance as it is
    if type(value) is not dict:
        raise _REJECT
    plan = _plan(cls)
    if not plan.ignore_extra and not plan.names.issuperset(value):
        raise _REJECT
    values: dict[str, Any] = {}
    for name, convert, check, required in plan.fields:
        if name in value:
            item = convert(value[name])
            if check is not None:
                try:
                    item = check(item)
                except (ValueError, AssertionError):
                    raise _REJECT from None
            values[name] = item
        elif required:
            raise _REJECT
    record = cls(**values)
    if plan.check_record is not None:
        try:
            plan.check_record(record)
        except (ValueError, AssertionError):
            raise _REJECT from None
    return record


# --- the pydantic reference --------------------------------------------------------------------

_SHADOWS: dict[type, type[BaseModel]] = {}


def _shadow(cls: type[Record]) -> type[BaseModel]:
    """The pydantic model with ``cls``'s fields, options and checks."""
    found = _SHADOWS.get(cls)
    if found is not None:
        return found
    from pydantic import ConfigDict, Field, create_model, field_validator, model_validator

    options = cls.__record_options__
    definitions: dict[str, Any] = {}
    validators: dict[str, Any] = {}
    for f in cls.__record_fields__:
        kwargs: dict[str, Any] = dict(f.constraints)
        if f.description is not None:
            kwargs["description"] = f.description
        if f.default is not _MISSING:
            kwargs["default"] = f.default
        elif f.default_factory is not _MISSING:
            kwargs["default_factory"] = f.default_factory
        definitions[f.name] = (_pydantic_type(resolved(f)), Field(**kwargs))
        if f.check is not None:
            validators[f"check_{f.name}"] = field_validator(f.name)(_field_check(f.check))
    if hasattr(cls, "check_record"):
        validators["check_record"] = model_validator(mode="after")(_model_check(cls))
    config = ConfigDict(
        extra=options["extra"], frozen=True, allow_inf_nan=options["allow_inf_nan"]
    )
    shadow: type[BaseModel] = create_model(
        cls.__name__,
        __config__=config,
        __doc__=cls.__doc__,
        __module__=cls.__module__,
        __validators__=validators,
        **definitions,
    )
    _SHADOWS[cls] = shadow
    return shadow


def _field_check(check: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    def run(cls: Any, value: Any) -> Any:
        return check(value)

    return run


def _model_check(cls: type[Record]) -> Callable[[Any], Any]:
    def run(model: Any) -> Any:
        _from_shadow(cls, model).check_record()  # type: ignore[attr-defined]
        return model

    return run


def _from_shadow(cls: type[R], model: Any) -> R:
    return cls(**{f.name: getattr(model, f.name) for f in cls.__record_fields__})


def _pydantic_type(tp: Any) -> Any:
    """``tp`` with ``Constraint`` markers as pydantic ``Field``s."""
    origin = get_origin(tp)
    if origin is None:
        return tp
    args = get_args(tp)
    if origin is Annotated:
        from pydantic import Field

        meta = [Field(**m.kwargs) if isinstance(m, Constraint) else m for m in args[1:]]
        return Annotated[(_pydantic_type(args[0]), *meta)]
    if origin is Literal:
        return tp
    converted = tuple(_pydantic_type(a) if a is not ... else a for a in args)
    if converted == args:
        return tp
    if origin is Union or origin is types.UnionType:
        return Union[converted]  # noqa: UP007
    return origin[converted]


# --- dumping -----------------------------------------------------------------------------------

_DUMPED: dict[type, tuple[str, ...]] = {}


def _dumped_fields(cls: type[Record]) -> tuple[str, ...]:
    found = _DUMPED.get(cls)
    if found is None:
        found = _DUMPED[cls] = tuple(
            f.name for f in cls.__record_fields__ if not f.exclude
        )
    return found


def _dump(value: Any, as_json: bool, exclude_none: bool) -> Any:
    if isinstance(value, Record):
        out = {}
        for name in _dumped_fields(type(value)):
            item = getattr(value, name)
            if item is None and exclude_none:
                continue
            out[name] = _dump(item, as_json, exclude_none)
        return out
    if isinstance(value, Location):
        return {"file": value.file, "line": value.line, "column": value.column}
    if isinstance(value, tuple):
        items = [_dump(v, as_json, exclude_none) for v in value]
        return items if as_json else tuple(items)
    if isinstance(value, list):
        return [_dump(v, as_json, exclude_none) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v, as_json, exclude_none) for k, v in value.items()}
    return value
