"""Where each cron job runs on a cluster (``scaffold.cronjobs.place``): the rule, the override,
and the jobs no CronJob can run as written."""

from __future__ import annotations

from archcheck.scaffold.cronjobs import MIN_GAP_MINUTES, place
from archcheck.scaffold.request import CronSpec

JOBS = (
    CronSpec("price-sync", "*/5 * * * *"),
    CronSpec("cache-warmup", "0 2 * * *"),
    CronSpec("report", "CRON_TZ=Asia/Ho_Chi_Minh @every 6h"),
    CronSpec("rollup", "@every 90m"),
    CronSpec("nightly", "@daily"),
)


def _place(cron_as, run_seconds=None):  # type: ignore[no-untyped-def]
    notes: list[str] = []
    planned, kept = place(
        JOBS, cron_as, app="pricing", timezone="UTC", run_seconds=run_seconds or {}, notes=notes.append
    )
    return {p.job: p for p in planned}, [j.name for j in kept], notes


def test_the_rule_sends_seldom_short_jobs_to_cronjobs() -> None:
    planned, kept, notes = _place(None, {"nightly": 13 * 3600.0, "cache-warmup": 900.0})
    assert sorted(planned) == ["cache-warmup", "report"]
    assert kept == ["price-sync", "rollup", "nightly"]
    assert planned["report"].schedule == "0 */6 * * *"
    assert planned["report"].time_zone == "Asia/Ho_Chi_Minh"
    assert planned["cache-warmup"].time_zone == "UTC"
    assert planned["cache-warmup"].name == "pricing-cache-warmup"
    assert planned["cache-warmup"].starting_deadline_s == 3600
    assert planned["report"].starting_deadline_s == 3600  # a quarter of the gap, at most an hour
    text = "\n".join(notes)
    assert f"price-sync stays in the singleton cron Deployment: it runs every 5 min, under {MIN_GAP_MINUTES}" in text
    assert "nightly stays in the singleton cron Deployment: a run takes up to 46800s" in text
    assert "rollup stays in the singleton cron Deployment: its schedule '@every 90m' cannot" in text
    assert "'CRON_TZ=Asia/Ho_Chi_Minh @every 6h' becomes '0 */6 * * *'" in text


def test_cron_as_overrides_the_rule() -> None:
    planned, kept, notes = _place("cronjob")
    assert sorted(planned) == ["cache-warmup", "nightly", "price-sync", "report"]
    assert kept == ["rollup"]  # no CronJob can state it: it stays, with a note
    assert planned["price-sync"].starting_deadline_s == 75
    assert any("rollup stays" in n for n in notes)
    planned, kept, notes = _place("deployment")
    assert planned == {} and kept == [j.name for j in JOBS] and notes == []


def test_a_name_too_long_for_a_cronjob_stays_in_the_deployment() -> None:
    notes: list[str] = []
    planned, kept = place(
        (CronSpec("x" * 60, "@daily"),), "cronjob", app="pricing", timezone="UTC",
        run_seconds={}, notes=notes.append,
    )
    assert planned == [] and len(kept) == 1 and "longer than 52" in notes[0]
