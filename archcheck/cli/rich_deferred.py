"""``rich.markdown`` and ``rich.traceback`` imported when first used, not when typer loads.

typer's help module imports both as it loads, and markdown-it and pygments with them: 25 ms
of the 0.135 s of CPU that ``--help`` took. archcheck's help uses neither (it is written in
rich markup, not Markdown, and pretty tracebacks are off), so until something uses them, those
two modules are stand-ins whose classes import the real module on first use and then behave as
the real classes: calls, class attributes (``Traceback.from_exception``), ``isinstance`` and unions.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

DEFERRED = {"rich.markdown": ("Markdown",), "rich.traceback": ("Traceback",)}
"""Each module put off, and the names typer imports from it at load time."""


def install() -> None:
    """Put the stand-ins in place (before typer's help loads); modules already loaded stay."""
    import rich

    for name, classes in DEFERRED.items():
        if name not in sys.modules:
            sys.modules[name] = stand_in = _StandIn(name, classes)
            setattr(rich, name.rpartition(".")[2], stand_in)  # NOTE: as an import would


def real(name: str) -> types.ModuleType:
    """The real module ``name``, imported now if only its stand-in was there."""
    if isinstance(sys.modules.get(name), _StandIn):
        del sys.modules[name]
    return importlib.import_module(name)


class _StandIn(types.ModuleType):
    """A module whose listed classes are deferred and whose other names load the real one."""

    def __init__(self, name: str, classes: tuple[str, ...]) -> None:
        super().__init__(name)
        for cls in classes:
            setattr(self, cls, _Deferred(cls, (), {"__module__": name, "_source": name}))

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # NOTE: the import system asks for __path__ and others
            raise AttributeError(attribute)
        return getattr(real(self.__name__), attribute)


class _Deferred(type):
    """The class of a deferred class: each use goes to the real class."""

    def _target(cls) -> type:
        target: type = getattr(real(cls.__dict__["_source"]), cls.__name__)
        return target

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._target()(*args, **kwargs)

    def __getattr__(cls, attribute: str) -> Any:
        if attribute.startswith("__"):  # NOTE: typing and copy ask for dunders of any class
            raise AttributeError(attribute)
        return getattr(cls._target(), attribute)

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, cls._target())

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, cls._target())
