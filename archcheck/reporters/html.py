"""``--format html``: the review as one self-contained page, for the meeting where it is decided.

Everything is inline (CSS, JS, SVG; system fonts only) and a Content-Security-Policy forbids
any request, so the file opens the same from a CI artefact or an e-mail attachment. Sections:
summary, the decision charts (one point per workload, thresholds from the report), what changed
since ``--diff-base``, the system before and after the split, the migration path, one section
per service (verdicts, evidence with source excerpts, findings with their rule docs, coverage),
and the notes. Light and dark follow the system (a button overrides); printing gives paper
colours and opens every folded section.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from html import escape
from pathlib import Path

from archcheck.metrics import format_quantity
from archcheck.model import (
    VERDICT_PREFIX,
    Chart,
    ChartPoint,
    Evidence,
    Finding,
    Location,
    MigrationPhase,
    Note,
    Report,
    RuleDoc,
    Verdict,
)
from archcheck.reporters import ServiceSummary, notes_by_service, service_summaries
from archcheck.reporters._items import display_path, display_text, doc_url, shown_decision
from archcheck.reporters._svg import DEFS, attr, chart_svg, diagram_svg, point_class, quantity
from archcheck.reporters._topology import Topology, clusters, topology

_KIND_TITLE = {"events": "Event handlers", "cron": "Cron jobs", "migration": "Migrations"}
_DECISION_WORDS = {
    "separate": "separate",
    "separated": "already separate",
    "inline": "keep inline",
    "insufficient-data": "not decided",
}
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; font-src data:"
)
_CODE = re.compile(r"`([^`]+)`")
_ASSETS = Path(__file__).with_name("html_assets")
UNFOLD_UP_TO = 50
"""With up to this many services, the evidence of every verdict that asks for a change is
unfolded; larger reports fold it (``--verbose`` unfolds it all)."""


@cache
def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def render(report: Report, *, verbose: bool = False) -> str:
    """The report as one HTML document (``verbose`` opens every evidence table)."""
    summaries = service_summaries(report)
    topo = topology(report)
    notes = notes_by_service(report)
    body = [
        _header(report, summaries),
        _summary(report, summaries),
        _charts(report),
        _changes(report),
        _diagram(topo),
        _migration(report.migration),
        _services(report, summaries, verbose, dict(notes)),
        _other_findings(report),
        _coverage(report, topo),
        _notes(notes, {s.service for s in summaries}),
    ]
    title = f"archcheck review: {report.project}"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="color-scheme" content="light dark">',
            f'<meta name="generator" content="archcheck {attr(report.tool_version)}">',
            f"<title>{escape(title)}</title>",
            f"<style>{_asset('report.css')}</style>",
            "</head>",
            "<body>",
            DEFS,
            _toolbar(),
            '<main id="top">',
            *(part for part in body if part),
            "</main>",
            '<div id="tip" role="tooltip" hidden></div>',
            f"<script>{_asset('report.js')}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _toolbar() -> str:
    return (
        '<nav class="toolbar" aria-label="report">'
        '<a href="#summary">Summary</a><a href="#charts">Charts</a>'
        '<a href="#system">Before / after</a><a href="#migration">Migration</a>'
        '<a href="#services">Services</a><a href="#coverage">Coverage</a>'
        '<span class="spacer"></span>'
        '<input id="filter" type="search" placeholder="Filter services" aria-label="Filter services">'
        '<button id="theme" type="button" title="Switch light and dark">Theme</button>'
        '<button id="print" type="button">Print</button>'
        "</nav>"
    )


def _code(text: str) -> str:
    """``text`` escaped, with backticked spans as ``<code>``."""
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escape(display_text(text)))


def _shown(p: ChartPoint) -> str:
    return "separated" if p.separated else p.decision


def _badge(decision: str, priority: str) -> str:
    cls = f"v-separate-{priority}" if decision == "separate" else f"v-{decision}"
    words = _DECISION_WORDS.get(decision, decision)
    shown = f"{words} · {priority}" if decision == "separate" else words
    return f'<span class="badge {cls}">{escape(shown)}</span>'


def _change(change: str | None) -> str:
    return f' <span class="change c-{change}">{escape(change)}</span>' if change else ""


def _anchor(service: str) -> str:
    return "svc-" + re.sub(r"[^A-Za-z0-9_-]", "-", service)


def _header(report: Report, summaries: list[ServiceSummary]) -> str:
    files = ", ".join(f"<code>{escape(display_path(f))}</code>" for f in report.compose_files)
    counts = Counter(
        f"separate-{s.priority}" if s.decision == "separate" else s.decision for s in summaries
    )
    severities = Counter(f.severity for f in report.findings)
    tiles = [
        ("separate-high", "separate, high"),
        ("separate-medium", "separate, medium"),
        ("separate-low", "separate, low"),
        ("separated", "already separate"),
        ("inline", "keep inline"),
        ("insufficient-data", "data missing"),
    ]
    cards = "".join(
        f'<div class="tile v-{key}"><b>{counts.get(key, 0)}</b><span>{escape(label)}</span></div>'
        for key, label in tiles
    )
    findings = sum(severities.values())
    cards += (
        f'<div class="tile t-findings"><b>{findings}</b><span>findings'
        f"{' (' + str(severities['high']) + ' high)' if severities.get('high') else ''}</span></div>"
    )
    return (
        '<header class="head">'
        f"<h1>Jobs &amp; workers review <span>{escape(report.project)}</span></h1>"
        f'<p class="meta">Generated by archcheck {escape(report.tool_version)} from {files or "no compose file"}.</p>'
        f'<div class="tiles">{cards}</div>'
        "</header>"
    )


def _summary(report: Report, summaries: list[ServiceSummary]) -> str:
    out = ['<section id="summary"><h2>Summary</h2>']
    if not summaries:
        out.append(
            "<p>No verdict to show (see the notes).</p>" if report.workloads
            else "<p>No service declares event handlers or cron jobs (see <code>x-archcheck</code>).</p>"
        )  # fmt: skip
        return "".join(out) + "</section>"
    findings = Counter(f.service for f in report.findings)
    out.append(
        '<table class="summary"><thead><tr><th>service</th><th>overall</th>'
        "<th>event handlers</th><th>cron jobs</th><th>findings</th></tr></thead><tbody>"
    )
    for s in summaries:
        cells = "".join(
            f"<td>{_badge(*s.kinds[k])}</td>" if k in s.kinds else '<td class="none">-</td>'
            for k in ("events", "cron")
        )
        out.append(
            f'<tr data-service="{attr(s.service)}"><td><a href="#{_anchor(s.service)}">'
            f"{escape(s.service)}</a></td><td>{_badge(s.decision, s.priority)}</td>{cells}"
            f"<td>{findings.get(s.service, 0) or ''}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def _point_change(report: Report) -> dict[tuple[str, str], str]:
    """(service, kind) -> ``new``/``worse`` from the verdicts, ``fixed`` from ``report.fixed``."""
    marks: dict[tuple[str, str], str] = {
        (v.service, v.kind): v.change for v in report.verdicts if v.change
    }
    for f in report.fixed:
        if f.service is not None and f.what.startswith(VERDICT_PREFIX):
            marks.setdefault((f.service, f.what.removeprefix(VERDICT_PREFIX)), "fixed")
    return marks


def _tip(chart: Chart, p: ChartPoint, change: str | None) -> str:
    lines = [
        f"{p.service} · {p.workload}",
        f"{_DECISION_WORDS[_shown(p)]} ({p.priority})"
        + (f" · {change} since base" if change else ""),
        f"{chart.x.label}: {quantity(p.x, chart.x.unit)}"
        + (f" ({p.x_source})" if p.x_source else ""),
        f"{chart.y.label}: {quantity(p.y, chart.y.unit)}"
        + (f" ({p.y_source})" if p.y_source else ""),
    ]
    if p.location is not None:
        lines.append(f"declared at {_where(p.location)}")
    return display_text("\n".join(lines))


def _charts(report: Report) -> str:
    if not report.charts:
        return ""
    marks = _point_change(report)
    out = [
        '<section id="charts"><h2>Decision charts</h2>',
        (
            '<p class="lede">One point per workload, coloured by its verdict; the lines are the rule '
            "thresholds the verdicts were judged by. Hover or focus (Tab) a point for its evidence.</p>"
        ),
        _legend(bool(marks)),
        '<div class="chart-grid">',
    ]
    for chart in report.charts:
        kind = chart.kind

        def change(p: ChartPoint, kind: str = kind) -> str | None:
            return marks.get((p.service, kind))

        def tip(p: ChartPoint, chart: Chart = chart) -> str:
            return _tip(chart, p, change(p))

        plotted = sum(1 for p in chart.points if p.x is not None and p.y is not None)
        out.append(
            f'<figure class="chart-box" data-kind="{kind}" data-points="{plotted}">'
            f"<figcaption><h3>{escape(chart.title)}</h3>"
            f"<span>{plotted} of {len(chart.points)} workloads plotted</span></figcaption>"
        )
        out.append(chart_svg(chart, tip, change))
        out.append(_missing(chart))
        out.append("</figure>")
    out.append("</div></section>")
    return "\n".join(out)


def _legend(with_changes: bool) -> str:
    items = [
        ("v-separate-high", "separate, high"),
        ("v-separate-medium", "separate, medium"),
        ("v-separate-low", "separate, low"),
        ("v-separated", "already separate"),
        ("v-inline", "keep inline"),
        ("v-insufficient-data", "data missing"),
    ]
    out = ['<ul class="legend">']
    out += [f'<li><i class="swatch {cls}"></i>{escape(label)}</li>' for cls, label in items]
    if with_changes:
        out += [
            f'<li><i class="ring c-{c}"></i>{c} since base</li>' for c in ("new", "worse", "fixed")
        ]
    out.append('<li><i class="line-swatch"></i>rule threshold</li></ul>')
    return "".join(out)


def _missing(chart: Chart) -> str:
    """The workloads that cannot be plotted, and which value is missing: never drawn at zero."""
    missing = [p for p in chart.points if p.x is None or p.y is None]
    if not missing:
        return ""
    out = [
        (
            f'<details class="missing" open><summary>{len(missing)} workload(s) not plotted: '
            "data missing</summary><ul>"
        )
    ]
    for p in missing:
        what = []
        if p.x is None:
            what.append(f"{chart.x.label}: {p.x_source or 'missing'}")
        if p.y is None:
            what.append(f"{chart.y.label}: {p.y_source or 'missing'}")
        out.append(
            f'<li class="{point_class(p)}" data-service="{attr(p.service)}"><b>{escape(p.service)} · '
            f"{escape(p.workload)}</b> {_badge(_shown(p), p.priority)}<br>"
            f"{_code('; '.join(what))}</li>"
        )
    out.append("</ul></details>")
    return "".join(out)


def _changes(report: Report) -> str:
    changed: list[Finding | Verdict] = [
        *(v for v in report.verdicts if v.change),
        *(f for f in report.findings if f.change),
    ]
    if not changed and not report.fixed:
        return ""
    out = ['<section id="changes"><h2>Changes since the base</h2><ul class="changes">']
    for item in changed:
        if isinstance(item, Verdict):
            text = f"{item.service} {_KIND_TITLE.get(item.kind, item.kind).lower()}: {item.summary}"
            head = _badge(shown_decision(item), item.priority)
        else:
            text = f"{item.rule_id} {item.rule_name}: {item.message}"
            head = f'<span class="sev s-{item.severity}">{item.severity}</span>'
        out.append(f"<li>{_change(item.change)} {head} {_code(text)}</li>")
    for fixed in report.fixed:
        who = f"{fixed.service} " if fixed.service else ""
        out.append(f"<li>{_change('fixed')} {_code(who + fixed.what + ': ' + fixed.summary)}</li>")
    out.append("</ul></section>")
    return "".join(out)


def _diagram(topo: Topology) -> str:
    if not topo.groups and not topo.other:
        return ""
    out = [
        '<section id="system"><h2>The system before and after the split</h2>',
        (
            '<p class="lede">Each application service with its containers: on the left as it runs '
            "today, on the right with the workers the verdicts recommend (dashed) and the ones it "
            "already has (marked <em>already separate</em>). Pills are the topics and schedules "
            "that trigger each workload.</p>"
        ),
    ]
    if topo.infrastructure:
        names = "".join(f"<li>{escape(n)}</li>" for n in topo.infrastructure)
        out.append(f'<div class="infra"><h3>Infrastructure</h3><ul>{names}</ul></div>')
    for cluster in clusters(topo):
        first = cluster[0]
        # NOTE: services drawn with the first one (they share topics) keep their own anchor.
        caption = " · ".join(
            (f'<span id="diagram-{_anchor(g.service)}"></span>' if g is not first else "")
            + f'<a href="#{_anchor(g.service)}">{escape(g.service)}</a>'
            + (f" {_badge(g.decision, g.priority)}" if g.decision and g.priority else "")
            for g in cluster
        )
        names = " ".join(g.service for g in cluster)
        out.append(
            f'<figure class="group" data-service="{attr(names)}" id="diagram-{_anchor(first.service)}">'
            f"<figcaption>{caption}</figcaption>{diagram_svg(cluster, topo)}</figure>"
        )
    if topo.other:
        names = "".join(f"<li>{escape(n)}</li>" for n in topo.other)
        out.append(
            f'<div class="infra"><h3>Services without event handlers or cron jobs</h3><ul>{names}</ul></div>'
        )
    out.append("</section>")
    return "\n".join(out)


def _phase(number: int, phase: MigrationPhase) -> str:
    steps = "".join(f"<li>{_code(step)}</li>" for step in phase.steps)
    workers = ", ".join(f"<code>{escape(w)}</code>" for w in phase.workers)
    return (
        f'<li class="phase"><h3>Phase {number}: {escape(phase.service)} '
        f"{_badge('separate', phase.priority)}</h3><p>New: {workers}</p><ol>{steps}</ol></li>"
    )


def _migration(phases: tuple[MigrationPhase, ...]) -> str:
    if not phases:
        return ""
    items = "".join(_phase(n, p) for n, p in enumerate(phases, start=1))
    return (
        f'<section id="migration"><h2>Migration path</h2><ol class="phases">{items}</ol></section>'
    )


def _where(location: Location) -> str:
    return f"{display_path(location.file)}:{location.line}:{location.column}"


def _location(location: Location | None, line: str | None) -> str:
    """FILE:LINE:COL and the source line it points at (secrets already masked)."""
    if location is None:
        return ""
    excerpt = (
        f'<pre class="excerpt"><span class="ln">{location.line}</span>{escape(line.strip())}</pre>'
        if line is not None else ""
    )  # fmt: skip
    return f'<span class="loc">{escape(_where(location))}</span>{excerpt}'


def _evidence_row(e: Evidence) -> str:
    value = "<em>missing</em>" if e.value is None else escape(format_quantity(e.value, e.unit))
    outcome = (
        _badge(e.outcome, e.priority or "low")
        if e.outcome != "neutral"
        else '<span class="muted">-</span>'
    )
    source = _code(e.source or "")
    if e.value is None and e.how_to_get:
        source += f'<div class="how">{_code(e.how_to_get)}</div>'
    return (
        f"<tr><td>{escape(e.criterion)}</td><td>{value}</td>"
        f"<td>{escape(str(e.threshold)) if e.threshold is not None else ''}</td>"
        f"<td>{escape(e.unit or '')}</td><td>{outcome}</td><td>{source}</td>"
        f"<td>{_location(e.location, e.excerpt)}</td></tr>"
    )


def _verdict(report: Report, v: Verdict, unfold: bool) -> str:
    """One verdict; its evidence table unfolded when ``unfold``."""
    suppressed = (
        f'<p class="suppressed">Accepted: {_code(v.suppression.reason)}</p>'
        if v.suppression
        else ""
    )
    rows = "".join(_evidence_row(e) for e in v.evidence)
    names = ", ".join(f"<code>{escape(w)}</code>" for w in v.workloads)
    measured = sum(1 for e in v.evidence if e.value is not None)
    return (
        f'<div class="verdict"><h4>{_KIND_TITLE.get(v.kind, v.kind)} {_badge(shown_decision(v), v.priority)}'
        f"{_change(v.change)}</h4><p>{names}</p><p>{_code(v.summary)}</p>{suppressed}"
        f"<details{' open' if unfold else ''}><summary>Evidence: "
        f"{measured} of {len(v.evidence)} criteria measured</summary>"
        '<div class="scroll"><table class="evidence"><thead><tr><th>criterion</th><th>value</th>'
        "<th>threshold</th><th>unit</th><th>outcome</th><th>source</th><th>where</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div></details></div>"
    )


def _rule_page(rule: RuleDoc) -> str:
    """A link to the rule's page (opened only when clicked: the page itself loads nothing)."""
    url = doc_url(rule.id, rule.name)
    if url is None:
        return ""
    return f' (<a class="page" href="{attr(url)}">{escape(url.rsplit("/", 1)[-1])}</a>)'


def _finding(f: Finding, docs: dict[str, RuleDoc]) -> str:
    doc = docs.get(f.rule_id)
    about = ""
    if doc is not None:
        parts = [("What", doc.what), ("Why", doc.why), ("Fix", doc.fix)]
        about = (
            f"<details><summary>Rule {escape(doc.id)}: {escape(doc.name)}</summary>"
            f"<p>Rule page{_rule_page(doc)}</p><dl>"
            + "".join(f"<dt>{k}</dt><dd>{_code(t)}</dd>" for k, t in parts if t)
            + "</dl></details>"
        )
    suppressed = (
        f'<p class="suppressed">Accepted: {_code(f.suppression.reason)}</p>'
        if f.suppression
        else ""
    )
    return (
        f'<li class="finding"><span class="sev s-{f.severity}">{f.severity}</span> '
        f"<b>{escape(f.rule_id)}</b> {escape(f.rule_name)}{_change(f.change)}"
        f"<p>{_code(f.message)}</p>{_location(f.location, f.excerpt)}{suppressed}{about}</li>"
    )


def _services(
    report: Report, summaries: list[ServiceSummary], verbose: bool,
    notes: dict[str | None, list[Note]],
) -> str:  # fmt: skip
    if not summaries:
        return ""
    by_service: dict[str, list[Verdict]] = {}
    for v in report.verdicts:
        by_service.setdefault(v.service, []).append(v)
    findings: dict[str | None, list[Finding]] = {}
    for f in report.findings:
        findings.setdefault(f.service, []).append(f)
    phases = {p.service: (n, p) for n, p in enumerate(report.migration, start=1)}
    origins_of: dict[str, Counter[str]] = {}
    for w in report.workloads:
        origins_of.setdefault(w.service, Counter())[w.origin] += 1
    docs = {r.id: r for r in report.rules}
    # NOTE: folded evidence is not laid out: 2,000 services open in seconds, not a minute.
    small = len(summaries) <= UNFOLD_UP_TO
    out = ['<section id="services"><h2>Services</h2>']
    for s in summaries:
        own = findings.get(s.service, [])
        verdicts = by_service.get(s.service, [])
        found = "".join(_finding(f, docs) for f in own)
        criteria = sum(len(v.evidence) for v in verdicts)
        measured = sum(1 for v in verdicts for e in v.evidence if e.value is not None)
        workloads = origins_of.get(s.service, Counter())
        origins = ", ".join(f"{n} from {o}" for o, n in sorted(workloads.items()))
        phase = phases.get(s.service)
        noted = "".join(f"<li>{_code(n.text)}</li>" for n in notes.get(s.service, []))
        out.append(
            f'<article class="service" id="{_anchor(s.service)}" data-service="{attr(s.service)}">'
            f"<h3>{escape(s.service)} {_badge(s.decision, s.priority)}"
            f' <a class="to-diagram" href="#diagram-{_anchor(s.service)}">diagram</a></h3>'
            + "".join(
                _verdict(report, v, verbose or (small and v.decision != "inline")) for v in verdicts
            )
            + (f'<h4>Findings</h4><ul class="findings">{found}</ul>' if found else "")
            + (f'<h4>Migration</h4><ol class="phases">{_phase(*phase)}</ol>' if phase else "")
            + (f'<h4>Notes</h4><ul class="notes">{noted}</ul>' if noted else "")
            + f'<p class="coverage">Coverage: {measured} of {criteria} criteria measured; '
            f"workloads: {escape(origins) or 'none'}.</p></article>"
        )
    out.append("</section>")
    return "\n".join(out)


def _other_findings(report: Report) -> str:
    judged = {v.service for v in report.verdicts}
    rest = [f for f in report.findings if f.service not in judged]
    if not rest:
        return (
            ""
            if report.findings
            else '<section id="findings"><h2>Findings</h2><p>No compose hygiene findings.</p></section>'
        )
    docs = {r.id: r for r in report.rules}
    items = "".join(_finding(f, docs) for f in rest)
    return (
        '<section id="findings"><h2>Other findings</h2>'
        f'<p class="lede">Findings on services without a verdict.</p><ul class="findings">{items}</ul></section>'
    )


def _coverage(report: Report, topo: Topology) -> str:
    roles = Counter(s.role for s in report.services)
    kinds = Counter((w.kind, w.origin) for w in report.workloads)
    evidence = [e for v in report.verdicts for e in v.evidence]
    measured = sum(1 for e in evidence if e.value is not None)
    missing = Counter(e.criterion for e in evidence if e.value is None)
    files = "".join(
        f"<li><code>{escape(display_path(f))}</code></li>" for f in report.compose_files
    )
    role_text = ", ".join(f"{n} {r}" for r, n in sorted(roles.items()))
    kind_text = ", ".join(f"{n} {k} from {o}" for (k, o), n in sorted(kinds.items()))
    missing_text = ", ".join(f"{c} ({n})" for c, n in missing.most_common())
    return (
        '<section id="coverage"><h2>Coverage: what was scanned</h2><dl class="coverage">'
        f"<dt>compose files</dt><dd><ul>{files or '<li>none</li>'}</ul></dd>"
        f"<dt>services</dt><dd>{len(report.services)}: {escape(role_text) or 'none'}</dd>"
        f"<dt>workloads</dt><dd>{len(report.workloads)}: {escape(kind_text) or 'none'}</dd>"
        f"<dt>criteria</dt><dd>{measured} of {len(evidence)} measured"
        + (f"; missing: {escape(missing_text)}" if missing_text else "")
        + f"</dd><dt>diagram</dt><dd>{len(topo.groups)} application service(s) drawn</dd></dl></section>"
    )


def _notes(notes: list[tuple[str | None, list[Note]]], sections: set[str]) -> str:
    """System-wide notes, and those of services without a section of their own (each
    service's other notes are in its section)."""
    out: list[str] = []
    for service, items in notes:
        if service in sections:
            continue
        lines = "".join(f"<li>{_code(n.text)}</li>" for n in items)
        head = f"<h3>{escape(service)}</h3>" if service is not None else ""
        out.append(f'{head}<ul class="notes" data-notes="{attr(service or "")}">{lines}</ul>')
    if not out:
        return ""
    return f'<section id="notes"><h2>Notes</h2>{"".join(out)}</section>'
