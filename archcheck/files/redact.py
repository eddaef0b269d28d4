"""Keep secrets from compose ``environment:`` values out of every output.

Reports and ``archcheck config`` pass environment maps through ``redact_environment`` before
printing; the engine only ever reads the few keys it needs (``WORKER_MODE``,
``WORKER_CONCURRENCY``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

REDACTED = "********"

_SECRET_NAME = re.compile(
    r"(PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|AUTH|(^|_)KEY($|_)|SALT|DSN|COOKIE)",
    re.IGNORECASE,
)
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@/\s]+@", re.IGNORECASE
)


def is_secret_name(name: str) -> bool:
    """Whether an environment variable's name says that its value is a secret."""
    return bool(_SECRET_NAME.search(name))


def redact_value(name: str, value: str | None) -> str | None:
    """The value as it may be shown: hidden entirely for secret names, URL passwords masked."""
    if value is None or value == "":
        return value
    if is_secret_name(name):
        return REDACTED
    return _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:{REDACTED}@", value)


def redact_environment(env: Mapping[str, str | None]) -> dict[str, str | None]:
    """A copy of ``env`` that is safe to print."""
    return {name: redact_value(name, value) for name, value in env.items()}
