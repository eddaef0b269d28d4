"""Value formats of Compose's Go model: durations, byte sizes, numbers printed as Go prints them,
shell words, port and volume short syntax."""

from __future__ import annotations

import math
import posixpath
import re
from typing import Any


class FormatError(Exception):
    """A value Compose cannot parse; the caller adds the key and location."""


def go_text(value: Any) -> str | None:
    """A YAML scalar as Compose turns it into a string (``%v``): 1.0 -> "1", True -> "true"."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    return str(value)


def go_float(value: float) -> str:
    """Go's ``%v`` for a float64: shortest form, exponent from 1e21 and below 1e-4."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, _, exponent = text.partition("e")
        sign = "-" if exponent.startswith("-") else "+"
        digits = exponent.lstrip("+-").rjust(2, "0")
        return f"{mantissa.removesuffix('.0')}e{sign}{digits}"
    absolute = abs(value)
    if absolute >= 1e21 or absolute < 1e-4:
        mantissa, _, exponent = f"{value:e}".partition("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{exponent[0]}{exponent[1:].lstrip('0').rjust(2, '0')}"
    return text


# --- durations ---------------------------------------------------------------------------------

_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")


_MAX_DURATION_S = (2**63 - 1) / 1e9
"""Go's time.Duration is an int64 of nanoseconds: about 292 years."""


def parse_duration(value: Any) -> int:
    """A Go duration (``1m30s``, ``500ms``) or a number of seconds, in nanoseconds."""
    if isinstance(value, bool):
        raise FormatError(f"invalid duration {value!r}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or abs(value) > _MAX_DURATION_S:
            raise FormatError(f"invalid duration {value!r}: out of range")
        return int(value * 1_000_000_000)
    text = str(value).strip()
    if text in ("0", ""):
        if text == "":
            raise FormatError('invalid duration ""')
        return 0
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    total = 0.0
    pos = 0
    while pos < len(body):
        match = _DURATION_PART.match(body, pos)
        if match is None or match.group(1) in ("", "."):
            raise FormatError(f'time: invalid duration "{text}"')
        total += float(match.group(1)) * _UNITS_NS[match.group(2)]
        pos = match.end()
    if total > _MAX_DURATION_S * 1e9:
        raise FormatError(f'time: invalid duration "{text}": out of range')
    return sign * round(total)


def format_duration(ns: int) -> str:
    """Go's ``time.Duration.String``: ``1m30s``, ``500ms``, ``1h0m0s``, ``0s``."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _fraction(ns, size) + unit
    hours, rest = divmod(ns, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    seconds = _fraction(rest, 1_000_000_000) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    if minutes:
        return f"{sign}{minutes}m{seconds}"
    return sign + seconds


def _fraction(value: int, unit: int) -> str:
    whole, rest = divmod(value, unit)
    if not rest:
        return str(whole)
    digits = str(rest).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


# --- byte sizes --------------------------------------------------------------------------------

_BYTES = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgtpe]?)(i?b?)\s*$", re.IGNORECASE)
_MULT = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50, "e": 1 << 60}


def parse_bytes(value: Any) -> int:
    """``512m``, ``1gb``, ``1.5G`` or a number, in bytes (binary units, as docker's RAMInBytes)."""
    if isinstance(value, bool):
        raise FormatError(f"invalid size: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FormatError(f"invalid size: {value!r}")
        return int(value)
    match = _BYTES.match(str(value))
    if match is None:
        raise FormatError(f"invalid size: '{value}'")
    return int(float(match.group(1)) * _MULT[match.group(2).lower()])


# --- shell words -------------------------------------------------------------------------------


def shell_split(text: str) -> list[str]:
    """Split a ``command:`` string into words as Compose does (quotes and backslashes)."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    quote = ""
    escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
            in_word = True
            continue
        if quote == "'":
            if char == "'":
                quote = ""
            else:
                current.append(char)
            continue
        if quote == '"':
            if char == '"':
                quote = ""
            elif char == "\\":
                escaped = True
            else:
                current.append(char)
            continue
        if char == "\\":
            escaped = True
            in_word = True
        elif char in "'\"":
            quote = char
            in_word = True
        elif char in ";&|<>":
            # NOTE: like go-shellwords, Compose stops at the first shell operator.
            break
        elif char in " \t\r\n":
            if in_word:
                words.append("".join(current))
                current = []
                in_word = False
        else:
            current.append(char)
            in_word = True
    if quote or escaped:
        raise FormatError(f"invalid command line string: {text!r} has an unclosed quote")
    if in_word:
        words.append("".join(current))
    return words


# --- ports -------------------------------------------------------------------------------------

_PROTOCOLS = frozenset(("tcp", "udp", "sctp"))


def _port_range(text: str) -> tuple[int, int]:
    start, sep, end = text.partition("-")
    try:
        first = int(start)
        last = int(end) if sep else first
    except ValueError:
        raise FormatError(f"invalid port {text!r}") from None
    if not (0 <= first <= 65535 and 0 <= last <= 65535) or last < first:
        raise FormatError(f"invalid port range {text!r}")
    return first, last


def parse_port(spec: Any) -> list[dict[str, Any]]:
    """Short port syntax (``[ip:][published:]target[/proto]``, ranges) as long entries."""
    text = str(spec)
    parts = text.split(":")
    if len(parts) == 1:
        ip, host, container = "", "", parts[0]
    elif len(parts) == 2:
        ip, host, container = "", parts[0], parts[1]
    else:
        ip, host, container = ":".join(parts[:-2]), parts[-2], parts[-1]
    container, _, proto = container.partition("/")
    proto = proto or "tcp"
    if ip.startswith("[") and ip.endswith("]"):
        ip = ip[1:-1]
    if ip:
        import ipaddress  # NOTE: only here; most ports have no host IP

        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise FormatError(f"invalid IP address: {ip}") from None
    if not container:
        raise FormatError(f"no port specified: {text}<empty>")
    start, end = _port_range(container)
    host_start = host_end = 0
    if host:
        host_start, host_end = _port_range(host)
        if end - start != host_end - host_start and end != start:
            raise FormatError(
                f"invalid ranges specified for container and host Ports: {container} and {host}"
            )
    if proto.lower() not in _PROTOCOLS:
        raise FormatError(f"invalid proto: {proto}")
    entries = []
    for i in range(end - start + 1):
        published = str(host_start + i) if host else ""
        if start == end and host_start != host_end:
            published = f"{host_start}-{host_end}"
        entries.append((f"{start + i}/{proto.lower()}", start + i, published))
    entries.sort(key=lambda entry: entry[0])
    out = []
    for _, target, published in entries:
        port: dict[str, Any] = {"mode": "ingress"}
        if ip:
            port["host_ip"] = ip
        port["target"] = target
        if published:
            port["published"] = published
        port["protocol"] = proto.lower()
        out.append(port)
    return out


# --- volumes -----------------------------------------------------------------------------------

_PROPAGATION = frozenset(("rprivate", "private", "rshared", "shared", "rslave", "slave"))


def parse_volume(spec: str) -> dict[str, Any]:
    """Short volume syntax (``source:target[:options]``) as the long form, before paths resolve."""
    if not spec:
        raise FormatError("invalid empty volume spec")
    if len(spec) <= 2:
        return {"type": "volume", "target": spec, "volume": {}}
    sections = spec.split(":")
    # Windows drive letters (C:\...) keep their colon.
    merged: list[str] = []
    for section in sections:
        if merged and len(merged[-1]) == 1 and merged[-1].isalpha() and section.startswith("\\"):
            merged[-1] += ":" + section
        else:
            merged.append(section)
    if any(not section for section in merged):
        raise FormatError(f"invalid spec: {spec}: empty section between colons")
    if len(merged) > 3:
        raise FormatError(f"invalid spec: {spec}: too many colons")
    source = merged[0] if len(merged) > 1 else ""
    target = merged[1] if len(merged) > 1 else merged[0]
    read_only = False
    nocopy = False
    selinux = ""
    propagation = ""
    if len(merged) == 3:
        for option in merged[2].split(","):
            if option == "ro":
                read_only = True
            elif option == "rw":
                read_only = False
            elif option == "nocopy":
                nocopy = True
            elif option in ("z", "Z"):
                selinux = option
            elif option in _PROPAGATION:
                propagation = option
    volume: dict[str, Any] = {}
    is_bind = bool(source) and (source[0] in "./~" or is_windows_path(source))
    volume["type"] = "bind" if is_bind else "volume"
    if source:
        volume["source"] = source
    volume["target"] = posixpath.normpath(target) if target.startswith("/") else target
    if read_only:
        volume["read_only"] = True
    bind: dict[str, Any] = {}
    if selinux:
        bind["selinux"] = selinux
    if propagation:
        bind["propagation"] = propagation
    if is_bind:
        bind["create_host_path"] = True
    if bind:
        volume["bind"] = bind
    if not is_bind:
        volume["volume"] = {"nocopy": True} if nocopy else {}
    return volume


VOLUME_ORDER = ("type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs",
                "image")  # fmt: skip


def is_windows_path(source: str) -> bool:
    """``C:\\x`` or ``\\\\server\\share``: Compose leaves these as they are."""
    return source.startswith("\\\\") or (
        len(source) > 2 and source[1] == ":" and source[0].isalpha() and source[2] in "\\/"
    )
