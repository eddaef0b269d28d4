"""The Markdown report's Mermaid diagrams, parsed and rendered by Mermaid itself (the npm
package's ``dist/mermaid.min.js``, fetched by ``.ci/setup`` into ``.cache/``) in headless
Chromium: what GitHub and GitLab do with them. The shop, the ledger example and the
2,000-service synthetic project (capped to the most urgent services)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Page, chromium
from support import ON_CI, REPO, require_tool

from archcheck.compose import ComposeOptions
from archcheck.pipeline import AnalyzeOptions, run_analysis
from archcheck.reporters import markdown
from archcheck.sources.discovery import DiscoveryOptions

MERMAID = next(iter(sorted((REPO / ".cache").glob("mermaid-*/mermaid.min.js"))), None)
_BLOCK = re.compile(r"```mermaid\n(.*?)```", re.DOTALL)


def mermaid_js() -> Path:
    if MERMAID is None:
        if ON_CI:
            pytest.fail("mermaid.min.js is missing, but .ci/setup should have fetched it")
        pytest.skip("mermaid.min.js is not in .cache/ (run bash .ci/setup)")
    return MERMAID


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    script = mermaid_js()
    host = tmp_path_factory.mktemp("mermaid") / "host.html"
    host.write_text(
        f'<!DOCTYPE html><html><body><script src="{script.as_uri()}"></script></body></html>'
    )
    with chromium(require_tool("chromium")) as tab:
        tab.open(host)
        tab.evaluate(
            "mermaid.initialize({startOnLoad: false, maxTextSize: 500000, maxEdges: 5000})"
        )
        assert tab.console_errors == []
        yield tab


def rendered(page: Page, text: str) -> list[str]:
    """Each Mermaid block of ``text`` rendered: its SVG, or ``error: ...``."""
    blocks = _BLOCK.findall(text)
    assert blocks, "no mermaid block"
    script = (
        f"(async () => {{ const out = []; const blocks = {json.dumps(blocks)};"
        " for (const [i, b] of blocks.entries()) { try { await mermaid.parse(b);"
        " const r = await mermaid.render('m' + i + Date.now(), b); out.push(r.svg); }"
        " catch (e) { out.push('error: ' + (e.message || e)); } } return out; })()"
    )
    result: list[str] = page.evaluate(script, timeout=300)
    return result


def report_md(compose: Path, metrics: Path | None = None) -> str:
    options = AnalyzeOptions(
        compose=ComposeOptions(files=(compose,), cwd=compose.parent),
        metrics=(metrics,) if metrics else (),
        discovery=DiscoveryOptions(enabled=False),
    )
    return markdown.render(run_analysis(options).report)


def manifests_md() -> str:
    """The shop from its Kubernetes manifests alone (no compose file)."""
    return markdown.render(
        run_analysis(AnalyzeOptions(manifests=(REPO / "fixtures" / "shop" / "k8s",))).report
    )


@pytest.mark.parametrize("name", ["shop", "ledger", "shop-k8s"])
def test_examples_render_in_mermaid(page: Page, name: str) -> None:
    if name == "shop-k8s":
        text = manifests_md()
    else:
        text = report_md(REPO / "fixtures" / name / "docker-compose.yml")
    svgs = rendered(page, text)
    assert len(svgs) == 3  # the quadrant chart, the system before, the system after
    for svg in svgs:
        assert svg.startswith("<svg"), svg[:300]
    quadrant, before, after = svgs
    assert quadrant.count('class="data-point"') == len(
        re.findall(r"^    \S.*: \[", text, re.MULTILINE)
    )
    worker = "ledger-cron-worker" if name == "ledger" else "pricing-cron-worker"
    assert worker in after and worker not in before


@pytest.mark.parametrize("name", ["shop", "shop-k8s"])
def test_a_shared_topic_is_one_mermaid_node(page: Page, name: str) -> None:
    """pricing.price.changed feeds pricing-service and catalog-service: one node per flowchart,
    outside both subgraphs, with an arrow to each subscriber; Mermaid draws it once."""
    if name == "shop-k8s":
        text = manifests_md()
    else:
        text = report_md(REPO / "fixtures" / "shop" / "docker-compose.yml")
    blocks = _BLOCK.findall(text)[1:]  # before, after
    assert len(blocks) == 2
    for block in blocks:
        nodes = re.findall(r'^    (t\d+)\(\["pricing\.price\.changed"\]\)$', block, re.MULTILINE)
        assert len(nodes) == 1, block
        targets = re.findall(rf"^    {nodes[0]} --> (g\d+)b\d+$", block, re.MULTILINE)
        assert len(targets) == 2 and len(set(targets)) == 2, targets  # two services' boxes
    for svg in rendered(page, text)[1:]:
        assert svg.startswith("<svg"), svg[:300]
        assert svg.count(">pricing.price.changed<") == 1, svg.count("pricing.price.changed")


def test_large_project_renders_in_mermaid(page: Page, tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench" / "analyze"))
    from bench_analyze import shop_scenario

    (compose,), snapshot = shop_scenario(2000, tmp_path)
    text = report_md(compose, snapshot)
    assert f"The {markdown.MERMAID_GROUPS} most urgent of 500 services are drawn" in text
    for svg in rendered(page, text):
        assert svg.startswith("<svg"), svg[:300]
