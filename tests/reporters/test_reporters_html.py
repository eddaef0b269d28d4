"""``--format html``: one self-contained page; what it shows is the report's (points, thresholds,
migration path, excerpts), never a secret. The browser tests (test_reporters_browser.py) open
the same pages in Chromium."""

from __future__ import annotations

import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support import REPO, run_cli

from archcheck.files.excerpts import safe_line
from archcheck.files.redact import REDACTED
from archcheck.model import Report
from archcheck.pipeline import AnalyzeOptions, run_analysis
from archcheck.reporters import html, markdown
from archcheck.sources.discovery import DiscoveryOptions

SHOP = REPO / "fixtures" / "shop"
LEDGER = REPO / "fixtures" / "ledger"
SECRETS = ("correct-horse-battery", "ledger-signing-key-do-not-print", "another-secret-pw")


def judged(folder: Path, *, discover: bool = False) -> Report:
    from archcheck.compose import ComposeOptions

    options = AnalyzeOptions(
        compose=ComposeOptions(files=(folder / "docker-compose.yml",), cwd=folder),
        discovery=DiscoveryOptions(enabled=discover),
    )
    return run_analysis(options).report


class _Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


@pytest.fixture(scope="module")
def shop() -> Report:
    return judged(SHOP, discover=True)


@pytest.fixture(scope="module")
def ledger() -> Report:
    return judged(LEDGER)


@pytest.fixture(scope="module")
def manifests() -> Report:
    return run_analysis(AnalyzeOptions(manifests=(SHOP / "k8s",))).report


def test_the_page_loads_nothing_from_anywhere(shop: Report) -> None:
    page = html.render(shop)
    for tag, attrs in tags(page):
        assert tag not in ("link", "iframe", "object", "embed", "img"), tag
        assert "src" not in attrs, (tag, attrs)
        href = attrs.get("href")
        # a link elsewhere (a rule's page) is followed only when clicked
        assert href is None or href.startswith("#") or tag == "a", (tag, href)
    assert set(re.findall(r"url\(([^)]*)\)", page)) == {"#arrow"}  # only the page's own marker
    assert "@import" not in page
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None and "default-src 'none'" in policy.group(1)
    assert page.count("<script>") == 1 and page.count("<style>") == 1


def test_one_point_per_workload_with_data(ledger: Report) -> None:
    page = html.render(ledger)
    for chart in ledger.charts:
        measured = [p for p in chart.points if p.x is not None and p.y is not None]
        box = re.search(
            rf'<figure class="chart-box" data-kind="{chart.kind}"(.*?)</figure>', page, re.DOTALL
        )
        assert box is not None
        points = re.findall(r'<g class="pt [^"]+"[^>]*data-workload="([^"]+)"', box.group(1))
        assert sorted(points) == sorted(p.workload for p in measured)
    events = next(c for c in ledger.charts if c.kind == "events")
    # each workload is a point of its own, not the service's sum: open-account's 25/min
    assert {p.workload: p.x for p in events.points}["open-account"] == 25


def test_missing_data_is_listed_not_plotted_at_zero(ledger: Report) -> None:
    events = next(c for c in ledger.charts if c.kind == "events")
    (missing,) = [p for p in events.points if p.x is None]
    assert missing.workload == "match-entry" and missing.y == 35
    page = html.render(ledger)
    assert 'data-workload="match-entry"' not in page
    listed = re.search(r'<details class="missing" open>.*?</details>', page, re.DOTALL)
    assert listed is not None and "match-entry" in listed.group(0)
    assert "events_per_minute" in listed.group(0)


def test_thresholds_come_from_the_report(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    shutil.copytree(SHOP, folder)
    (folder / ".archcheck.yaml").write_text(
        "version: 1\nrules:\n  AC001:\n    params: {inline_max: 250, high_above: 2500}\n"
    )
    report = judged(folder)
    page = html.render(report)
    assert "inline up to 250/min" in page and "high above 2500/min" in page
    assert "inline up to 100/min" not in page


def test_the_diagram_draws_recommended_and_existing_workers(ledger: Report, shop: Report) -> None:
    page = html.render(ledger)
    diagram = re.search(r'id="diagram-svc-ledger-api">(.*?)</figure>', page, re.DOTALL)
    assert diagram is not None
    svg = diagram.group(1)
    assert 'class="box r-cron-worker s-recommended"' in svg and "ledger-cron-worker" in svg
    assert 'class="box r-event-worker s-separated"' in svg  # ledger-event-worker exists
    for schedule in ("0 1 * * *", "0 6 1 * *", "@every 15m"):
        assert schedule in svg
    for topic in ("payments.captured", "accounts.opened"):
        assert topic in svg
    shop_page = html.render(shop)
    assert "pricing-event-worker" in shop_page and "pricing-event-worker-dapr" in shop_page
    assert "pricing-dapr" in shop_page  # the existing sidecar


def test_the_diagram_of_a_manifest_only_system(manifests: Report) -> None:
    """The shop as Kubernetes manifests alone (no compose file): the same boxes, from pods."""
    page = html.render(manifests)
    section = re.search(r'<section id="system">.*?</section>', page, re.DOTALL)
    assert section is not None
    svg = section.group(0)
    for worker in ("pricing-event-worker", "pricing-cron-worker", "catalog-cron-worker"):
        assert f"<title>{worker}</title>" in svg, worker
    assert svg.count('class="box r-event-worker s-recommended"') == 1
    assert svg.count('class="box r-cron-worker s-recommended"') == 2
    assert "<title>pricing-service-dapr</title>" in svg  # the pod's daprd container
    assert "<title>pricing-migration</title>" in svg  # the migration Job
    for topic in ("warehouse.stock.updated", "pricing.price.changed", "order.created"):
        assert f"<title>topic {topic}" in svg, topic
    for schedule in ("*/5 * * * *", "0 2 * * *", "@every 1m"):
        assert f"<title>schedule {schedule}</title>" in svg, schedule
    assert "postgres" in svg and "redis" in svg  # infrastructure, by name


@pytest.mark.parametrize("source", ["compose", "manifests"])
def test_a_topic_shared_by_services_is_one_node(
    source: str, shop: Report, manifests: Report
) -> None:
    """pricing-service and catalog-service both subscribe to pricing.price.changed: one pill a
    side, in one figure, with an arrow to each subscriber; a topic of one service stays alone."""
    report = shop if source == "compose" else manifests
    page = html.render(report)
    figures = re.findall(r'<figure class="group".*?</figure>', page, re.DOTALL)
    together = [f for f in figures if "pricing.price.changed" in f]
    assert len(together) == 1
    figure = together[0]
    assert 'id="diagram-svc-pricing-service"' in figure  # both services' anchors
    assert 'id="diagram-svc-catalog-service"' in figure
    pills = re.findall(r'<g class="feed f-events shared"><title>([^<]+)</title>', figure)
    assert len(pills) == 2 and pills[0] == pills[1], pills  # before and after
    topic, subscribers = pills[0].split(", subscribed by ")
    assert topic == "topic pricing.price.changed"
    assert sorted(subscribers.split(", ")) == ["catalog-service", "pricing-service"]
    # One pill a side draws a straight arrow; the other subscriber gets the fan-in path.
    assert len(re.findall(r'<path class="edge" d="M', figure)) == 2
    assert figure.count("<title>topic warehouse.stock.updated</title>") == 2
    assert sum("order.created" in f for f in figures) == 1
    assert len(figures) == 2  # {pricing, catalog} and warehouse


def test_markdown_and_html_share_one_migration_path(shop: Report) -> None:
    assert [p.service for p in shop.migration] == ["pricing-service", "catalog-service"]
    page, doc = html.render(shop), markdown.render(shop)
    for phase in shop.migration:
        for step in phase.steps:
            assert step in doc
            assert re.sub(r"`([^`]+)`", r"<code>\1</code>", step) in page
    assert shop.migration[0].workers == ("pricing-event-worker", "pricing-cron-worker")


def test_per_service_sections_show_evidence_with_excerpts(shop: Report) -> None:
    page = html.render(shop)
    section = re.search(
        r'<article class="service" id="svc-pricing-service".*?</article>', page, re.DOTALL
    )
    assert section is not None
    text = section.group(0)
    for cell in ("event volume", "1800/min", "&gt; 1000", "1/min", "metrics.yaml:"):
        assert cell in text, cell
    assert '<pre class="excerpt"><span class="ln">14</span>events_per_minute: 1500</pre>' in text
    assert "Coverage:" in text and "Phase 1" in text


def test_each_service_section_shows_its_notes(shop: Report) -> None:
    """With discovery, each service has a coverage note (``Go code scanned``): it is in that
    service's section and nowhere else; the Dapr retry note is about no service: general."""
    page = html.render(shop)
    sections = dict(
        re.findall(
            r'<article class="service" id="svc-([^"]+)".*?(<h4>Notes</h4>.*?)</article>',
            page,
            re.DOTALL,
        )
    )
    assert set(sections) == {"pricing-service", "catalog-service", "warehouse-service"}
    for service, notes in sections.items():
        assert f"{service}: Go code scanned" in notes
        others = set(sections) - {service}
        assert not any(f"{o}: Go code scanned" in notes for o in others)
    general = re.search(r'<section id="notes">.*?</section>', page, re.DOTALL)
    assert general is not None
    assert "Dapr redelivers events" in general.group(0)
    assert "Go code scanned" not in general.group(0)
    by_service = {n.service for n in shop.notes if "Go code scanned" in n.text}
    assert by_service == set(sections)


def test_findings_carry_their_rule_docs(ledger: Report) -> None:
    page = html.render(ledger)
    (finding,) = re.findall(r'<li class="finding">.*?</li>', page, re.DOTALL)
    assert "AC109" in finding and "docs/rules/AC109-" in finding
    assert "<dt>Fix</dt>" in finding


def test_no_secret_reaches_the_page(ledger: Report) -> None:
    page = html.render(ledger) + markdown.render(ledger)
    for secret in SECRETS:
        assert secret not in page


def test_excerpts_hide_secret_values() -> None:
    assert safe_line("      DB_PASSWORD: hunter2") == f"      DB_PASSWORD: {REDACTED}"
    assert safe_line("  - API_TOKEN=abc") == f"  - API_TOKEN={REDACTED}"
    assert "pw" not in safe_line("  url: postgres://u:pw@db:5432/x")
    assert safe_line("    events_per_minute: 1500") == "    events_per_minute: 1500"


def test_names_are_escaped(tmp_path: Path) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(
        "services:\n  api:\n    image: x\n    x-archcheck:\n"
        "      events: [{topic: 'a<script>alert(1)</script>', name: 'n\"&<b>'}]\n"
    )
    page = html.render(judged(tmp_path))
    assert "<script>alert(1)" not in page
    assert "a&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_cli_writes_html_next_to_other_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    target = tmp_path / "review.html"
    code, out, err = run_cli(
        ["analyze", "fixtures/shop/docker-compose.yml", "-o", f"html={target}", "--no-discover"],
        capsys,
    )
    assert code == 1, err
    assert "Recommendations by service" in out
    assert target.read_text().startswith("<!DOCTYPE html>")
    code, out, _ = run_cli(
        ["analyze", "fixtures/shop/docker-compose.yml", "--format", "html", "--no-discover"], capsys
    )
    assert out.startswith("<!DOCTYPE html>") and out.rstrip().endswith("</html>")


def test_interval_of_schedules() -> None:
    from archcheck.engine.chart import interval_seconds

    cases = {
        "*/5 * * * *": 300, "0 2 * * *": 86400, "@every 1m": 60, "@every 1h30m": 5400,
        "0 * * * *": 3600, "30 */2 * * *": 7200, "@daily": 86400, "0,30 * * * *": 1800,
        "CRON_TZ=Europe/Berlin 0 3 * * *": 86400, "*/10 * * * * *": 10,
        "0 9-17 * * 1-5": None, "0 6 1 * *": 2629800,
    }  # fmt: skip
    for spec, seconds in cases.items():
        assert interval_seconds(spec) == seconds, spec


def test_diff_base_changes_are_on_the_chart(tmp_path: Path) -> None:
    """The shop committed, then warehouse's handler gets busy (worse) and catalog's cron job
    gets fast (fixed): the chart marks both points, the changes section lists both."""
    import os
    import subprocess

    from support import require_tool

    git = require_tool("git")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"}  # fmt: skip
    root = tmp_path / "repo"
    shutil.copytree(SHOP, root, ignore=shutil.ignore_patterns(".archcheck*"))
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "shop"]):
        subprocess.run([git, *args], cwd=root, env=env, check=True, capture_output=True)
    metrics = root / "metrics.yaml"
    text = metrics.read_text()
    for old, new in (("events_per_minute: 40", "events_per_minute: 4000"),
                     ("cron_duration_s_p95: 75", "cron_duration_s_p95: 2"),
                     ("cron_duration_s_max: 110", "cron_duration_s_max: 3")):  # fmt: skip
        assert old in text
        text = text.replace(old, new)
    metrics.write_text(text)
    subprocess.run([git, "commit", "-q", "-am", "busier"], cwd=root, env=env, check=True)
    result = subprocess.run(
        [sys.executable, "-m", "archcheck", "analyze", "docker-compose.yml", "--diff-base",
         "HEAD~1", "--format", "html", "--no-discover"],
        cwd=root, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    page = result.stdout
    marks = dict(re.findall(r'data-workload="([^"]+)"[^>]*data-change="([^"]+)"', page))
    assert marks.get("order-created") == "worse", marks
    changes = re.search(r'<section id="changes">.*?</section>', page, re.DOTALL)
    assert changes is not None and "warehouse-service" in changes.group(0)
    assert "catalog-service verdict.cron" in changes.group(0)  # fixed since the base
    assert marks.get("stock-sync") == "fixed", marks
