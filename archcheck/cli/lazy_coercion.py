"""Typer builds an option's pydantic coercion only when the option has a value to coerce.

Typer (0.2x) builds a pydantic ``TypeAdapter`` for every option it processes, even one left
unset, whose ``None`` it passes through without the adapter. Processing the unset
``--install-completion`` and ``--show-completion`` of the root command so imported pydantic and
built adapters on every run through typer, ``--help`` included (about 60 ms of CPU, a third of
``analyze --help``). ``install`` wraps typer's builder so that the adapter is built on the first
value that needs it; what typer returns for every value is unchanged (``RuntimeParam.coerce``
handles ``None`` itself). On a typer without this machinery it does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field  # NOTE: it subclasses typer's standard dataclass
from typing import Any


def install() -> None:
    """Make typer's per-option coercion lazy (idempotent)."""
    try:
        from typer import _coercion, core
    except ImportError:  # typer < 0.2x: click's own types, no pydantic
        return
    build = getattr(core, "build_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    if build is None or base is None or getattr(build, "lazy", False):
        return
    real: Callable[[Any], Any] = build

    @dataclass(frozen=True)
    class LazyRuntimeParam(base):  # type: ignore[misc,valid-type]
        """Typer's runtime parameter, built on the first value that is not ``None``."""

        descriptor: Any = None
        built: list[Any] = field(default_factory=list)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if not self.built:
                self.built.append(real(self.descriptor))
            return self.built[0]._coerce_value(value, param=param, ctx=ctx)

    def lazy_build(descriptor: Any) -> Any:
        return LazyRuntimeParam(
            parameter_info=descriptor.parameter_info,
            annotation=descriptor.annotation,
            descriptor=descriptor,
        )

    lazy_build.lazy = True  # type: ignore[attr-defined]
    core.build_runtime_param = lazy_build  # type: ignore[attr-defined]
