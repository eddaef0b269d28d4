"""Keep secrets out of every output: recognised by what they are, not only by their name.

A string is searched for the parts that are secrets, and only those parts are masked, so that
``postgres://app:P@ssw0rd@db:5432/app`` prints as ``postgres://app:********@db:5432/app``:

- credentials in URLs, split the way Go's ``net/url`` and libpq split them (the user info ends
  at the *last* ``@`` of the authority), and secret query parameters (``?password=``);
- Go MySQL DSNs (``user:pass@tcp(db:3306)/app``);
- ``key=value`` settings whose key names a secret (``Password=``, ``pwd=``, ``AccountKey=``,
  ``DB_PASSWORD=``), as in connection strings, libpq conninfo and shell assignments;
- flags that name a secret followed by a value (``--db-password x``, ``--token=x``), ``curl -u
  user:pass``, ``Authorization:`` headers, htpasswd entries (Traefik ``basicauth.users``);
- well-known token formats (cloud keys, GitHub/GitLab/Slack/Stripe tokens, JWTs, private key
  blocks): gitleaks' rule data, see ``archcheck.files.secret_rules``.

A value under a name that says "secret" (``*_PASSWORD``, ``*_TOKEN``...) is hidden whole, unless
it is plainly not a secret: empty, a boolean, a small number, a ``${VAR}`` reference, a URL
without credentials, or a path under a ``*_FILE`` name. Masking is a pure function of the input,
so the same input gives the same output (diffs stay quiet).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from typing import Any

REDACTED = "********"


def _lazy(source: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A pattern compiled on first use. Compiling them all was 3 ms of every run, and most
    texts need few of them: each detector below first looks for what it cannot match without
    (``@``, ``=``, ``://``, a keyword)."""
    return cache(lambda: re.compile(source, flags))


_SECRET_NAME = _lazy(
    r"PASS(WORD|WD|PHRASE)?(?!THROUGH)|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE|CREDENTIAL"
    r"|(^|_)AUTH($|_TOKEN|_KEY)|AUTHORIZATION|(^|_)KEY($|_)|SALT|DSN|COOKIE|(^|_)PWD$"
    r"|ACCOUNTKEY|SHAREDACCESSKEY|(^|_)SIG(NATURE)?$|(^|_)SK($|_)",
    re.IGNORECASE,
)
_NOT_A_SECRET_NAME = _lazy(
    r"_(FILE|PATH|DIR|URL|URI|HOST|PORT|USER(NAME)?|NAME|TTL|TIMEOUT|LENGTH|ENABLED|HEADER"
    r"|ENDPOINT|ISSUER|ALGORITHM)$",
    re.IGNORECASE,
)
_PLAIN = _lazy(
    r"(?i)(true|false|yes|no|on|off|null|none|enabled?|disabled?|required|optional|\d{1,5}"
    r"|\$\{?\w+(:?[-?+][^}]*)?\}?)?"
)
_FILE_NAME = _lazy(r"(_FILE|_PATH|_DIR)$", re.IGNORECASE)
_PATH = _lazy(r"\.{0,2}/[\w./-]*")
_DOCKER_SECRET = _lazy(r"/run/secrets/[\w./-]+")

_URL = _lazy(r"(?i)\b[a-z][a-z0-9+.-]*://")
_PLAIN_USER = _lazy(r"[a-z_][a-z0-9_.-]{0,31}")
_MYSQL_DSN = _lazy(
    r"(?<![\w:/@.-])(?P<user>[\w.-]+):(?P<pw>[^\s]+)@(?:[a-z][a-z0-9]*\([^()\s]*\))?/"
)
_KEY_VALUE = _lazy(
    r"(?<![\w.$-])(?P<key>[A-Za-z_][\w.]*)[ \t]*=[ \t]*"
    r"(?:'(?P<sq>[^']*)'|\"(?P<dq>[^\"]*)\"|\{(?P<br>[^}]*)\}|(?P<bare>[^;&\s,'\"]+))"
)
_FLAG = _lazy(
    r"(?i)(?<!\S)--?[\w.-]*(pass(word|wd|phrase)?|secret|token|api-?key|credential|private-key)"
    r"[\w.-]*$"
)
_FLAG_NOT_VALUED = _lazy(r"(?i)(file|path|dir|stdin|env|length|len|min|max|ttl|expiry)$")
_FLAG_IN_TEXT = _lazy(
    r"(?i)(?<!\S)(?P<flag>--?[\w.-]*(?:pass(?:word|wd|phrase)?|secret|token|api-?key|credential"
    r"|private-key)[\w.-]*)(?:=|[ \t]+)(?P<q>['\"])?(?P<val>(?(q)[^'\"]*|[^\s'\"]+))"
)
_USER_FLAG = _lazy(r"(?<!\S)(?:-u|--user|--proxy-user)(?:=|[ \t]*)(?P<q>['\"])?"
                        r"[^\s:'\"]*:(?P<pw>(?(q)[^'\"]*|[^\s'\"]+))")  # fmt: skip
_AUTH_HEADER = _lazy(
    r"(?i)\b(?:authorization|proxy-authorization|x-api-key|api-key|x-auth-token|private-token"
    r"|x-vault-token)[ \t]*:[ \t]*(?:(?:bearer|basic|token|digest|apikey)[ \t]+)?"
    r"(?P<val>[^\s'\",;]+)"
)
_HTPASSWD = _lazy(
    r"(?P<user>[\w.@-]+):(?P<hash>\$+(?:apr1|2[abxy]?|1|5|6|y|argon2i?d?)\$[^\s,'\"]+"
    r"|\{SHA\}[A-Za-z0-9+/=]+)"
)
_QUICK = re.compile(r"[@=:]|--|[A-Za-z0-9_-]{16}")
"""Every detector needs one of these; most strings (images, ports, paths) have none."""


def is_secret_name(name: str) -> bool:
    """Whether a variable's, label's or key's name says that its value is a secret."""
    return bool(_SECRET_NAME().search(name)) and not _NOT_A_SECRET_NAME().search(name)


def is_plain(value: str, name: str = "") -> bool:
    """Whether ``value`` is plainly not a secret, whatever its name says."""
    if _PLAIN().fullmatch(value):
        return True
    if ("/run/secrets/" in value and _DOCKER_SECRET().fullmatch(value)) or (
        "/" in value and _FILE_NAME().search(name) and _PATH().fullmatch(value)
    ):
        return True
    return _is_url(value) and " " not in value and redact_text(value) == value


def redact_value(name: str, value: str | None) -> str | None:
    """``value`` as it may be shown: whole when ``name`` names a secret, else its secret parts."""
    if value is None or value == "":
        return value
    masked = redact_text(value)
    if not is_secret_name(name) or is_plain(value, name):
        return masked
    if masked != value and (_is_url(value) or ("@" in value and _MYSQL_DSN().match(value))):
        return masked  # a DSN under a secret name: its password masked, the rest useful
    return REDACTED


@lru_cache(maxsize=4096)
def redact_text(text: str) -> str:
    """``text`` with every secret part found in it replaced by ``REDACTED``."""
    if not _QUICK.search(text):
        return text
    spans = _secret_spans(text)
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in _merged(spans):
        out.append(text[last:start])
        out.append(REDACTED)
        last = end
    out.append(text[last:])
    return "".join(out)


def redact_environment(env: Mapping[str, str | None]) -> dict[str, str | None]:
    """A copy of ``env`` that is safe to print."""
    return {name: redact_value(name, value) for name, value in env.items()}


def redact_tree(value: Any, name: str = "") -> Any:
    """A copy of a parsed document (dicts, lists, scalars) with its secrets masked.

    A mapping's key is the name of its string value; a list is read as an argument vector, so
    ``["--password", "x"]`` and ``["-u", "admin:x"]`` mask their values.
    """
    if isinstance(value, str):
        return redact_value(name, value) if name else redact_text(value)
    if isinstance(value, dict):
        return {k: redact_tree(v, k if isinstance(k, str) else "") for k, v in value.items()}
    if isinstance(value, list):
        return redact_argv(value)
    return value


def redact_argv(items: list[Any]) -> list[Any]:
    """A list read as ``argv``: a secret flag's next item is masked whole."""
    out: list[Any] = []
    mask_next = user_next = False
    for item in items:
        if isinstance(item, str) and mask_next and not item.startswith("-") and not is_plain(item):
            out.append(REDACTED)
        elif isinstance(item, str) and user_next and ":" in item:
            out.append(item.split(":", 1)[0] + ":" + REDACTED)
        else:
            out.append(redact_tree(item))
        mask_next = (
            isinstance(item, str)
            and bool(_FLAG().search(item))
            and not (_FLAG_NOT_VALUED().search(item))
        )
        user_next = item in ("-u", "--user", "--proxy-user")
    return out


_YAML_LINE = _lazy(
    r"(?P<lead>\s*(?:-\s+)?)(?P<q>['\"]?)(?P<key>[\w.-]+)(?P=q)(?P<sep>:\s+)"
    r"(?P<vq>['\"]?)(?P<value>.*?)(?P=vq)(?P<tail>\s*(?:#.*)?)"
)


def redact_line(line: str) -> str:
    """One line of a YAML or .env file (a diff's context, an error's excerpt), masked."""
    match = _YAML_LINE().fullmatch(line)
    if match and match["value"]:
        value = redact_value(match["key"], match["value"]) or ""
        return (
            f"{match['lead']}{match['q']}{match['key']}{match['q']}{match['sep']}"
            f"{match['vq']}{value}{match['vq']}{match['tail']}"
        )
    return redact_text(line)


def _secret_spans(text: str) -> list[tuple[int, int]]:
    from archcheck.files.secret_rules import token_spans

    spans = _url_spans(text) if "://" in text else []
    lowered = text.lower()
    if "@" in text:
        spans.extend(m.span("pw") for m in _MYSQL_DSN().finditer(text))
    if "=" in text:
        for m in _KEY_VALUE().finditer(text):
            group = next(g for g in ("sq", "dq", "br", "bare") if m[g] is not None)
            if _is_secret_key(m["key"]) and m[group] and not is_plain(m[group], m["key"]):
                spans.append(m.span(group))
    if "-" in text and any(word in lowered for word in _FLAG_WORDS):
        for m in _FLAG_IN_TEXT().finditer(text):
            if m["val"] and not _FLAG_NOT_VALUED().search(m["flag"]) and not is_plain(m["val"]):
                spans.append(m.span("val"))
    detectors = (
        (_USER_FLAG, "pw", "-u" in text),
        (_AUTH_HEADER, "val", any(word in lowered for word in _HEADER_WORDS)),
        (_HTPASSWD, "hash", "$" in text or "{SHA}" in text),
    )
    for pattern, group, possible in detectors:
        for m in pattern().finditer(text) if possible else ():
            if m[group] and not _PLAIN().fullmatch(m[group]):
                spans.append(m.span(group))
    spans.extend(token_spans(text))
    return spans


_FLAG_WORDS = ("pass", "secret", "token", "api", "credential", "private-key")
"""One of these is in every text ``_FLAG_IN_TEXT`` matches (lower-cased)."""

_HEADER_WORDS = ("authorization", "api-key", "auth-token", "private-token", "vault-token")
"""One of these is in every text ``_AUTH_HEADER`` matches (lower-cased)."""


def _is_secret_key(key: str) -> bool:
    """A ``key=`` in text names a secret; a bare ``key=`` (logfmt's ``key=value``) does not."""
    last = key.rsplit(".", 1)[-1]
    if last.lower() == "key":
        return False
    return is_secret_name(last) or last.lower() in {"pass", "sas"}


def _is_url(value: str) -> bool:
    return "://" in value and _URL().match(value) is not None


def _url_spans(text: str) -> list[tuple[int, int]]:
    """User info and secret query values of every URL in ``text``, split as Go does."""
    spans: list[tuple[int, int]] = []
    for m in _URL().finditer(text):
        start = m.end()
        end = start
        while end < len(text) and not text[end].isspace() and text[end] not in "\"'`<>":
            end += 1
        rest = text[start:end]
        cut = len(rest)
        for stop in "#?":
            if stop in rest[:cut]:
                cut = rest.index(stop)
        authority = rest[:cut].split("/", 1)[0]
        at = authority.rfind("@")
        if at > 0:
            userinfo = authority[:at]
            user, colon, password = userinfo.partition(":")
            if colon and password and not _PLAIN().fullmatch(password):
                spans.append((start + len(user) + 1, start + at))
            elif not colon and not _PLAIN_USER().fullmatch(user):
                spans.append((start, start + at))
        query_at = rest.find("?")
        if query_at >= 0:
            offset = start + query_at + 1
            for part in rest[query_at + 1 :].split("#", 1)[0].split("&"):
                key, eq, value = part.partition("=")
                if eq and value and _is_secret_key(key) and not is_plain(value, key):
                    spans.append((offset + len(key) + 1, offset + len(part)))
                offset += len(part) + 1
    return spans


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
