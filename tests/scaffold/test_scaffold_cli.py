"""`archcheck scaffold` end to end on a copy of fixtures/go/pricing: verdicts, safety, refusals.

These run the real command in-process (analysis included); the Go toolchain checks of the
generated code are in test_scaffold_go.py.
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
import yaml
from scaffold_helpers import FIXTURES, copy_fixture, run_cli, snapshot
from support import REPO

from archcheck.scaffold.plan import MANIFEST


@pytest.fixture
def svc(tmp_path: Path) -> Path:
    return copy_fixture(tmp_path)


def scaffold(svc: Path, capsys, monkeypatch, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    return run_cli(["scaffold", "pricing", *args], svc, capsys, monkeypatch)


def verdicts(err: str) -> dict[str, str]:
    """File -> verdict from the plan printed on stderr."""
    found = re.findall(r"^\s*(create|identical|overwrite|conflict|skip|keep)  (\S+)", err, re.MULTILINE)
    return {path: verdict for verdict, path in found}


def test_first_run_creates_the_split_and_second_run_is_identical(svc, capsys, monkeypatch):
    code, _, err = scaffold(svc, capsys, monkeypatch)
    assert code == 0, err
    first = verdicts(err)
    assert first["cmd/worker/main.go"] == "create"
    assert first["go.mod"] == "overwrite"
    assert first["docker-compose.workers.yml"] == "create"
    assert "internal/worker/event/stock_updated_handler.go" in first
    assert {
        "internal/worker/cron/price_sync_job.go",
        "internal/worker/cron/cache_warmup_job.go",
    } <= set(first)
    # The inline ticker found by discovery calls the same method as cache-warmup: one job only.
    assert "internal/worker/cron/warmup_cache_job.go" not in first
    assert "one job per schedule" in err
    # What to remove from the API, with locations.
    assert re.search(r"cmd/pricing/main\.go:\d+:\d+: an inline ticker", err)
    assert re.search(r"internal/server/http\.go:\d+:\d+: an inline Dapr subscription endpoint", err)
    manifest = json.loads((svc / MANIFEST).read_text())
    assert "cmd/worker/wire_gen.go" in manifest["files"] and "go.mod" not in manifest["files"]

    code, _, err = scaffold(svc, capsys, monkeypatch)
    assert code == 0, err
    second = verdicts(err)
    yours = {"configs/worker.yaml", "internal/worker/event/bindings.go"}
    assert {k for k, v in second.items() if v == "keep"} == yours, err
    assert second and set(second.values()) == {"identical", "keep"}, err
    assert second.keys() == first.keys()


def test_dry_run_writes_nothing_and_prints_a_diff(svc, capsys, monkeypatch):
    before = snapshot(svc)
    code, out, err = scaffold(svc, capsys, monkeypatch, "--dry-run")
    assert code == 0, err
    assert snapshot(svc) == before
    assert "+++ b/cmd/worker/main.go" in out
    assert "+\tgithub.com/robfig/cron/v3 v3.0.1" in out  # the go.mod patch
    assert "dry run: nothing written" in err


def test_user_edit_is_a_conflict_and_nothing_is_written(svc, capsys, monkeypatch):
    assert scaffold(svc, capsys, monkeypatch)[0] == 0
    edited = svc / "internal/worker/event/stock_updated_handler.go"
    edited.write_text(edited.read_text() + "\n// my change\n")
    (svc / "configs/worker.yaml").unlink()  # would be re-created, but not while a conflict exists
    before = snapshot(svc)
    code, _, err = scaffold(svc, capsys, monkeypatch)
    assert code == 1, err
    assert verdicts(err)["internal/worker/event/stock_updated_handler.go"] == "conflict"
    assert "nothing written" in err
    assert snapshot(svc) == before

    code, _, err = scaffold(svc, capsys, monkeypatch, "--force")
    assert code == 0, err
    assert "my change" not in edited.read_text()
    assert (svc / "configs/worker.yaml").is_file()


def test_check_reports_drift(svc, capsys, monkeypatch):
    code, _, err = scaffold(svc, capsys, monkeypatch, "--check")
    assert code == 1 and "differ" in err
    assert scaffold(svc, capsys, monkeypatch)[0] == 0
    code, _, err = scaffold(svc, capsys, monkeypatch, "--check")
    assert code == 0, err
    # The analysis changes: a new schedule makes the generated files stale.
    compose = svc / "docker-compose.yml"
    compose.write_text(compose.read_text().replace('"*/5 * * * *"', '"*/10 * * * *"'))
    code, out, err = scaffold(svc, capsys, monkeypatch, "--check")
    assert code == 1
    assert '-\treturn "*/5 * * * *"' in out and '+\treturn "*/10 * * * *"' in out


def test_generated_files_keep_the_review_defects_out(svc, capsys, monkeypatch):
    assert scaffold(svc, capsys, monkeypatch)[0] == 0
    main = (svc / "cmd/worker/main.go").read_text()
    assert 'envOr("KRATOS_CONF"' in main and 'os.Getenv("WORKER_MODE")' in main  # defects 2, 3
    assert "ParseMode(*modeName)" in main and main.index("ParseMode(") < main.index("wireWorker(")
    assert "panic(" not in main and "os.Exit(1)" in main  # defect 13
    assert "kratos.StopTimeout(" in main  # defect 15
    worker = (svc / "internal/worker/worker.go").read_text()
    assert 'os.LookupEnv("WORKER_CONCURRENCY")' in worker  # defect 4
    assert "prometheus.NewRegistry()" in worker and "promhttp.HandlerFor(" in worker  # defect 34
    assert "MustRegister(m.Jobs, m.Duration, m.Queue" in worker
    server = (svc / "internal/worker/event/server.go").read_text()
    assert "stopOnce.Do(" in server and "default:" not in server.split("func (s *Server) handle")[0]
    assert "DeadLetterTopic: dlq" in server  # defect 25
    assert "for {" not in server  # no busy loop (defect 21)
    sched = (svc / "internal/worker/cron/scheduler.go").read_text()
    assert "cron.WithChain(cron.SkipIfStillRunning(cl), cron.Recover(cl))" in sched  # defect 27
    assert "cron.WithLocation(loc)" in sched and "WithSeconds" not in sched  # defects 29, 30
    assert "stopOnce.Do(" in sched and "s.cron.Stop().Done()" in sched  # defects 16, 32
    handler = (svc / "internal/worker/event/stock_updated_handler.go").read_text()
    assert "h.uc.ApplyStockUpdate(ctx, &msg)" in handler and "var msg biz.StockUpdate" in handler
    assert '"github.com/acme/pricing/internal/biz"' in handler  # defect 10: the module line
    # wire.go and wire_gen.go declare the same injector.
    wire = (svc / "cmd/worker/wire.go").read_text()
    gen = (svc / "cmd/worker/wire_gen.go").read_text()
    sig = re.search(r"func wireWorker\((.*?)\) \((.*?)\)", wire)
    gen_sig = re.search(r"func wireWorker\((.*?)\) \((.*?)\)", gen)
    assert sig and gen_sig and sig[2] == gen_sig[2]
    assert [p.split()[-1] for p in gen_sig[1].split(", ")] == sig[1].split(", ")
    assert "//go:build wireinject" in wire and "//go:build !wireinject" in gen


def test_compose_override_structure(svc, capsys, monkeypatch):
    assert scaffold(svc, capsys, monkeypatch)[0] == 0
    doc = yaml.safe_load((svc / "docker-compose.workers.yml").read_text())
    services = doc["services"]
    assert services["pricing-service"]["environment"]["WORKER_MODE"] == "api"
    workers = {k: v for k, v in services.items() if k.endswith("-worker")}
    assert set(workers) == {"pricing-event-worker", "pricing-cron-worker"}
    for name, s in workers.items():
        assert "container_name" not in s, name  # defect 1
        assert s["depends_on"] == {
            "pricing-migration": {"condition": "service_completed_successfully"}
        }
        assert s["healthcheck"]["test"] == ["CMD", "/app/worker", "-healthcheck"]
        assert s["stop_grace_period"] == "40s"
        assert "pricing-service" not in s["depends_on"]  # defect 6
    assert workers["pricing-cron-worker"]["deploy"]["replicas"] == 1  # defect 8
    assert workers["pricing-event-worker"]["environment"]["WORKER_MODE"] == "events"
    sidecar = services["pricing-event-worker-dapr"]
    assert sidecar["network_mode"] == "service:pricing-event-worker"  # defect 7
    assert "pricing-event-worker" in sidecar["command"]
    worker_yaml = yaml.safe_load((svc / "configs/worker.yaml").read_text())["worker"]
    assert worker_yaml["stop_timeout"] == "25s"  # below stop_grace_period: 40s
    assert worker_yaml["schedules"] == {"price-sync": "*/5 * * * *", "cache-warmup": "0 2 * * *"}


def test_mode_limits_what_is_generated(svc, capsys, monkeypatch):
    code, _, err = scaffold(svc, capsys, monkeypatch, "--mode", "cron")
    assert code == 0, err
    assert not (svc / "internal/worker/event").exists()
    assert (svc / "internal/worker/cron/scheduler.go").is_file()
    main = (svc / "cmd/worker/main.go").read_text()
    assert "this worker has no event handlers" in main
    doc = yaml.safe_load((svc / "docker-compose.workers.yml").read_text())
    assert "pricing-event-worker" not in doc["services"]


def test_event_and_cron_flags_add_workloads(svc, capsys, monkeypatch):
    code, _, err = scaffold(
        svc,
        capsys,
        monkeypatch,
        "--event",
        "warehouse.stock.removed=PricingUsecase.ApplyStockUpdate",
        "--event",
        'pricing.préis-geändert "eu"',
        "--cron",
        "nightly-report=@daily",
    )
    assert code == 0, err
    port = svc / "internal/worker/event/pricing_preis_geandert_eu_handler.go"
    text = port.read_text()
    assert "type PricingPreisGeandertEuPort interface" in text
    assert 'return "pricing.préis-geändert \\"eu\\""' in text
    assert (svc / "internal/worker/cron/nightly_report_job.go").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--event", "a.b", "--event", "a-b"], "map to the same Go name"),
        (["--event", "x=NoSuchMethod"], "no biz use-case method NoSuchMethod"),
        (["--cron", "bad=*/5 * * * * *"], "not a 5-field cron spec"),
        (["--cron", "nospec"], "use NAME=SPEC"),
        (["--mode", "api"], "--mode api"),
        (["--source", "nowhere"], "is not a directory"),
    ],
)
def test_bad_flags_exit_2_and_write_nothing(svc, capsys, monkeypatch, args, message):
    before = snapshot(svc)
    code, _, err = scaffold(svc, capsys, monkeypatch, *args)
    assert code == 2, err
    assert re.search(r"^error: .*" + re.escape(message), err, re.MULTILINE), err
    assert "Traceback" not in err
    assert snapshot(svc) == before


def test_unknown_service_lists_the_services(svc, capsys, monkeypatch):
    code, _, err = run_cli(["scaffold", "billing"], svc, capsys, monkeypatch)
    assert code == 2 and "no service 'billing'" in err and "pricing-service" in err


def test_no_go_mod_and_kratos_v3_are_refused(tmp_path, capsys, monkeypatch):
    svc = copy_fixture(tmp_path)
    (svc / "go.mod").unlink()
    before = snapshot(svc)
    code, _, err = run_cli(["scaffold", "pricing"], svc, capsys, monkeypatch)
    assert code == 2 and "no go.mod" in err and "--source" in err
    assert snapshot(svc) == before

    v3 = copy_fixture(tmp_path, "pricing-kratos-v3")
    code, _, err = run_cli(["scaffold", "pricing-service"], v3, capsys, monkeypatch)
    assert code == 2 and "Kratos v3" in err and "go.mod:5:" in err


def test_service_without_build_context_needs_source(tmp_path, capsys, monkeypatch):
    svc = copy_fixture(tmp_path)
    compose = svc / "docker-compose.yml"
    text = compose.read_text()
    compose.write_text(
        text.replace(
            """  pricing-service:
    build:
      context: .
      dockerfile: Dockerfile""",
            """  pricing-service:
    image: acme/pricing:1.0""",
        )
    )
    code, _, err = run_cli(["scaffold", "pricing"], svc, capsys, monkeypatch)
    assert code == 2 and "no build context" in err and "--source DIR" in err
    code, _, err = run_cli(["scaffold", "pricing", "--source", "."], svc, capsys, monkeypatch)
    assert code == 0, err


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid"), reason="POSIX permissions")
def test_read_only_target_exits_2_with_nothing_half_written(svc, capsys, monkeypatch):
    import os

    if os.geteuid() == 0:
        # root ignores directory permissions; a file in the way of a directory fails the same way.
        (svc / "internal/worker").write_text("not a directory")
    else:
        (svc / "internal").chmod(stat.S_IRUSR | stat.S_IXUSR)
    before = snapshot(svc)
    try:
        code, _, err = scaffold(svc, capsys, monkeypatch)
    finally:
        (svc / "internal").chmod(0o755)
    assert code == 2, err
    assert "nothing was written" in err
    assert snapshot(svc) == before
    assert not list(svc.rglob(".*.tmp"))


def test_inline_verdict_is_refused_unless_forced(tmp_path, capsys, monkeypatch):
    shop = tmp_path / "shop"
    import shutil

    shutil.copytree(REPO / "fixtures" / "shop", shop)
    code, _, err = run_cli(["scaffold", "warehouse", "--dry-run"], shop, capsys, monkeypatch)
    assert code == 2 and "keeps warehouse-service's workloads inline" in err and "--force" in err
    code, _, err = run_cli(
        ["scaffold", "warehouse", "--dry-run", "--force"], shop, capsys, monkeypatch
    )
    assert code == 0, err
    assert "warehouse/cmd/worker/main.go" in err
    # The demo's Dockerfile builds every cmd/*, the worker included: nothing to add.
    assert "builds no cmd/worker binary" not in err
    # A Dockerfile that builds only the API binary: the scaffold says what to add.
    dockerfile = shop / "warehouse" / "Dockerfile"
    dockerfile.write_text(
        "FROM golang:1.24-alpine AS build\nCOPY . .\n"
        "RUN go build -o /app/warehouse ./cmd/warehouse\n"
    )
    code, _, err = run_cli(
        ["scaffold", "warehouse", "--dry-run", "--force"], shop, capsys, monkeypatch
    )
    assert code == 0, err
    assert "Dockerfile builds no cmd/worker binary" in err


def test_fixture_is_untouched_by_the_suite():
    # Every test above works on copies; the checked-in fixture has no generated files.
    assert not (FIXTURES / "pricing" / "cmd" / "worker").exists()
    assert not (FIXTURES / "pricing" / MANIFEST).exists()


def test_unreadable_source_file_is_reported(svc, capsys, monkeypatch):
    (svc / "internal/biz/bad.go").write_bytes(b"package biz\n// \xff\xfe not utf-8\n")
    before = snapshot(svc)
    code, _, err = scaffold(svc, capsys, monkeypatch)
    assert code == 2 and "bad.go is not UTF-8 text" in err
    assert snapshot(svc) == before


def test_old_builder_image_is_pointed_out(svc, capsys, monkeypatch):
    code, _, err = scaffold(svc, capsys, monkeypatch, "--dry-run")
    assert code == 0 and "builder image" not in err  # golang:1.24 builds go 1.23.6
    dockerfile = svc / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("golang:1.24", "golang:1.19"))
    code, _, err = scaffold(svc, capsys, monkeypatch)
    assert code == 0, err
    assert re.search(r"Dockerfile:1: the builder image golang:1\.19 is older than go 1\.23\.6", err)
