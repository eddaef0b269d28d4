"""The strict pass of ``archcheck.records`` against pydantic, the reference it stands in for.

Every input model is fed valid documents (the shop's, the bundled rules and library data) and
Hypothesis mutations of them (a value replaced by another JSON value, a key dropped or added).
Whatever the strict pass takes, pydantic must take too and build the same value, type for type;
what it does not take goes to pydantic, whose error is what the user sees.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from support import REPO

from archcheck import records
from archcheck.engine import capacity, cluster, criteria, hygiene
from archcheck.engine.config import ProjectConfig
from archcheck.engine.ruleset import RuleFile
from archcheck.gate.baseline import Baseline
from archcheck.location import Location
from archcheck.model import Declaration, Report
from archcheck.records import Invalid, Record, validate
from archcheck.sources.compose_system import ProjectExtension, ServiceExtension
from archcheck.sources.go.libraries import LibraryFile
from archcheck.sources.snapshot import MetricsSnapshot

SHOP = REPO / "fixtures" / "shop"


def _shop_compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((SHOP / "docker-compose.yml").read_text("utf-8"))
    return data


def _seeds() -> list[tuple[type[Record], Any]]:
    compose = _shop_compose()
    out: list[tuple[type[Record], Any]] = [(ProjectExtension, compose["x-archcheck"])]
    out += [(ServiceExtension, s["x-archcheck"]) for s in compose["services"].values()
            if "x-archcheck" in s]  # fmt: skip
    out.append((MetricsSnapshot, yaml.safe_load((SHOP / "metrics.yaml").read_text("utf-8"))))
    for path in sorted((REPO / "rules").glob("*.yaml")):
        out.append((RuleFile, yaml.safe_load(path.read_text("utf-8"))))
    library = REPO / "rules" / "sources" / "go-libraries.yaml"
    out.append((LibraryFile, yaml.safe_load(library.read_text("utf-8"))))
    out.append((ProjectConfig, {
        "version": 1, "fail_on": "medium",
        "rules": {"AC001": {"params": {"inline_max": 200}}, "AC104": {"severity": "medium"}},
        "suppress": [{"rule": "AC103", "service": "pricing", "reason": "accepted"}],
    }))  # fmt: skip
    params: list[tuple[type[Record], dict[str, Any]]] = [
        (criteria.EventVolumeParams, {"inline_max": 100, "high_above": 1000.5}),
        (criteria.ProcessingTimeParams, {"metric": "processing_ms_p99", "inline_max_ms": 50}),
        (criteria.RetryParams, {"max_retry_rate": 0.5, "several_event_types": 3}),
        (criteria.CronRunTimeParams, {"inline_max_s": 10, "separate_above_s": 60}),
        (criteria.SchedulesParams, {"min_distinct": 2, "required": False}),
        (criteria.ResourceParams, {"cpu_ratio": 0.7, "memory_ratio": 1}),
        (criteria.EnvironmentParams, {"downgrade_steps": {"staging": 1, "development": 2}}),
        (capacity.CapacityParams, {"latency_metric": "processing_ms_p50", "headroom": 2}),
        (cluster.DrainParams, {"assumed_drain_seconds": 25}),
        (hygiene.NoParams, {}),
    ]
    out += params
    out.append((Declaration, {
        "service": "pricing", "workload": "order.created", "fact": "retry_needed",
        "value": False, "source": "x-archcheck",
        "location": {"file": "docker-compose.yml", "line": 3, "column": 5},
    }))  # fmt: skip
    return out


SEEDS = _seeds()
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 2**60) | st.floats() | st.text(max_size=12)
    | st.sampled_from(["", "events", "cron", "production", "AC001", "*/5 * * * *", "7d", "x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip


def _typed(value: Any) -> Any:
    """``value`` with every leaf's type beside it: 5 and 5.0, lists and tuples, differ."""
    if isinstance(value, Record):
        return (type(value).__name__, _typed(value.model_dump()))
    if isinstance(value, dict):
        return ("dict", {k: _typed(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_typed(v) for v in value])
    return (type(value).__name__, value)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> tuple[type[Record], Any]:
    cls, original = draw(st.sampled_from(SEEDS))
    data = copy.deepcopy(original)
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_paths(data)))
        if not path:
            data = draw(JSON) if draw(st.integers(0, 9)) == 0 else data
            continue
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(JSON)
        elif action == "drop":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(JSON)
        else:
            parent.append(draw(JSON))
    return cls, data


def _pydantic(cls: type[Record], data: Any) -> Any:
    return records.adapter(cls).validate_python(data)


@pytest.mark.parametrize(("cls", "data"), SEEDS, ids=lambda v: getattr(v, "__name__", ""))
def test_valid_documents_take_the_strict_pass_and_build_what_pydantic_builds(
    cls: type[Record], data: Any
) -> None:
    strict = records._strict(cls)(data)  # raises _Reject if the fast path does not take it
    assert _typed(strict) == _typed(_pydantic(cls, data))


@pytest.mark.fuzz
@seed(20261202)
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_what_the_strict_pass_takes_pydantic_takes_the_same(case: tuple[type[Record], Any]) -> None:
    cls, data = case
    try:
        strict = records._strict(cls)(data)
    except records._Reject:
        try:
            _pydantic(cls, data)
        except Exception as exc:  # noqa: BLE001 (any pydantic error is fine here)
            with pytest.raises(Invalid) as raised:
                validate(cls, data)
            assert str(raised.value.error) == str(exc)
        return
    assert _typed(strict) == _typed(_pydantic(cls, data))


def test_a_lax_value_is_coerced_by_pydantic_and_an_error_carries_pydantic_s() -> None:
    params = validate(criteria.EventVolumeParams, {"inline_max": "150"})
    assert params.inline_max == 150.0 and type(params.inline_max) is float
    with pytest.raises(Invalid) as raised:
        validate(criteria.EventVolumeParams, {"inline_max": 2000, "high_above": 1000})
    (problem,) = raised.value.error.errors()
    assert "inline_max (2000) is above high_above (1000)" in problem["msg"]
    with pytest.raises(Invalid) as raised:
        validate(ServiceExtension, {"cron": [{"name": "x", "schedule": "every day"}]})
    assert raised.value.error.errors()[0]["loc"] == ("cron", 0, "schedule")


def test_a_report_survives_json_and_back() -> None:
    from archcheck.compose.project import ComposeOptions
    from archcheck.pipeline import AnalyzeOptions, run_analysis
    from archcheck.sources.discovery import DiscoveryOptions

    report = run_analysis(AnalyzeOptions(
        compose=ComposeOptions(files=(SHOP / "docker-compose.yml",), cwd=SHOP),
        discovery=DiscoveryOptions(enabled=False),
    )).report  # fmt: skip
    text = json.dumps(report.model_dump(mode="json"))
    again = Report.model_validate_json(text)
    assert again.model_dump(mode="json") == report.model_dump(mode="json")
    assert isinstance(again.verdicts[0].location, Location)
    assert records._strict(Report)(json.loads(text)) == again  # the strict pass took it


def test_bad_json_is_invalid_as_pydantic_says() -> None:
    with pytest.raises(Invalid) as raised:
        Baseline.model_validate_json("{not json")
    assert raised.value.error.errors()[0]["type"] == "json_invalid"

