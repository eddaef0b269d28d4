"""Inline SVG for the HTML report: the decision charts and the before/after diagram.

Drawn here as text, with no layout engine or network service, so the report stays one file
that opens anywhere. Colours are CSS classes (``v-separate-high``...), so light, dark and print
styles recolour the pictures without redrawing them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from html import escape

from archcheck.metrics import format_quantity
from archcheck.model import Chart, ChartPoint
from archcheck.reporters._topology import ROLE_WORDS, Box, Feed, Group, Topology

_W, _H = 640, 430
_LEFT, _RIGHT, _TOP, _BOTTOM = 78, 36, 20, 56
_UNIT_SUFFIX = {"events/min": "/min", "ms": " ms", "s": " s"}


def attr(text: str) -> str:
    """``text`` escaped for an attribute value (quotes included)."""
    return escape(text, quote=True)


def point_class(p: ChartPoint) -> str:
    """The colour class of a point: its verdict, and for ``separate`` its priority."""
    if p.separated:
        return "v-separated"
    return f"v-separate-{p.priority}" if p.decision == "separate" else f"v-{p.decision}"


class LogScale:
    """A base-10 log scale from the data and thresholds, padded to whole decades."""

    def __init__(self, values: Iterable[float], start: float, end: float) -> None:
        positive = [v for v in values if v > 0] or [1.0]
        # NOTE: a decade of room beyond a value on a decade, so no threshold sits on the edge.
        self.low = 10.0 ** math.floor(math.log10(min(positive) * 0.999))
        self.high = 10.0 ** math.ceil(math.log10(max(positive) * 1.001))
        if self.high <= self.low:
            self.high = self.low * 10
        self.start, self.end = start, end
        self._span = math.log10(self.high) - math.log10(self.low)

    def __call__(self, value: float) -> float:
        """Screen position of ``value``; values at or below zero sit at the low end."""
        clamped = min(max(value, self.low), self.high)
        share = (math.log10(clamped) - math.log10(self.low)) / self._span
        return round(self.start + share * (self.end - self.start), 1)

    def ticks(self, unit: str) -> list[float]:
        """1, 10, 100... from ``low`` to ``high``; for seconds, 1 s, 10 s, 1 min, 10 min, 1 h..."""
        if unit == "s":
            return [t for t in _TIME_TICKS if self.low <= t <= self.high]
        count = round(self._span)
        return [self.low * 10.0**i for i in range(count + 1)]


_TIME_TICKS = (0.01, 0.1, 1, 10, 60, 600, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400)
_TIME_UNITS = ((86400, "d"), (3600, "h"), (60, "min"), (1, "s"))


def _tick(value: float, unit: str) -> str:
    if unit == "s":
        for size, name in _TIME_UNITS:
            if value >= size:
                return f"{value / size:.3g} {name}"
    return f"{value:g}{_UNIT_SUFFIX.get(unit, ' ' + unit)}"


def chart_svg(
    chart: Chart, tip: Callable[[ChartPoint], str], change: Callable[[ChartPoint], str | None]
) -> str:
    """One chart: log axes, the rule thresholds as lines, one focusable point per measured workload.

    ``tip`` gives a point's evidence text (hover and focus); ``change`` its ``--diff-base``
    mark (``new``, ``worse``, ``fixed``) or None.
    """
    plotted = [p for p in chart.points if p.x is not None and p.y is not None]
    xs = [p.x for p in plotted if p.x is not None] + [t.value for t in chart.x.thresholds]
    ys = [p.y for p in plotted if p.y is not None] + [t.value for t in chart.y.thresholds]
    sx = LogScale(xs, _LEFT, _W - _RIGHT)
    sy = LogScale(ys, _H - _BOTTOM, _TOP)
    out = [
        (
            f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="group" '
            f'aria-label="{attr(chart.title)}" data-kind="{chart.kind}">'
        ),
        (
            f'<rect class="plot" x="{_LEFT}" y="{_TOP}" width="{_W - _LEFT - _RIGHT}" '
            f'height="{_H - _TOP - _BOTTOM}"/>'
        ),
    ]
    out += _zones(chart, sx, sy)
    for value in sx.ticks(chart.x.unit):
        x = sx(value)
        out.append(f'<line class="grid" x1="{x}" y1="{_TOP}" x2="{x}" y2="{_H - _BOTTOM}"/>')
        out.append(f'<text class="tick" x="{x}" y="{_H - _BOTTOM + 16}" text-anchor="middle">'
                   f"{escape(_tick(value, chart.x.unit))}</text>")  # fmt: skip
    for value in sy.ticks(chart.y.unit):
        y = sy(value)
        out.append(f'<line class="grid" x1="{_LEFT}" y1="{y}" x2="{_W - _RIGHT}" y2="{y}"/>')
        out.append(f'<text class="tick" x="{_LEFT - 6}" y="{y + 4}" text-anchor="end">'
                   f"{escape(_tick(value, chart.y.unit))}</text>")  # fmt: skip
    if chart.diagonal is not None and chart.x.unit == chart.y.unit:
        low, high = max(sx.low, sy.low), min(sx.high, sy.high)
        if low < high:
            out.append(
                f'<line class="diagonal" x1="{sx(low)}" y1="{sy(low)}" x2="{sx(high)}" '
                f'y2="{sy(high)}"><title>{escape(chart.diagonal)}</title></line>'
            )
            out.append(
                f'<text class="diagonal-label" x="{sx(high) - 4}" y="{sy(high) + 14}" '
                f'text-anchor="end">{escape(chart.diagonal)}</text>'
            )
    for i, t in enumerate(chart.x.thresholds):
        x = sx(t.value)
        out.append(
            f'<line class="threshold t{i}" x1="{x}" y1="{_TOP}" x2="{x}" y2="{_H - _BOTTOM}"/>'
        )
        out.append(f'<text class="threshold-label" x="{x + 4}" y="{_TOP + 12 + 12 * i}">'
                   f"{escape(t.label)}</text>")  # fmt: skip
    for i, t in enumerate(chart.y.thresholds):
        y = sy(t.value)
        out.append(
            f'<line class="threshold t{i}" x1="{_LEFT}" y1="{y}" x2="{_W - _RIGHT}" y2="{y}"/>'
        )
        out.append(f'<text class="threshold-label" x="{_W - _RIGHT - 4}" y="{y - 4}" '
                   f'text-anchor="end">{escape(t.label)}</text>')  # fmt: skip
    out.append(f'<text class="axis" x="{(_LEFT + _W - _RIGHT) / 2}" y="{_H - 12}" '
               f'text-anchor="middle">{escape(chart.x.label)} ({escape(chart.x.unit)}, log scale)</text>')  # fmt: skip
    out.append(f'<text class="axis" transform="translate(16 {(_TOP + _H - _BOTTOM) / 2}) rotate(-90)" '
               f'text-anchor="middle">{escape(chart.y.label)} ({escape(chart.y.unit)}, log scale)</text>')  # fmt: skip
    for p in plotted:
        assert p.x is not None and p.y is not None
        mark = change(p)
        cx, cy = sx(p.x), sy(p.y)
        label = f"{p.service} {p.workload}: {p.decision} ({p.priority})" + (
            f", {mark}" if mark else ""
        )
        halo = f'<circle class="halo c-{mark}" cx="{cx}" cy="{cy}" r="11"/>' if mark else ""
        out.append(
            f'<g class="pt {point_class(p)}" tabindex="0" role="img" aria-label="{attr(label)}" '
            f'data-service="{attr(p.service)}" data-workload="{attr(p.workload)}" '
            f'data-tip="{attr(tip(p))}"{f" data-change={chr(34)}{mark}{chr(34)}" if mark else ""}>'
            f'{halo}<circle class="dot" cx="{cx}" cy="{cy}" r="6"/></g>'
        )
    out.append("</svg>")
    return "\n".join(out)


def _zones(chart: Chart, sx: LogScale, sy: LogScale) -> list[str]:
    """The inline zone (below the first threshold on both axes) shaded, so the eye finds it."""
    if not chart.x.thresholds:
        return []
    x = sx(chart.x.thresholds[0].value)
    y = sy(chart.y.thresholds[0].value) if chart.y.thresholds else _TOP
    return [
        f'<rect class="zone-inline" x="{_LEFT}" y="{y}" width="{x - _LEFT}" height="{_H - _BOTTOM - y}"/>',
        f'<text class="zone-label" x="{_LEFT + 6}" y="{_H - _BOTTOM - 8}">keep inline</text>',
        f'<text class="zone-label" x="{_W - _RIGHT - 6}" y="{_TOP + 40}" text-anchor="end">separate worker</text>',
    ]


_COL, _PILL = 540, 196
_HEAD, _LINE, _SMALL = 44, 22, 40
_STATE_WORDS = {"recommended": "recommended", "separated": "already separate", "existing": ""}


def _box_height(box: Box) -> int:
    if box.role in ("sidecar", "migration"):
        return _SMALL
    return _HEAD + max(len(box.feeds), 1) * _LINE + 4


def _icon(kind: str, x: float, y: float) -> str:
    """A clock for a schedule, three stacked bars (a queue) for a topic; drawn, not a glyph."""
    if kind == "cron":
        return (
            f'<circle class="icon" cx="{x + 5}" cy="{y}" r="5"/>'
            f'<path class="icon-hand" d="M{x + 5} {y - 3}V{y}H{x + 8}"/>'
        )
    return "".join(
        f'<rect class="icon-bar" x="{x}" y="{y - 4 + 3 * i}" width="10" height="2" rx="1"/>'
        for i in range(3)
    )


def _feed_pill(feed: Feed, x0: int, y: int, target_x: int, shared: tuple[str, ...]) -> str:
    label = ("topic " if feed.kind == "events" else "schedule ") + feed.label
    if shared:
        label += ", subscribed by " + ", ".join(shared)
    return (
        f'<g class="feed f-{feed.kind}{" shared" if shared else ""}"><title>{escape(label)}</title>'
        f'<rect x="{x0}" y="{y}" width="{_PILL}" height="18" rx="9"/>'
        f"{_icon(feed.kind, x0 + 8, y + 9)}"
        f'<text x="{x0 + 24}" y="{y + 13}">{escape(_clip(feed.label, 26))}</text></g>'
        f'<line class="edge" x1="{x0 + _PILL}" y1="{y + 9}" x2="{target_x - 2}" y2="{y + 9}" '
        'marker-end="url(#arrow)"/>'
    )


def _fan_in(x0: int, pill_y: int, bus: int, y: int, target_x: int) -> str:
    """An arrow from a topic pill drawn above to one more workload that subscribes to it."""
    x = x0 + _PILL + 6 + 5 * (bus % 4)
    return (
        f'<path class="edge" d="M{x0 + _PILL} {pill_y + 9}H{x}V{y + 9}H{target_x - 2}" '
        'fill="none" marker-end="url(#arrow)"/>'
    )


def _column(
    boxes: tuple[Box, ...], x0: int, y0: int, topo: Topology, pills: dict[str, int]
) -> tuple[list[str], int]:
    """Boxes stacked at ``x0``; each workload's topic or schedule a pill to the left, arrowed in.

    ``pills``: topic -> the y of its pill in this column, so that a topic is drawn once and
    every other workload subscribed to it gets an arrow from that one pill.
    """
    out: list[str] = []
    y = y0
    bx, bw = x0 + _PILL + 30, _COL - _PILL - 30
    for box in boxes:
        h = _box_height(box)
        state = _STATE_WORDS[box.state]
        role = ROLE_WORDS.get(box.role, box.role) + (f" · {state}" if state else "")
        replicas = f" x{box.replicas}" if box.replicas and box.replicas > 1 else ""
        out.append(f'<g class="box r-{box.role} s-{box.state}"><title>{escape(box.name)}</title>')
        out.append(f'<rect x="{bx}" y="{y}" width="{bw}" height="{h}" rx="6"/>')
        out.append(f'<text class="box-name" x="{bx + 10}" y="{y + 17}">'
                   f"{escape(_clip(box.name, 38))}{replicas}</text>")  # fmt: skip
        out.append(f'<text class="role" x="{bx + 10}" y="{y + 32}">{escape(role)}</text>')
        if box.role == "api" and not box.feeds:
            out.append(
                f'<text class="empty" x="{bx + 10}" y="{y + _HEAD + 14}">requests only</text>'
            )
        out.append("</g>")
        for i, feed in enumerate(box.feeds):
            ly = y + _HEAD + i * _LINE + 14
            out.append(
                f'<text class="workload" x="{bx + 10}" y="{ly}">{escape(_clip(feed.workload, 40))}</text>'
            )
            topic = feed.label if feed.kind == "events" else None
            if topic is not None and topic in pills:
                out.append(_fan_in(x0, pills[topic], list(pills).index(topic), ly - 13, bx))
                continue
            if topic is not None:
                pills[topic] = ly - 13
            shared = topo.shared(topic) if topic is not None else ()
            out.append(_feed_pill(feed, x0, ly - 13, bx, shared))
        y += h + 10
    return out, y


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


DEFS = (
    '<svg class="defs" width="0" height="0" aria-hidden="true"><defs>'
    '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
    'orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" class="arrowhead"/></marker>'
    "</defs></svg>"
)
"""The arrowhead every diagram uses, defined once per page (ids must be unique)."""


def diagram_svg(groups: tuple[Group, ...], topo: Topology) -> str:
    """Application services before and after the split, side by side: one service, or those
    that share topics (``_topology.clusters``), stacked, each shared topic drawn once a side."""
    before_pills: dict[str, int] = {}
    after_pills: dict[str, int] = {}
    body: list[str] = []
    y = 34
    for group in groups:
        if len(groups) > 1:
            body.append(f'<text class="group-title" x="10" y="{y + 12}">{escape(group.service)}</text>')
            y += 22
        before, hb = _column(group.before, 10, y, topo, before_pills)
        after, ha = _column(group.after, _COL + 50, y, topo, after_pills)
        body += [*before, *after]
        y = max(hb, ha) + (8 if len(groups) > 1 else 0)
    height = y + 4
    width = 2 * _COL + 60
    names = ", ".join(g.service for g in groups)
    return "\n".join(
        [
            (
                f'<svg class="diagram" viewBox="0 0 {width} {height}" role="img" '
                f'aria-label="{attr(names)} before and after the split">'
            ),
            '<text class="col-title" x="10" y="18">Before</text>',
            f'<text class="col-title" x="{_COL + 50}" y="18">After</text>',
            f'<line class="divider" x1="{_COL + 25}" y1="8" x2="{_COL + 25}" y2="{height - 4}"/>',
            *body,
            "</svg>",
        ]
    )


def quantity(value: float | None, unit: str) -> str:
    """A chart value with its unit, ``missing`` when not measured."""
    return format_quantity(value, unit) if value is None else _tick(value, unit)
