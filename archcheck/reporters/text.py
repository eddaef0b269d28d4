"""``--format text``: the terminal report, laid out like the review's "Recommendations by Service".

Colours by priority when ``color`` is set (a terminal), plain text otherwise. ``verbose`` adds
every verdict's evidence (criterion, value, threshold, outcome, source or how to get it).

NOTE: the layout is built as (text, style) segments, wrapped here with ``textwrap``; only for a
terminal do they become one rich ``Text``, printed once without rich's own wrapping (per-line
rich rendering took seconds for 2,000 services). Plain output never imports rich: it costs more
start-up time than rendering a small report.
"""

from __future__ import annotations

import io
import textwrap

from archcheck.metrics import format_quantity
from archcheck.model import Evidence, Location, Report, Verdict
from archcheck.reporters import (
    findings_by_application,
    notes_by_service,
    service_summaries,
    workers_of,
)  # fmt: skip
from archcheck.reporters._items import (
    display_path,
    display_text,
    doc_url,
    marks,
    shown_decision,
)

STYLE = {"high": "bold red", "medium": "yellow", "low": "green"}
DECISION_STYLE = {
    "separate": "bold", "separated": "green", "inline": "", "insufficient-data": "magenta"
}
KIND_TITLE = {"events": "Event handlers", "cron": "Cron jobs"}


class _Page:
    """Lines of styled text, wrapped to a width with hanging indents."""

    def __init__(self, width: int) -> None:
        self.segments: list[tuple[str, str]] = []
        self.width = max(width, 40)

    def line(self, *parts: str | tuple[str, str]) -> None:
        """One unwrapped line of (text, style) parts."""
        self.segments += [(part, "") if isinstance(part, str) else part for part in parts]
        self.segments.append(("\n", ""))

    def para(self, text: str, indent: int, hanging: int = 0, style: str = "") -> None:
        """``text`` wrapped, first line at ``indent``, the others at ``indent + hanging``."""
        for number, chunk in enumerate(text.split("\n")):
            first = " " * (indent + (hanging if number else 0))
            wrapped = textwrap.fill(
                chunk, self.width, initial_indent=first,
                subsequent_indent=" " * (indent + hanging),
                break_long_words=False, break_on_hyphens=False,
            )
            self.segments.append((wrapped + "\n", style))

    def blank(self) -> None:
        self.segments.append(("\n", ""))

    def plain(self) -> str:
        return "".join(text for text, _ in self.segments)

    def ansi(self) -> str:
        """The page with ANSI colours (rich)."""
        from rich.console import Console
        from rich.text import Text

        text = Text.assemble(*self.segments)
        buffer = io.StringIO()
        console = Console(file=buffer, width=self.width, force_terminal=True,
                          color_system="standard", highlight=False, emoji=False)
        console.print(text, soft_wrap=True, end="")
        return buffer.getvalue()


def render(
    report: Report,
    *,
    verbose: bool = False,
    color: bool = False,
    width: int = 100,
) -> str:
    """The report as terminal text (ANSI colours only when ``color``)."""
    page = _Page(width)
    files = ", ".join(display_path(f) for f in report.compose_files)
    page.line(("archcheck ", "bold"), f"{report.tool_version}: ", (report.project, "bold"),
              f" ({files})")
    for default in report.defaults:
        page.para(f"Assumed: {default}", indent=0, hanging=2)
    summaries = service_summaries(report)
    page.blank()
    if not summaries and report.workloads:
        page.line("No verdict to show (see the notes).")
    elif not summaries:
        page.line("No service declares event handlers or cron jobs: nothing to decide.")
        unseen = [n.service or "?" for n in report.notes if ": not scanned: " in n.text]
        if unseen:
            page.line(f"Not looked at: {', '.join(unseen)} (see the notes for why and how).")
        if any(s.kubernetes is not None for s in report.services):
            page.line("Declare them in archcheck.dev/ annotations (docs/kubernetes.md).")
        else:
            page.line("Declare them under x-archcheck (docs/x-archcheck.md).")
    else:
        page.line(("Recommendations by service", "bold"))
    verdicts_by_service: dict[str, list[Verdict]] = {}
    for v in report.verdicts:
        verdicts_by_service.setdefault(v.service, []).append(v)
    for summary in summaries:
        page.blank()
        page.line(
            (summary.service, "bold"), " ",
            (f"[{summary.priority.upper()}]", STYLE[summary.priority]), " ",
            (summary.decision, DECISION_STYLE[summary.decision]),
        )
        for verdict in verdicts_by_service[summary.service]:
            page.line(
                f"  {KIND_TITLE.get(verdict.kind, verdict.kind)}: ",
                (shown_decision(verdict), DECISION_STYLE[shown_decision(verdict)]), " ",
                (verdict.priority, STYLE[verdict.priority]),
                f"  ({_where(verdict.location)})" if verdict.location else "", marks(verdict),
            )
            page.para(display_text(verdict.summary), indent=4)
            if verbose:
                _evidence(page, verdict.evidence)
        for owned in workers_of(report, summary.service):
            page.para(f"  {display_text(owned)}", indent=0, hanging=4)
    if summaries:
        page.blank()
        _summary_table(page, report)
    if report.findings:
        page.blank()
        page.line((f"Findings ({len(report.findings)})", "bold"))
        for f in report.findings:
            page.line(
                "  ", (f"{f.severity:<6}", STYLE[f.severity]), " ",
                (f"{f.rule_id} {f.rule_name}", "bold"),
                f"  {_where(f.location) if f.location else f.service or '-'}",
            )
            page.para(display_text(f.message) + marks(f), indent=9)
            if f.excerpt is not None and f.location is not None:
                _excerpt(page, f.location, f.excerpt)
        pages = {f.rule_id: doc_url(f.rule_id, f.rule_name) for f in report.findings}
        if any(pages.values()):
            page.blank()
            page.line(("Rule documentation", "bold"))
            for rule_id, url in sorted(pages.items()):
                if url:
                    page.line(f"  {rule_id}  ", (url, "dim"))
    if report.migration:
        page.blank()
        page.line(("Migration path", "bold"))
        for number, phase in enumerate(report.migration, start=1):
            page.line(f"  Phase {number}: ", (phase.service, "bold"),
                      " (", (f"{phase.priority} priority", STYLE[phase.priority]), ")")
            for step, text in enumerate(phase.steps, start=1):
                page.para(f"{step}. {text.replace('`', '')}", indent=4, hanging=3)
    if report.notes:
        page.blank()
        page.line(("Notes", "bold"))
        for service, notes in notes_by_service(report):
            if service is not None:
                page.line(f"  {service}")
            for note in notes:
                indent = 2 if service is None else 4
                page.para(f"- {display_text(note.text)}", indent=indent, hanging=2)
    if not verbose and report.verdicts:
        page.blank()
        page.line("Run with -v to see the evidence behind each verdict.")
    return page.ansi() if color else page.plain()


def _excerpt(page: _Page, location: Location, line: str) -> None:
    """The finding's source line, its number in the gutter and a caret under the column."""
    gutter = f"{location.line:>5} | "
    room = max(page.width - 9 - len(gutter), 20)
    shown = line.expandtabs(4)
    if len(shown) > room:
        shown = shown[: room - 3] + "..."
    page.line(" " * 9, (gutter, "dim"), shown)
    if location.column <= len(shown):
        page.line(" " * 9, (" " * (len(gutter) - 2) + "| ", "dim"),
                  " " * (location.column - 1), ("^", "bold"))


def _where(location: Location | None) -> str:
    """FILE:LINE:COL with FILE relative to the working directory when below it."""
    if location is None:
        return "-"
    return f"{display_path(location.file)}:{location.line}:{location.column}"


def _summary_table(page: _Page, report: Report) -> None:
    counts = findings_by_application(report)
    rows: list[list[str]] = []
    for s in service_summaries(report):
        kinds = [
            f"{s.kinds[k][0]} ({s.kinds[k][1]})" if k in s.kinds else "-"
            for k in ("events", "cron")
        ]
        rows.append([s.service, s.priority, *kinds, str(counts.get(s.service, 0))])
    header = ["service", "priority", "event handlers", "cron jobs", "findings"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def cells(row: list[str], styles: list[str]) -> list[str | tuple[str, str]]:
        out: list[str | tuple[str, str]] = []
        for i, (cell, style) in enumerate(zip(row, styles, strict=True)):
            padded = cell if i == len(row) - 1 else cell.ljust(widths[i]) + "  "
            out.append((padded, style))
        return out

    page.line(*cells(header, ["bold"] * len(header)))
    for row in rows:
        page.line(*cells(row, ["", STYLE[row[1]], "", "", ""]))


def _evidence(page: _Page, evidence: tuple[Evidence, ...]) -> None:
    """One entry per criterion: value, threshold, outcome, and where it came from."""
    for e in evidence:
        outcome = e.outcome + (f" ({e.priority})" if e.priority else "")
        threshold = f" (threshold {e.threshold})" if e.threshold else ""
        where = ""
        if e.location:
            where = f"  [{_where(e.location)}]"
        elif e.source and e.value is not None:
            where = f"  [{display_text(e.source)}]"
        text = f"- {e.criterion}: {format_quantity(e.value, e.unit)}{threshold} -> {outcome}{where}"
        if e.how_to_get:
            label = "how to get it" if e.value is None else "note"
            text += f"\n{label}: {e.how_to_get}"
        page.para(text, indent=4, hanging=2)
