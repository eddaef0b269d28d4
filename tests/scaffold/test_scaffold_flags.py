"""`--event` and `--cron` parsing, and service-name resolution."""

from __future__ import annotations

import pytest

from archcheck.engine.migration import app_name
from archcheck.errors import ScaffoldError
from archcheck.scaffold.request import CronSpec, EventSpec
from archcheck.scaffold.run import parse_cron, parse_event, valid_schedule


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a=*/5 * * * *", CronSpec("a", "*/5 * * * *")),
        ("a=*/5 * * * *=SyncPrices", CronSpec("a", "*/5 * * * *", "SyncPrices")),
        (
            "n=CRON_TZ=Asia/Ho_Chi_Minh 0 2 * * *",
            CronSpec("n", "CRON_TZ=Asia/Ho_Chi_Minh 0 2 * * *"),
        ),
        ("n=TZ=UTC 0 2 * * *=Uc.Warm", CronSpec("n", "TZ=UTC 0 2 * * *", "Uc.Warm")),
        ("d=@every 1h30m", CronSpec("d", "@every 1h30m")),
    ],
)
def test_cron_flag(text: str, expected: CronSpec) -> None:
    assert parse_cron(text) == expected


@pytest.mark.parametrize("spec", ["*/5 * * * * *", "@often", "* * *", "every day"])
def test_specs_robfig_rejects_are_rejected_here(spec: str) -> None:
    assert not valid_schedule(spec)
    with pytest.raises(ScaffoldError, match="not a 5-field cron spec"):
        parse_cron(f"job={spec}")


def test_event_flag() -> None:
    assert parse_event("warehouse.stock.updated=PricingUsecase.ApplyStockUpdate") == EventSpec(
        "warehouse.stock.updated", "PricingUsecase.ApplyStockUpdate"
    )
    assert parse_event("orders") == EventSpec("orders")
    with pytest.raises(ScaffoldError, match="give a topic"):
        parse_event("=Handler")


def test_app_name() -> None:
    assert app_name("pricing-service") == "pricing"
    assert app_name("catalog_api") == "catalog"
    assert app_name("warehouse") == "warehouse"


def test_event_worker_concurrency_follows_littles_law() -> None:
    from archcheck.model import Measurement, System, Workload
    from archcheck.scaffold.run import concurrency_for

    def system(rate: float, p95_ms: float) -> System:
        w = Workload(service="s", kind="events", name="stock", topic="stock.updated")
        ms = [
            Measurement(
                service="s",
                workload="stock",
                metric="events_per_minute",
                value=rate,
                unit="1/min",
                source="t",
            ),
            Measurement(
                service="s",
                workload="stock",
                metric="processing_ms_p95",
                value=p95_ms,
                unit="ms",
                source="t",
            ),
        ]
        return System(project="p", workloads=(w,), measurements=tuple(ms))

    events = (EventSpec("stock.updated"),)
    assert concurrency_for(system(1500, 120), "s", events) == 10  # needs 3: the default covers it
    assert concurrency_for(system(20000, 120), "s", events) == 80  # needs 40, x2 headroom
    assert concurrency_for(System(project="p"), "s", events) == 10  # no data: the default


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        (
            "RUN mkdir -p bin/ && go build -o ./bin/ ./...\nCOPY --from=b /src/bin /app\n",
            (False, "/app/worker"),
        ),
        ("RUN make build\n", (False, "/app/worker")),
        (
            "ARG MAIN_PKG=./cmd/pricing\nRUN go build -o /app/server ${MAIN_PKG}\n",
            (True, "/app/server"),
        ),
        ("ARG MAIN_PKG\nRUN go build -o /out/ $MAIN_PKG\n", (True, "/app/worker")),
        (
            'RUN go build -o /app/pricing ./cmd/pricing\nENTRYPOINT ["/app/pricing"]\n',
            (False, None),
        ),
    ],
)
def test_worker_binary_from_the_dockerfile(
    dockerfile: str, expected: tuple[bool, str | None]
) -> None:
    from archcheck.scaffold.run import worker_binary

    assert worker_binary(dockerfile) == expected
