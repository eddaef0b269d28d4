"""Workload names a person would choose, from the identifiers the code spells.

A name comes from a topic, queue, job spec or handler; a word that says nothing about the work
(``ticker``, ``run``, ``handler``, a one-letter receiver) is never a name.
"""

from __future__ import annotations

from collections.abc import Collection

from archcheck.names import kebab

GENERIC = frozenset(
    {"ticker", "t", "tk", "tick", "tc", "timer", "c", "cr", "cron", "run", "start", "execute",
     "do", "handle", "process", "func", "main", "init", "job", "task", "sync", "worker", "f",
     "fn", "go", "new", "subject", "stop", "loop", "serve", "listen", "consume", "consumer",
     "handler", "callback", "cb", "h", "work", "runner", "scheduler", "schedule", "daemon",
     "background", "periodic", "every", "interval", "wrap", "wrapper", "next", "msg",
     "message", "event", "events", "sub", "subscribe", "subscriber", "subscription", "call",
     "exec", "invoke", "apply", "step", "once", "closure", "lambda", "anon", "self", "this"}
)  # fmt: skip

_SUFFIXES = ("Ticker", "Timer", "Job", "Worker", "Task", "Cron", "Handler", "Loop", "Func")
_PREFIXES = ("New", "Start", "Run", "run", "start", "Handle", "handle", "Do", "do")


def job_name(identifier: str | None) -> str | None:
    """A name from one Go identifier, or None when it says nothing about the work."""
    if not identifier or not identifier.replace("_", "").isalnum():
        return None
    last = identifier.rsplit(".", 1)[-1]
    for prefix in _PREFIXES:
        if last.startswith(prefix) and last[len(prefix) : len(prefix) + 1].isupper():
            last = last[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if last.endswith(suffix) and len(last) > len(suffix):
            last = last[: -len(suffix)]
            break
    if len(last) < 3 or last.lower() in GENERIC:
        return None
    return kebab(last)


_REGISTRARS = ("Register", "register", "Schedule", "schedule", "Setup", "setup", "Init", "init",
               "Add", "add", "Start", "start")  # fmt: skip


def registrar_name(function: str | None) -> str | None:
    """A name from the function that registers one job (``RegisterTokenCleanupCron`` ->
    ``token-cleanup``), or None when it is not such a function or says nothing."""
    if not function:
        return None
    for prefix in _REGISTRARS:
        rest = function[len(prefix) :]
        if function.startswith(prefix) and rest[:1].isupper():
            name = job_name(rest)
            return None if name is None or name in ("jobs", "tasks", "crons", "all") else name
    return None


def name_from_handler(handler: str | None, bound: Collection[str] = ()) -> str | None:
    """``s.priceSync.Run`` -> ``price-sync``; ``j.warmupCache`` -> ``warmup-cache``.

    ``bound`` are the receivers, parameters and loop variables in scope: a handler's operand
    among them stands for whatever is passed in, so it names nothing.
    """
    if not handler:
        return None
    parts = handler.split(".")
    if parts[0] in bound:
        parts = parts[1:]
    for part in reversed(parts):
        name = job_name(part)
        if name:
            return name
    return None


def name_from_text(value: str | None) -> str | None:
    """A topic, queue, subject or job spec as a name: printable, one line, no spaces at the
    ends; None when it is empty or is not text a person would type."""
    if value is None:
        return None
    cleaned = value.strip()
    if not cleaned or any(not c.isprintable() for c in cleaned) or len(cleaned) > 120:
        return None
    return cleaned
