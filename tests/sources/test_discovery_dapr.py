"""Dapr resources: declarative Subscriptions (v1alpha1, v2alpha1), pubsub Components and
Resiliency, found through daprd sidecars' --resources-path/--components-path mounts."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from support import REPO, run_cli

from archcheck.errors import SourceError
from archcheck.files.yamlpos import SAFE_LOADER
from archcheck.model import Service
from archcheck.sources.dapr import discover_dapr, find_sidecars

SHOP_DAPR = REPO / "fixtures" / "shop" / "dapr" / "components"

SERVICES = (
    Service(name="orders-service", role="api", build_context="./orders"),
    Service(name="billing", role="api", build_context="./billing"),
    Service(name="orders-dapr", role="sidecar", owner="orders-service"),
    Service(name="billing-dapr", role="sidecar"),
    Service(name="redis", role="infrastructure", image="redis:7"),
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_sidecars_map_resource_flags_back_to_host_folders(tmp_path: Path) -> None:
    compose = {
        "orders-service": {"build": {"context": "./orders"}},
        "orders-dapr": {
            "image": "daprio/daprd:1.14.4",
            "command": ["./daprd", "--app-id", "orders", "--resources-path", "/dapr/components"],
            "volumes": ["./dapr:/dapr:ro"],
            "network_mode": "service:orders-service",
        },
        "billing-dapr": {
            "image": "daprio/daprd:1.14.4",
            "command": "./daprd -app-id=billing -components-path=/components -config /c.yaml",
            "volumes": [{"type": "bind", "source": str(tmp_path / "billing-dapr"),
                         "target": "/components"}],
        },
        "lonely-dapr": {
            "image": "daprio/daprd:1.14.4",
            "command": ["./daprd", "--app-id", "lonely", "--resources-path", "/res"],
        },
        "redis": {"image": "redis:7", "volumes": ["data:/data"]},
    }
    sidecars, notes = find_sidecars(compose, SERVICES, tmp_path)
    by_name = {s.service: s for s in sidecars}
    assert set(by_name) == {"orders-dapr", "billing-dapr", "lonely-dapr"}
    assert by_name["orders-dapr"].app == "orders-service"
    assert by_name["orders-dapr"].folders == (tmp_path / "dapr" / "components",)
    assert (by_name["billing-dapr"].app_id, by_name["billing-dapr"].app) == ("billing", "billing")
    assert by_name["billing-dapr"].folders == (tmp_path / "billing-dapr",)
    assert by_name["lonely-dapr"].folders == ()
    assert len(notes) == 1
    assert "lonely-dapr" in notes[0].text and "--dapr-resources" in notes[0].text
    assert notes[0].service == "lonely-dapr"


def test_subscriptions_components_and_resiliency(tmp_path: Path) -> None:
    folder = tmp_path / "components"
    write(folder / "pubsub.yaml", """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: orders-pubsub
        spec:
          type: pubsub.kafka
          version: v1
        """)
    write(folder / "subs.yaml", """
        apiVersion: dapr.io/v1alpha1
        kind: Subscription
        metadata:
          name: created
        spec:
          pubsubname: orders-pubsub
          topic: orders.created
          route: /events/created
          deadLetterTopic: orders.created.dlq
        scopes:
          - billing
        ---
        apiVersion: dapr.io/v2alpha1
        kind: Subscription
        metadata:
          name: refunded
        spec:
          pubsubname: orders-pubsub
          topic: orders.refunded
          routes:
            rules:
              - match: event.type == "refund.v2"
                path: /events/refunds-v2
            default: /events/refunds
        ---
        apiVersion: dapr.io/v2alpha1
        kind: Subscription
        metadata:
          name: stranger
        spec:
          pubsubname: orders-pubsub
          topic: orders.audited
        scopes: [auditor]
        """)
    write(folder / "resiliency.yml", """
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata:
          name: r
        spec:
          policies:
            retries:
              eventRetry: {policy: constant, duration: 5s, maxRetries: 10}
          targets:
            components:
              orders-pubsub:
                inbound:
                  retry: eventRetry
        """)
    write(folder / "not-dapr.yaml", "apiVersion: v1\nkind: ConfigMap\n")
    write(folder / "broken.yaml", "apiVersion: dapr.io/v1alpha1\nkind: [unclosed\n")
    found = discover_dapr(
        [(folder, ("orders-service",))], SERVICES, relative_to=tmp_path
    )
    table = {
        (w.service, w.name): (w.route, w.dead_letter_topic, w.pubsub, str(w.location))
        for w in found.workloads
    }
    assert table == {
        ("billing", "orders.created"): (
            "/events/created", "orders.created.dlq", "orders-pubsub", "components/subs.yaml:7:3"
        ),
        ("orders-service", "orders.refunded"): (
            "/events/refunds", None, "orders-pubsub", "components/subs.yaml:19:3"
        ),
    }
    assert all(w.origin == "dapr" and w.kind == "events" for w in found.workloads)
    assert [(c.name, c.type) for c in found.components] == [("orders-pubsub", "pubsub.kafka")]
    assert [(r.component, r.policy, r.max_retries) for r in found.retries] == [
        ("orders-pubsub", "eventRetry", 10)
    ]
    assert any("orders.audited" in n and "scopes" in n for n in found.notes)
    assert any("broken.yaml" in n for n in found.notes)


def _tree(node: yaml.Node) -> object:
    """A node as dapr.py reads it: tag, position and value, children included."""
    mark = (node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, mark, node.value)  # not the style: libyaml writes "" for None
    if isinstance(node, yaml.SequenceNode):
        return (node.tag, mark, [_tree(n) for n in node.value])
    return (node.tag, mark, [(_tree(k), _tree(v)) for k, v in node.value])


@pytest.mark.parametrize("path", sorted(SHOP_DAPR.parent.rglob("*.yaml")), ids=lambda p: p.name)
def test_libyaml_composes_dapr_resources_as_the_pure_loader(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = [_tree(n) for n in yaml.compose_all(text, Loader=SAFE_LOADER)]
    pure = [_tree(n) for n in yaml.compose_all(text, Loader=yaml.SafeLoader)]
    assert fast == pure


def test_a_broken_resource_is_named_by_the_pure_loader_s_error(tmp_path: Path) -> None:
    text = "apiVersion: dapr.io/v1alpha1\nkind: Component\nspec: {type: [pubsub.redis\n"
    (tmp_path / "broken.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(yaml.YAMLError) as pure:
        list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    found = discover_dapr([(tmp_path, ())], SERVICES, relative_to=tmp_path)
    assert found.notes == (f"broken.yaml: not readable as YAML ({type(pure.value).__name__}); skipped",)


def test_missing_folder_is_a_note_not_a_crash(tmp_path: Path) -> None:
    found = discover_dapr([(tmp_path / "nope", ())], SERVICES)
    assert found.workloads == ()
    assert "does not exist" in found.notes[0]


def test_shop_dapr_resources() -> None:
    services = (Service(name="catalog", role="api"), Service(name="pricing", role="api"))
    found = discover_dapr([(SHOP_DAPR, ("catalog", "pricing"))], services, relative_to=REPO)
    assert [(w.service, w.name, w.route, str(w.location)) for w in found.workloads] == [
        ("catalog", "pricing.price.changed", "/events/price-changed",
         "fixtures/shop/dapr/components/subscription-catalog.yaml:9:3")
    ]
    assert [c.name for c in found.components] == ["pubsub"]
    assert [(r.component, r.max_retries) for r in found.retries] == [("pubsub", 5)]


def test_scopes_match_sidecar_app_ids_exactly(tmp_path: Path) -> None:
    """Dapr compares scopes with app-ids verbatim: `orders` does not reach app-id `orders-svc`."""
    folder = tmp_path / "res"
    write(folder / "subs.yaml", """
        apiVersion: dapr.io/v1alpha1
        kind: Subscription
        metadata: {name: a}
        spec: {pubsubname: p, topic: exact, route: /a}
        scopes: [orders-svc]
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Subscription
        metadata: {name: b}
        spec: {pubsubname: p, topic: near-miss, route: /b}
        scopes: [orders]
        """)
    found = discover_dapr(
        [(folder, ("orders-service",))], SERVICES, app_ids={"orders-svc": "orders-service"}
    )
    assert [(w.service, w.name) for w in found.workloads] == [("orders-service", "exact")]
    assert any("near-miss" in n for n in found.notes)


COMPONENT = """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.redis
  version: v1
"""


@pytest.mark.parametrize("scopes", ["7", "orders", "{a: 1}", "[[orders]]"])
def test_scopes_that_are_not_a_list_of_app_ids_are_a_located_error(
    tmp_path: Path, scopes: str
) -> None:
    write(tmp_path / "dapr" / "pubsub.yaml", COMPONENT + f"scopes: {scopes}\n")
    with pytest.raises(SourceError) as caught:
        discover_dapr([(tmp_path / "dapr", ())], SERVICES)
    assert str(caught.value.location).endswith("pubsub.yaml:8:1")
    assert "`scopes` must be a list of app-ids" in caught.value.message


@pytest.mark.parametrize("depth", [300, 10_000])
def test_deep_nesting_is_a_located_error_not_a_recursion(tmp_path: Path, depth: int) -> None:
    deep = COMPONENT + "  metadata: " + "[" * depth + "]" * depth + "\n"
    write(tmp_path / "dapr" / "deep.yaml", deep)
    with pytest.raises(SourceError) as caught:
        discover_dapr([(tmp_path / "dapr", ())], SERVICES)
    location = caught.value.location
    assert location is not None and location.file.endswith("deep.yaml") and location.line == 8
    assert "nests more than 200 levels deep" in caught.value.message


def test_deep_dapr_resource_exits_2_with_its_location(tmp_path: Path, monkeypatch, capsys) -> None:
    write(tmp_path / "dapr" / "deep.yaml", COMPONENT + "  metadata: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n")
    (tmp_path / "compose.yaml").write_text("services:\n  a:\n    image: x\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["analyze", "--dapr-resources", "dapr"], capsys)
    assert code == 2
    assert err.startswith("error: dapr/deep.yaml:8:") or "deep.yaml:8:" in err.splitlines()[0], err
