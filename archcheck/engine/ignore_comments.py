"""Inline ignores: ``# archcheck: ignore AC103 -- reason`` in a compose file.

Where ``.archcheck.yaml``'s ``suppress:`` accepts a rule for a whole service, a comment accepts
it where it is written, next to the key it is about (as dclint's ``# dclint disable-line``)::

    services:
      api:
        container_name: api   # archcheck: ignore AC103 -- the platform pins replicas to 1
        # archcheck: ignore AC106, AC107 -- limits come from the orchestrator (ADR-7)
        deploy:
          replicas: 2
      # archcheck: ignore verdict.cron -- split planned for Q3
      pricing:

A comment after a key covers that line; a comment on a line of its own covers the next line
that is not a comment. When that line is a service's name, the comment covers the whole
service (its findings and its verdicts, wherever they point). The reason after ``--`` is
required. Ignored items become suppressions: shown as suppressed in every format, never
failing the gate, and listed in the notes when they cover nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from pathlib import Path

from archcheck.errors import ArchcheckError, ConfigError
from archcheck.files.read import read_text
from archcheck.model import VERDICT_PREFIX, Location, Suppression, System

MARKER = "archcheck:"
_COMMENT = re.compile(r"#\s*archcheck:\s*(?P<body>.*?)\s*$")
_IGNORE = re.compile(
    r"ignore\s+(?P<rules>[A-Za-z0-9.*_-]+(?:\s*,\s*[A-Za-z0-9.*_-]+)*)"
    r"(?:\s+--\s*(?P<reason>.*))?$"
)
_EXAMPLE = "# archcheck: ignore AC103 -- why it is accepted"


def ignore_comments(system: System, known_rules: Collection[str]) -> tuple[Suppression, ...]:
    """The suppressions written as comments in the compose files ``system`` was loaded from.

    A malformed comment, one without a reason or one naming an unknown rule is a ConfigError
    at the comment: a typo must not silently ignore nothing.
    """
    services_at = {
        (s.location.file, s.location.line): s.name for s in system.services if s.location
    }
    found: list[Suppression] = []
    for file in _files(system):
        try:
            text = read_text(Path(file), "compose file")
        except ArchcheckError:
            continue  # NOTE: the loader read it a moment ago; a file gone now has no comments
        if MARKER in text:
            found += _file_ignores(file, text.splitlines(), known_rules, services_at)
    return tuple(found)


def _files(system: System) -> list[str]:
    """Every compose file a service key was read from (``include``, ``extends`` too)."""
    files = dict.fromkeys(system.compose_files)
    for service in system.services:
        files.update(dict.fromkeys(loc.file for loc in service.key_locations.values()))
    return list(files)


def _file_ignores(
    file: str,
    lines: list[str],
    known_rules: Collection[str],
    services_at: dict[tuple[str, int], str],
) -> Iterable[Suppression]:
    for index, line in enumerate(lines):
        match = _COMMENT.search(line)
        if match is None:
            continue
        where = Location(file, index + 1, match.start() + 1)
        rules, reason = _parse(match.group("body"), known_rules, where)
        own_line = not line[: match.start()].strip()
        target = _next_content_line(lines, index) if own_line else index + 1
        service = services_at.get((file, target)) if target is not None else None
        for rule in rules:
            if service is not None:
                yield Suppression(reason=reason, rule=rule, service=service, location=where)
            elif target is not None:
                yield Suppression(
                    reason=reason, rule=rule, location=where, at=Location(file, target)
                )


def _parse(
    body: str, known_rules: Collection[str], where: Location
) -> tuple[list[str], str]:
    match = _IGNORE.match(body)
    if match is None:
        raise ConfigError(
            f"cannot read the archcheck comment {body!r}: write {_EXAMPLE!r}", where
        )
    reason = (match.group("reason") or "").strip()
    rules = [rule.strip() for rule in match.group("rules").split(",")]
    if not reason:
        raise ConfigError(
            f"the ignore of {', '.join(rules)} needs a reason after '--': write {_EXAMPLE!r}",
            where,
        )
    for rule in rules:
        if rule not in known_rules and not rule.startswith(VERDICT_PREFIX):
            raise ConfigError(
                f"archcheck: ignore names unknown rule {rule!r}: use an id from "
                "`archcheck rules list`, or verdict.<events|cron> for a verdict",
                where,
            )
    return rules, reason


def _next_content_line(lines: list[str], index: int) -> int | None:
    """The 1-based number of the first line after ``index`` that is neither blank nor a comment."""
    for number in range(index + 1, len(lines)):
        stripped = lines[number].strip()
        if stripped and not stripped.startswith("#"):
            return number + 1
    return None
