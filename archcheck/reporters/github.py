"""GitHub Actions workflow commands: one annotation per finding and actionable verdict.

``::error file=F,line=L,col=C,title=T::message`` lines turn into annotations on the pull
request's diff. What fails the run (at or above ``--fail-on``) is an ``error``, the rest a
``warning`` or ``notice``. Verdicts that ask for no change (``inline``, or a split already done)
are left out to keep the diff quiet; suppressed items become notices that say why they are
accepted.
"""

from __future__ import annotations

from archcheck.model import Report
from archcheck.reporters._items import Item, quiet, report_items, suppressed_text

_BELOW_FAIL_ON = {0: "notice", 1: "notice", 2: "warning", 3: "warning"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(item: Item) -> str:
    command = "error" if item.gating else _BELOW_FAIL_ON[item.level]
    if item.suppression is not None:
        command = "notice"
    title = item.title
    message = item.message
    if item.suppression is not None:
        title = f"{title} (suppressed)"
        message = f"{message} [{suppressed_text(item.suppression)}]"
    elif item.change is not None:
        title = f"{title} ({item.change})"
    properties = []
    if item.location is not None and item.path is not None:
        properties += [
            f"file={_escape_property(item.path)}",
            f"line={item.location.line}",
            f"col={item.location.column}",
        ]
    properties.append(f"title={_escape_property(title)}")
    return f"::{command} {','.join(properties)}::{_escape_data(message)}"


def render(report: Report, *, verbose: bool = False) -> str:
    """One workflow command per line; ``verbose`` also annotates verdicts that ask for no change."""
    lines = [_annotation(item) for item in report_items(report) if verbose or not quiet(item)]
    return "".join(f"{line}\n" for line in lines)
