"""Location: a place in a file, FILE:LINE:COL (1-based).

A plain frozen, slotted dataclass rather than a pydantic model: a big project records tens of
thousands of them, and error messages need one without importing pydantic. Pydantic models use
it as a field type and validate, serialise and describe it in JSON Schema like a model.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from archcheck.structs import dataclass

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema


class _AtLeastOne:
    """An int ``ge=1`` for pydantic, without importing it (or annotated_types) at import time."""

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.int_schema(ge=1)


_POSITIVE = _AtLeastOne()


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a file: a compose key, a Go source line, a metrics file entry (1-based)."""

    # NOTE: read by pydantic when Location is a model field: unknown keys are rejected, as in
    # every other model (``additionalProperties: false`` in the JSON Schema).
    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    file: str
    line: Annotated[int, _POSITIVE]
    column: Annotated[int, _POSITIVE] = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """Validated and described as a standard dataclass of the same fields, then built."""
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(_from_shadow, handler(_shadow()))


@cache
def _shadow() -> type:
    import dataclasses

    namespace = {
        "__doc__": Location.__doc__, "__module__": __name__,
        "__pydantic_config__": Location.__pydantic_config__,
        "__annotations__": {"file": str, "line": Annotated[int, _POSITIVE],
                            "column": Annotated[int, _POSITIVE]},
        "column": 1,
    }  # fmt: skip
    return dataclasses.dataclass(frozen=True)(type("Location", (), namespace))


def _from_shadow(value: Any) -> Location:
    return Location(value.file, value.line, value.column)
