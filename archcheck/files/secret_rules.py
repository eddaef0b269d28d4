"""Well-known token formats (cloud keys, GitHub/GitLab/Slack/Stripe tokens, JWTs, private keys).

The patterns are gitleaks' rule data, vendored unchanged as ``data/gitleaks.toml`` (gitleaks
v8.30.1, MIT licence in ``data/gitleaks.LICENSE``; source: the Go module
``github.com/zricethezav/gitleaks/v8@v8.30.1``, file ``config/gitleaks.toml``, go.sum hash
``h1:PmEvCfVI7ti9dV3s5aMZUY7sS2GxRvG3yzih7E+cS3w=``). gitleaks was chosen over detect-secrets'
plugins because it is released every few weeks, covers about 200 providers (detect-secrets: about
25) and says for each rule which group is the secret, so only that part is masked.

The rules are read the way gitleaks reads them: a rule runs only on text containing one of its
keywords; the secret is the rule's ``secretGroup``, else its first non-empty group, else the whole
match; a secret below the rule's entropy or matched by an allowlist is not one. Go's RE2 syntax
differs from Python's in two places, translated on load: a ``(?i)`` in the middle of a pattern
(it applies to the rest of its group) and ``\\z``. Rules that describe file paths, or a generic
``key = value`` shape (``generic-api-key``: archcheck judges names itself), are left out.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

from archcheck.structs import dataclass

DATA = Path(__file__).with_name("data") / "gitleaks.toml"
COMPILED = DATA.with_name("gitleaks.compiled.json")
"""``DATA`` as ``compile_data`` makes it, with the hash of the TOML it was made from
(``write_compiled`` regenerates it; a test checks that it is current)."""
SKIPPED = frozenset({"generic-api-key", "curl-auth-user", "curl-auth-header"})
"""Rules left out on purpose: ``archcheck.files.redact`` judges names, and masks only the
password of ``curl -u user:pass`` and the credential of an ``Authorization:`` header."""


@dataclass(frozen=True)
class TokenRule:
    """One gitleaks rule, compiled for Python."""

    id: str
    source: str
    keywords: tuple[str, ...]
    secret_group: int
    entropy: float
    allow: tuple[str, ...]
    stopwords: tuple[str, ...]

    @property
    def pattern(self) -> re.Pattern[str]:
        """Compiled on first use: compiling all of them costs 250 ms, most are never needed."""
        return _compile(self.source)


@cache
def _compile(source: str) -> re.Pattern[str]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set": Go syntax
        return re.compile(source)


def translate(go_regex: str) -> str:
    """A Go RE2 pattern in Python's syntax: ``X(?i)Y`` -> ``X(?i:Y)`` (to the group's end),
    ``\\z`` -> ``\\Z``; a ``(?i)`` at the very start is kept as it is."""
    out: list[str] = []
    closers: list[int] = [0]  # per open group: how many ')' to add before its own ')'
    i = 0
    while i < len(go_regex):
        char = go_regex[i]
        if char == "\\" and i + 1 < len(go_regex):
            out.append("\\Z" if go_regex[i + 1] == "z" else go_regex[i : i + 2])
            i += 2
            continue
        if char == "[":
            end = _class_end(go_regex, i)
            out.append(go_regex[i:end])
            i = end
            continue
        if go_regex.startswith("(?i)", i) and (out or i):
            out.append("(?i:")
            closers[-1] += 1
            i += 4
            continue
        if char == "(":
            closers.append(0)
        elif char == ")":
            out.append(")" * closers.pop())
        out.append(char)
        i += 1
    out.append(")" * closers[0])
    return "".join(out)


def _class_end(regex: str, start: int) -> int:
    """The index after the character class opening at ``start`` (``[]...]`` and ``[^]...]``)."""
    i = start + 1
    if i < len(regex) and regex[i] == "^":
        i += 1
    if i < len(regex) and regex[i] == "]":
        i += 1
    while i < len(regex):
        if regex[i] == "\\":
            i += 2
            continue
        if regex[i] == "[" and regex.startswith("[:", i):
            close = regex.find(":]", i + 2)
            i = close + 2 if close >= 0 else i + 1
            continue
        if regex[i] == "]":
            return i + 1
        i += 1
    return len(regex)


Compiled = dict[str, Any]
"""What ``compile_data`` makes of the TOML: JSON-ready, so that it can be stored in ``COMPILED``."""


def compile_data(toml_text: str) -> Compiled:
    """The usable rules (translated to Python syntax) and the global allowlist of the TOML."""
    import tomllib

    data = tomllib.loads(toml_text)
    compiled: list[list[Any]] = []
    for raw in data["rules"]:
        if raw["id"] in SKIPPED or "regex" not in raw or "path" in raw:
            continue
        allow: list[str] = []
        stopwords: list[str] = []
        for allowlist in raw.get("allowlists", ()):
            if allowlist.get("paths") or allowlist.get("regexTarget") not in (None, "secret"):
                continue
            allow.extend(translate(r) for r in allowlist.get("regexes", ()))
            stopwords.extend(word.lower() for word in allowlist.get("stopwords", ()))
        compiled.append(
            [
                raw["id"],
                translate(raw["regex"]),
                [k.lower() for k in raw.get("keywords", ())],
                int(raw.get("secretGroup", 0)),
                float(raw.get("entropy", 0.0)),
                allow,
                stopwords,
            ]
        )
    allowlist = data["allowlist"]
    return {
        "rules": compiled,
        "allow": [translate(r) for r in allowlist.get("regexes", ())],
        "stopwords": [word.lower() for word in allowlist.get("stopwords", ())],
    }


def write_compiled() -> None:
    """Regenerate ``COMPILED`` from ``DATA`` (after updating the vendored TOML)."""
    raw = DATA.read_bytes()
    compiled = {"source_sha256": _sha256(raw), **compile_data(raw.decode("utf-8"))}
    COMPILED.write_text(json.dumps(compiled, indent=0) + "\n", encoding="utf-8")


def _sha256(raw: bytes) -> str:
    from archcheck.digest import sha256

    return sha256(raw).hexdigest()


@cache
def _data() -> Compiled:
    """``COMPILED`` when it was made from this ``DATA`` (its hash says so), else the TOML compiled
    now: reading the TOML and translating its patterns on every run costs 20 ms of CPU."""
    raw = DATA.read_bytes()
    try:
        stored: Compiled = json.loads(COMPILED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = {}
    if stored.get("source_sha256") == _sha256(raw):
        return stored
    return compile_data(raw.decode("utf-8"))


@cache
def rules() -> tuple[TokenRule, ...]:
    """Every usable rule of the vendored data, in the file's order."""
    return tuple(
        TokenRule(
            id=rule_id,
            source=source,
            keywords=tuple(keywords),
            secret_group=secret_group,
            entropy=entropy,
            allow=tuple(allow),
            stopwords=tuple(stopwords),
        )
        for rule_id, source, keywords, secret_group, entropy, allow, stopwords in _data()["rules"]
    )


@cache
def _global_allow() -> tuple[tuple[str, ...], tuple[str, ...]]:
    data = _data()
    return tuple(data["allow"]), tuple(data["stopwords"])


@cache
def _keywords() -> tuple[str, ...]:
    """Every rule's keywords. NOTE: tested one by one with ``in``: compiling them into one
    alternation cost 3 ms of every run that shows an excerpt, for a handful of short lines."""
    return tuple(sorted({k for rule in rules() for k in rule.keywords}))


def shannon_entropy(text: str) -> float:
    """Bits per character, as gitleaks computes it."""
    counts = Counter(text)
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values()) if total else 0.0


def token_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds a well-known token: (start, end) of each secret part."""
    lowered = text.lower()
    if not any(word in lowered for word in _keywords()):
        return []
    allow, stopwords = _global_allow()
    spans: list[tuple[int, int]] = []
    for rule in rules():
        if not any(word in lowered for word in rule.keywords):
            continue
        for match in rule.pattern.finditer(text):
            group = _secret_group(rule, match)
            secret = match.group(group)
            if not secret or (rule.entropy and shannon_entropy(secret) < rule.entropy):
                continue
            low = secret.lower()
            if any(_compile(p).search(secret) for p in (*rule.allow, *allow)) or any(
                word in low for word in (*rule.stopwords, *stopwords)
            ):
                continue
            spans.append(match.span(group))
    return spans


def _secret_group(rule: TokenRule, match: re.Match[str]) -> int:
    if rule.secret_group and rule.secret_group <= (match.re.groups or 0):
        return rule.secret_group
    for index in range(1, (match.re.groups or 0) + 1):
        if match.group(index):
            return index
    return 0
