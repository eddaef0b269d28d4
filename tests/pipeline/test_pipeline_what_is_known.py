"""The analysis says exactly what is known (issue 17): declared facts, worker ownership, hedged
heuristics, and one migration path. Each case is a small compose project run through the real
CLI (compose loader, snapshot reader, engine, reporters); the asserts read the verdict text.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from support import run_cli


def project(tmp_path: Path, compose: str, metrics: str | None = None) -> Path:
    path = tmp_path / "docker-compose.yml"
    path.write_text(textwrap.dedent(compose).lstrip())
    if metrics is not None:
        (tmp_path / "metrics.yaml").write_text(textwrap.dedent(metrics).lstrip())
    return path


def analyze(
    capsys: pytest.CaptureFixture[str], path: Path, *args: str
) -> tuple[int, str]:
    code, out, err = run_cli(["analyze", str(path), "--no-discover", *args], capsys)
    assert code in (0, 1), err
    return code, out


def as_json(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, Any]:
    _, out = analyze(capsys, path, "--format", "json")
    doc: dict[str, Any] = json.loads(out)
    return doc


def evidence(doc: dict[str, Any], service: str, kind: str) -> list[dict[str, Any]]:
    [verdict] = [v for v in doc["verdicts"] if (v["service"], v["kind"]) == (service, kind)]
    found: list[dict[str, Any]] = verdict["evidence"]
    return found


def criterion(doc: dict[str, Any], service: str, name: str) -> dict[str, Any]:
    [found] = [e for e in evidence(doc, service, "events") if e["criterion"] == name]
    return found


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


RETRY = "retry / dead-letter queue"
MEASURED_INLINE = """
version: 1
services:
  orders:
    cpu_usage_ratio: 0.1
    memory_usage_ratio: 0.1
    workloads:
      order.created: {events_per_minute: 20, processing_ms_p95: 10, queue_size: 0}
"""


def test_no_retry_needed_can_be_declared(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = project(tmp_path, """
        services:
          orders:
            build: .
            x-archcheck:
              events:
                - topic: order.created
                  retry_needed: false
                  dead_letter_needed: false
        """, MEASURED_INLINE)  # fmt: skip
    doc = as_json(capsys, path)
    [verdict] = doc["verdicts"]
    assert (verdict["decision"], verdict["priority"]) == ("inline", "low"), verdict["summary"]
    retry = criterion(doc, "orders", RETRY)
    assert retry["outcome"] == "inline"
    assert retry["value"].startswith("not needed for order.created (retry not needed, declared")
    # the declaration's FILE:LINE is the evidence's source and location, with a unit
    line = line_of(path, "retry_needed: false")
    assert retry["source"] == f"{path}:{line}"
    assert (retry["location"]["file"], retry["location"]["line"]) == (str(path), line)
    assert retry["unit"] == "declaration"


def test_retry_needed_without_dead_letter_queue(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = project(tmp_path, """
        services:
          orders:
            build: .
            x-archcheck:
              events:
                - {topic: order.created, retry_needed: true, dead_letter_needed: false}
        """, MEASURED_INLINE)  # fmt: skip
    doc = as_json(capsys, path)
    retry = criterion(doc, "orders", RETRY)
    assert (retry["outcome"], retry["priority"]) == ("separate", "medium")
    assert retry["value"] == (
        "needed for order.created (retry needed, declared, dead-letter queue not needed, declared)"
    )
    # the deciding criterion comes first in the verdict's evidence
    assert evidence(doc, "orders", "events")[0]["criterion"] == RETRY


def test_dead_letter_topics_decide_first_with_their_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = project(tmp_path, """
        services:
          orders:
            build: .
            x-archcheck:
              events:
                - topic: order.created
                  dead_letter_topic: order.created.dlq
                - topic: order.cancelled
                  dead_letter_topic: order.cancelled.dlq
        """)  # fmt: skip
    doc = as_json(capsys, path)
    retry = criterion(doc, "orders", RETRY)
    assert (retry["outcome"], retry["priority"]) == ("separate", "high")
    assert retry["value"] == (
        "needed for order.created (dead-letter topic order.created.dlq declared),"
        " order.cancelled (dead-letter topic order.cancelled.dlq declared)"
    )
    assert retry["location"]["line"] == line_of(path, "dead_letter_topic: order.created.dlq")
    assert retry["unit"] == "declaration"


def test_a_measurement_beats_a_declaration_and_the_report_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = project(tmp_path, """
        services:
          orders:
            build: .
            x-archcheck:
              events: [{topic: order.created, retry_needed: false}]
        """, MEASURED_INLINE.replace("queue_size: 0}", "queue_size: 0, retry_rate: 0.04}"))
    doc = as_json(capsys, path)
    retry = criterion(doc, "orders", RETRY)
    assert retry["outcome"] == "separate"
    assert retry["value"].startswith("needed for order.created (retry rate 0.04")
    [note] = [n for n in doc["notes"] if "the measurement wins" in n]
    assert "orders/order.created: retry rate 0.04" in note
    assert "declares false" in note and f"{path}:{line_of(path, 'retry_needed')}" in note


def test_the_snapshot_can_declare_too(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = project(tmp_path, """
        services:
          orders:
            build: .
            x-archcheck:
              events: [{topic: order.created}]
        """, MEASURED_INLINE.replace("queue_size: 0}", "queue_size: 0, retry_needed: false}"))
    doc = as_json(capsys, path)
    retry = criterion(doc, "orders", RETRY)
    assert retry["outcome"] == "inline"
    metrics = tmp_path / "metrics.yaml"
    assert retry["source"] == f"{metrics}:{line_of(metrics, 'retry_needed')}"


def test_environment_default_is_stated_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = project(tmp_path, """
        services:
          orders:
            build: .
            x-archcheck:
              events: [{topic: order.created, retry_needed: false}]
        """, MEASURED_INLINE)  # fmt: skip
    doc = as_json(capsys, path)
    assert all(e["criterion"] != "environment" for e in evidence(doc, "orders", "events"))
    assert [d.split(" (")[0] for d in doc["defaults"]] == ["environment: production"]
    _, text = analyze(capsys, path, "-v")
    assert text.count("Assumed:") == 1 and "environment: production (threshold" not in text
    assert text.splitlines()[1].startswith("Assumed: environment: production (not declared")


REPORTING = """
x-archcheck: {environment: production}
services:
  postgres: {image: postgres:16}
  reporting-service:
    image: acme/reporting:1.4
    depends_on: [postgres]
  reporting-cron-worker:
    image: acme/reporting:1.4
    environment: [WORKER_MODE=cron]
    deploy: {resources: {limits: {memory: 256M}}}
    restart: unless-stopped
    x-archcheck:
      cron: [{name: daily-report, schedule: "0 2 * * *"}]
"""
REPORTING_METRICS = """
version: 1
services:
  reporting-service:
    workloads:
      daily-report: {cron_duration_s_p95: 300}
"""


def test_an_image_only_api_owns_the_worker_with_its_image(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = project(tmp_path, REPORTING, REPORTING_METRICS)
    doc = as_json(capsys, path)
    [verdict] = doc["verdicts"]
    assert (verdict["service"], verdict["kind"], verdict["decision"]) == (
        "reporting-service", "cron", "separate"
    )
    assert verdict["separated_in"] == ["reporting-cron-worker"]
    assert not [n for n in doc["notes"] if "not declared" in n]  # the metric found its workload
    [owned] = [o for o in doc["ownership"] if o["service"] == "reporting-cron-worker"]
    assert (owned["owner"], owned["match"]) == ("reporting-service", "image")
    _, text = analyze(capsys, path)
    assert "Cron worker reporting-cron-worker: matched by the same image (acme/reporting:1.4)" in text
    # WORKER_MODE unset and no code read: a medium guess (AC111), not a high AC105
    findings = {f["rule_id"]: f for f in doc["findings"]}
    assert "AC105" not in findings
    assert findings["AC111"]["severity"] == "medium"
    assert "cannot tell whether it also runs the cron workloads" in findings["AC111"]["message"]


def test_a_worker_nobody_owns_is_a_located_note(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = project(tmp_path, """
        services:
          billing:
            build: ./billing
          nightly-worker:
            image: acme/batch:2
            environment: [WORKER_MODE=cron]
            x-archcheck:
              cron: [{name: invoices, schedule: "0 1 * * *"}]
        """)  # fmt: skip
    doc = as_json(capsys, path)
    assert doc["verdicts"] == []
    [note] = [n for n in doc["notes"] if "nightly-worker" in n]
    assert note.startswith(f"{path}:{line_of(path, 'nightly-worker:')}:")
    assert "cannot tell which service it works for" in note
    assert "x-archcheck: {owner: SERVICE}" in note


def test_ownership_by_build_and_by_declared_owner(tmp_path: Path) -> None:
    from archcheck.compose import ComposeOptions, load_project
    from archcheck.sources.compose_system import describe

    path = project(tmp_path, """
        services:
          shop-api:
            build: {context: ., dockerfile: api.Dockerfile}
          jobs:
            build: {context: ., dockerfile: api.Dockerfile}
            environment: [WORKER_MODE=cron]
          mailer:
            image: acme/mailer
            environment: [WORKER_MODE=events]
            x-archcheck: {owner: shop-api}
          shop-events:
            image: acme/other
            environment: [WORKER_MODE=events]
        """)  # fmt: skip
    services = {s.name: s for s in describe(load_project(ComposeOptions(files=(path,)))).services}
    assert (services["jobs"].owner, services["jobs"].owner_match) == ("shop-api", "build")
    assert (services["mailer"].owner, services["mailer"].owner_match) == ("shop-api", "x-archcheck")
    assert (services["shop-events"].owner, services["shop-events"].owner_match) == (
        "shop-api", "name"
    )


def test_findings_of_workers_count_under_their_service(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = project(tmp_path, REPORTING.replace("    restart: unless-stopped\n", ""),
                   REPORTING_METRICS)  # fmt: skip
    _, text = analyze(capsys, path)
    # AC107 on the worker and AC111 on the API: both under reporting-service
    [row] = [line for line in text.splitlines() if line.startswith("reporting-service  ")]
    assert row.split()[-1] == "2", row


MIGRATION = """
services:
  catalog:
    build: ./catalog
    environment: [WORKER_MODE=all]
    x-archcheck:
      events: [{topic: price.changed, retry_needed: false}]
      cron: [{name: stock-sync, schedule: "@every 1m"}]
"""
MIGRATION_METRICS = """
version: 1
services:
  catalog:
    cpu_usage_ratio: 0.1
    memory_usage_ratio: 0.1
    workloads:
      price.changed: {events_per_minute: 20, processing_ms_p95: 10, queue_size: 0}
      stock-sync: {cron_duration_s_p95: 75}
"""


def _phases(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    _, md = analyze(capsys, path, "--format", "markdown")
    return md.split("## Migration path", 1)[1] if "## Migration path" in md else ""


def test_migration_path_scaffolds_only_kratos_services_and_keeps_inline_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = project(tmp_path, MIGRATION, MIGRATION_METRICS)
    (tmp_path / "catalog").mkdir()
    gomod = tmp_path / "catalog" / "go.mod"
    gomod.write_text("module example.com/catalog\n\ngo 1.22\n\nrequire github.com/go-kratos/kratos/v2 v2.9.2\n")
    path_md = _phases(capsys, path)
    assert "`archcheck scaffold catalog`" in path_md
    # its events stay inline: the API keeps WORKER_MODE=events, not api
    assert "`WORKER_MODE=events` on catalog (its event handlers stay inline)" in path_md
    assert "WORKER_MODE=api" not in path_md
    _, text = analyze(capsys, path)
    assert "Migration path" in text and "archcheck scaffold catalog" in text

    gomod.write_text("module example.com/catalog\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.9.1\n")
    path_md = _phases(capsys, path)
    assert "archcheck scaffold" not in path_md.split("\n2.")[0].replace("`archcheck scaffold` generates", "")
    assert "Write the cron worker (`catalog-cron-worker`) by hand" in path_md

    gomod.unlink()
    assert "is not a Go module" in _phases(capsys, path)


def test_migration_path_for_image_only_asks_for_the_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = project(tmp_path, MIGRATION.replace("build: ./catalog", "image: acme/catalog:3"),
                   MIGRATION_METRICS)  # fmt: skip
    assert "`archcheck scaffold catalog --source DIR`" in _phases(capsys, path)


def test_already_separated_gets_no_phase(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = project(tmp_path, REPORTING, REPORTING_METRICS)
    assert _phases(capsys, path) == ""


def test_markdown_findings_use_relative_paths(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project(tmp_path, REPORTING, REPORTING_METRICS)
    monkeypatch.chdir(tmp_path)
    _, md = analyze(capsys, path, "--format", "markdown")
    assert str(tmp_path) not in md
    assert "`docker-compose.yml:" in md


GO_MAIN = """package main

import (
	"net/http"
{imports}
	"github.com/robfig/cron/v3"
)

func dailyReport() {{}}

func main() {{
{mode}	c := cron.New()
	c.AddFunc("0 2 * * *", dailyReport)
	c.Start()
	http.ListenAndServe(":8080", nil)
}}
"""
GO_COMPOSE = """
services:
  reports:
    build: ./api
    x-archcheck:
      cron: [{name: daily-report, schedule: "0 2 * * *"}]
  reports-cron-worker:
    build: ./api
    environment: [WORKER_MODE=cron]
    deploy: {resources: {limits: {memory: 256M}}}
    restart: unless-stopped
"""


def _go_api(tmp_path: Path, *, reads_mode: bool) -> Path:
    api = tmp_path / "api"
    api.mkdir()
    (api / "go.mod").write_text(
        "module example.com/reports\n\ngo 1.22\n\nrequire github.com/robfig/cron/v3 v3.0.1\n"
    )
    mode = '\tif os.Getenv("WORKER_MODE") == "api" {\n\t\treturn\n\t}\n' if reads_mode else ""
    (api / "main.go").write_text(
        GO_MAIN.format(imports='\t"os"\n' if reads_mode else "", mode=mode)
    )
    return project(tmp_path, GO_COMPOSE)


def _findings(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, dict[str, Any]]:
    code, out, err = run_cli(["analyze", str(path), "--format", "json"], capsys)
    assert code in (0, 1), err
    return {f["rule_id"]: f for f in json.loads(out)["findings"]}


def test_go_code_that_starts_the_job_without_reading_the_mode_is_certain(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _go_api(tmp_path, reads_mode=False)
    findings = _findings(capsys, path)
    assert "AC111" not in findings
    message = findings["AC105"]["message"]
    main_go = tmp_path / "api" / "main.go"
    assert f"its Go code starts daily-report at {main_go}:{line_of(main_go, 'AddFunc')}" in message
    assert "never reads WORKER_MODE" in message and findings["AC105"]["severity"] == "high"


def test_go_code_that_reads_the_mode_is_a_medium_cannot_tell(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _go_api(tmp_path, reads_mode=True)
    findings = _findings(capsys, path)
    assert "AC105" not in findings
    main_go = tmp_path / "api" / "main.go"
    assert f"its Go code reads WORKER_MODE at {main_go}:" in findings["AC111"]["message"]
    assert findings["AC111"]["severity"] == "medium"


def test_a_migration_is_known_by_what_it_runs_not_its_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`migrate/migrate` named `migrate` and flyway named `schema`: both are migrations (the
    one role inference the scaffold shares), so AC102 judges who waits for them."""
    path = project(tmp_path, """
        services:
          migrate:
            image: migrate/migrate:v4.17.0
            command: ["-path", "/migrations", "-database", "postgres://db/app", "up"]
          schema:
            image: flyway/flyway:10
            command: migrate
          app:
            build: .
            depends_on: [migrate, schema]
        """)  # fmt: skip
    doc = as_json(capsys, path)
    ac102 = [f for f in doc["findings"] if f["rule_id"] == "AC102"]
    assert {f["evidence"]["migration"] for f in ac102} == {"migrate", "schema"}
    roles = {o["service"]: o["role"] for o in doc["ownership"]}
    assert roles == {"migrate": "migration", "schema": "migration"}
