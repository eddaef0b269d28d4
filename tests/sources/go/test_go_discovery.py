"""Go source discovery: real Go snippets parsed by tree-sitter's Go grammar, no mocks."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support import REPO, require_tool
from support import write_tree as write

from archcheck.model import Workload
from archcheck.sources.go import scan as go_scan
from archcheck.sources.go.consts import format_duration
from archcheck.sources.go.scan import list_go_files, scan
from archcheck.sources.go.workloads import discover_go_workloads

SHOP = REPO / "fixtures" / "shop"



def workloads(root: Path, service: str = "svc") -> dict[str, Workload]:
    found = discover_go_workloads({service: root}, relative_to=root)
    return {w.name: w for w in found.workloads}


def test_inline_ticker_goroutine_is_a_cron_workload_at_its_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "cmd/app/main.go": """
        package main

        import (
        	"context"
        	"time"
        )

        func main() {
        	ctx := context.Background()
        	go func() {
        		ticker := time.NewTicker(1 * time.Minute)
        		defer ticker.Stop()
        		for {
        			select {
        			case <-ctx.Done():
        				return
        			case <-ticker.C:
        				stockSync.Run(ctx)
        			}
        		}
        	}()
        }
        """
        },
    )
    found = workloads(tmp_path)
    assert list(found) == ["stock-sync"]
    job = found["stock-sync"]
    assert (job.kind, job.schedule, job.handler, job.origin) == (
        "cron",
        "@every 1m",
        "stockSync.Run",
        "go",
    )
    assert job.location is not None
    assert (job.location.file, job.location.line, job.location.column) == (
        "cmd/app/main.go",
        11,
        13,
    )


def test_intervals_resolve_through_package_and_imported_constants(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "go.mod": "module example.com/app\n",
            "internal/conf/conf.go": """
            package conf

            import "time"

            const base = 15 * time.Second
            // ReportEvery is twice the base period.
            const ReportEvery = base * 2
            """,
            "internal/job/intervals.go": """
            package job

            import "time"

            const (
            	cleanupEvery = time.Duration(90) * time.Minute
            	spec         = "@every " + "10m"
            )
            """,
            "internal/job/run.go": """
            package job

            import (
            	stdtime "time"

            	"example.com/app/internal/conf"
            	"github.com/robfig/cron/v3"
            )

            func Start(c *cron.Cron, j *Jobs) {
            	go func() {
            		for range stdtime.Tick(cleanupEvery) {
            			j.cleanupOrders()
            		}
            	}()
            	reportTicker := stdtime.NewTicker(conf.ReportEvery)
            	go func() {
            		for {
            			select {
            			case <-j.done:
            				return
            			case <-reportTicker.C:
            				j.sendReport()
            			}
            		}
            	}()
            	stdtime.AfterFunc(stdtime.Duration(j.delay), j.flushCache)
            	c.AddFunc(spec, j.rebuildIndex)
            }
            """,
        },
    )
    found = workloads(tmp_path)
    assert found["cleanup-orders"].schedule == "@every 1h30m"
    assert found["report"].schedule == "@every 30s"
    assert found["report"].handler == "j.sendReport"
    # A one-shot timer is not recurring work.
    assert "flush-cache" not in found
    assert found["rebuild-index"].schedule == "@every 10m"


def test_robfig_cron_jobs_with_specs_and_names(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "internal/cron/s.go": """
        package cron

        import (
        	"context"

        	rc "github.com/robfig/cron/v3"
        )

        const warmupSpec = "0 2 * * *"

        func Start(ctx context.Context, s *Scheduler, spec string) {
        	c := rc.New()
        	c.AddJob("*/5 * * * *", NewPriceSyncJob(s.prices))
        	c.AddFunc(warmupSpec, func() {
        		s.log.Infof("warming")
        		s.cacheWarmup.Run(ctx)
        	})
        	c.AddFunc("@hourly", s.compactLedger)
        	c.AddFunc(spec, s.fromConfig)
        }
        """
        },
    )
    found = workloads(tmp_path)
    assert {n: w.schedule for n, w in found.items()} == {
        "price-sync": "*/5 * * * *",
        "cache-warmup": "0 2 * * *",
        "compact-ledger": "@hourly",
        "from-config": None,
    }
    assert found["cache-warmup"].handler == "s.cacheWarmup.Run"


def test_dapr_subscriptions_in_code_resolve_constants_and_routes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "internal/event/topics.go": """
            package event

            const (
            	Pubsub       = "orders-pubsub"
            	TopicCreated = "orders.created"
            	dlq          = ".dlq"
            )
            """,
            "internal/event/register.go": """
            package event

            import "github.com/dapr/go-sdk/service/common"

            func Register(s common.Service, h *Handler, topic string) error {
            	created := &common.Subscription{
            		PubsubName:      Pubsub,
            		Topic:           TopicCreated,
            		Route:           "/events/created",
            		DeadLetterTopic: TopicCreated + dlq,
            	}
            	if err := s.AddTopicEventHandler(created, h.Created); err != nil {
            		return err
            	}
            	return s.AddTopicEventHandler(&common.Subscription{
            		PubsubName: Pubsub,
            		Topic:      topic,
            	}, h.Dynamic)
            }
            """,
            "internal/server/http.go": """
            package server

            import "net/http"

            func Routes(mux *http.ServeMux, h *Handler) {
            	mux.HandleFunc("/dapr/subscribe", h.Subscriptions)
            	mux.HandleFunc("/events/refunds", h.Refund)
            }

            func (h *Handler) Subscriptions(w http.ResponseWriter, _ *http.Request) {
            	writeJSON(w, []map[string]string{
            		{"pubsubname": "orders-pubsub", "topic": "orders.refunded", "route": "/events/refunds"},
            	})
            }

            func payload() map[string]string {
            	return map[string]string{"topic": "not-a-subscription"}
            }
            """,
        },
    )
    found = workloads(tmp_path)
    created = found["orders.created"]
    assert (created.pubsub, created.route, created.dead_letter_topic, created.handler) == (
        "orders-pubsub",
        "/events/created",
        "orders.created.dlq",
        "h.Created",
    )
    assert created.location is not None
    assert (created.location.file, created.location.line) == ("internal/event/register.go", 12)
    refunded = found["orders.refunded"]
    assert (refunded.handler, refunded.route) == ("h.Refund", "/events/refunds")
    # A topic known only at run time is still a workload, named after its handler.
    assert found["dynamic"].topic is None
    assert "not-a-subscription" not in found


def test_worker_mode_and_existing_worker_entrypoint(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "cmd/api/main.go": """
            package main

            import "os"

            func main() {
            	if os.Getenv("WORKER_MODE") == "api" {
            		return
            	}
            }
            """,
            "cmd/worker/main.go": """
            package main

            import "flag"

            var mode = flag.String("mode", "events", "events, cron or all")

            func main() { flag.Parse() }
            """,
        },
    )
    found = discover_go_workloads({"svc": tmp_path}, relative_to=tmp_path)
    assert str(found.worker_mode["svc"]) == "cmd/api/main.go:6:5"
    assert found.worker_entrypoints["svc"].file == "cmd/worker/main.go"


def test_broken_file_yields_partial_results_and_a_located_warning(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.go": """
        package main

        import "time"

        func main() {
        	syncTicker := time.NewTicker(30 * time.Second)
        	for range syncTicker.C {
        		syncPrices()
        	}
        }

        func broken( {
        """
        },
    )
    found = discover_go_workloads({"svc": tmp_path}, relative_to=tmp_path)
    assert [(w.name, w.schedule) for w in found.workloads] == [("sync-prices", "@every 30s")]
    assert len(found.notes) == 1
    assert found.notes[0].text.startswith("main.go:12:")
    assert "only partly read" in found.notes[0].text and "syntax error" not in found.notes[0].text


def test_skips_vendor_testdata_tests_generated_large_and_escaping_symlinks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticker = 'package p\n\nimport "time"\n\nvar t = time.NewTicker(time.Second)\n'
    root = tmp_path / "svc"
    outside = tmp_path / "elsewhere"
    write(outside, {"x.go": ticker})
    write(
        root,
        {
            "ok.go": ticker,
            "vendor/v.go": ticker,
            "testdata/t.go": ticker,
            "a_test.go": ticker,
            ".hidden/h.go": ticker,
            "gen.pb.go": "// Code generated by protoc-gen-go. DO NOT EDIT.\n\n" + ticker,
            "big.go": ticker + "// " + "x" * 400 + "\n",
        },
    )
    (root / "link_out.go").symlink_to(outside / "x.go")
    (root / "dir_out").symlink_to(outside, target_is_directory=True)
    (root / "link_in.go").symlink_to(root / "ok.go")
    monkeypatch.setattr(go_scan, "MAX_FILE_BYTES", 300)
    files, notes = list_go_files(root)
    names = sorted(p.name for p in files)
    assert names == ["big.go", "gen.pb.go", "link_in.go", "ok.go"]
    assert any("link_out.go" in n and "leads out" in n for n in notes)
    assert any("dir_out" in n for n in notes)
    facts = {f.path.name: f for f in scan(files, cache=None)}
    assert facts["gen.pb.go"].facts.ticks == () and not facts["gen.pb.go"].parsed
    assert facts["big.go"].facts.ticks == () and "byte limit" in (facts["big.go"].note or "")
    assert facts["ok.go"].parsed


def test_parallel_scan_gives_the_same_facts_as_serial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(40):
        write(
            tmp_path,
            {
                f"p{i}/f.go": f"""
            package p{i}

            import "time"

            const every = {i + 1} * time.Second

            func Start(j *J) {{
            	go func() {{
            		for range time.Tick(every) {{
            			j.job{i}()
            		}}
            	}}()
            }}
            """
            },
        )
    files, _ = list_go_files(tmp_path)
    monkeypatch.setattr(go_scan, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(go_scan, "_CHUNK", 7)
    assert scan(files, cache=None, jobs=2) == scan(files, cache=None, jobs=1)
    found = discover_go_workloads({"svc": tmp_path}, jobs=2)
    assert sorted(w.schedule or "" for w in found.workloads)[:2] == ["@every 10s", "@every 11s"]
    assert len(found.workloads) == 40


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(60, "1m"), (90, "1m30s"), (3600, "1h"), (0.5, "500ms"), (86400, "24h")],
)
def test_format_duration(seconds: float, expected: str) -> None:
    assert format_duration(seconds * 1e9) == expected


def test_shop_fixture_workloads_point_at_their_go_lines() -> None:
    roots = {s: SHOP / s for s in ("pricing", "catalog", "warehouse")}
    found = discover_go_workloads(roots, relative_to=SHOP)
    table = {
        (w.service, w.kind, w.name): (w.schedule or w.topic, str(w.location))
        for w in found.workloads
    }
    assert table == {
        ("catalog", "cron", "stock-sync"): ("@every 1m", "catalog/cmd/catalog/main.go:40:13"),
        ("pricing", "cron", "price-sync"): (
            "*/5 * * * *",
            "pricing/internal/cron/scheduler.go:38:15",
        ),
        ("pricing", "cron", "cache-warmup"): (
            "0 2 * * *",
            "pricing/internal/cron/scheduler.go:41:15",
        ),
        ("pricing", "events", "warehouse.stock.updated"): (
            "warehouse.stock.updated",
            "pricing/internal/event/handler.go:32:12",
        ),
        ("pricing", "events", "pricing.price.changed"): (
            "pricing.price.changed",
            "pricing/internal/event/handler.go:35:12",
        ),
        ("warehouse", "events", "order.created"): (
            "order.created",
            "warehouse/internal/event/handler.go:15:9",
        ),
    }
    assert found.routes["catalog"]["/events/price-changed"] == "h.PriceChanged"
    assert found.notes == ()


def test_shop_fixture_is_valid_gofmt_clean_go() -> None:
    """The fixture is real Go: gofmt (the Go toolchain's own parser) accepts it unchanged."""
    gofmt = require_tool("gofmt")
    result = subprocess.run(
        [gofmt, "-l", "-e", *(str(SHOP / s) for s in ("pricing", "catalog", "warehouse"))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    write(tmp_path, {"a/x.go": "package a\n"})
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop")
    files, notes = list_go_files(tmp_path)
    assert [p.name for p in files] == ["x.go"]
    assert notes
    shutil.rmtree(tmp_path / "a")


def test_packages_only_a_worker_binary_reaches_run_in_that_worker(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "go.mod": "module example.com/shop // the shop\n\ngo 1.22\n",
            "cmd/api/main.go": """
            package main

            import "example.com/shop/internal/shared"

            func main() { shared.Start() }
            """,
            "cmd/pricing-worker/main.go": """
            package main

            import (
            	"github.com/dapr/go-sdk/service/common"

            	"example.com/shop/internal/jobs"
            	"example.com/shop/internal/shared"
            )

            func main() {
            	jobs.Start()
            	shared.Start()
            	svc.AddTopicEventHandler(&common.Subscription{Topic: "orders.created"}, onOrder)
            }
            """,
            "internal/jobs/jobs.go": """
            package jobs

            import "github.com/robfig/cron/v3"

            func Start() {
            	c := cron.New()
            	c.AddFunc("*/5 * * * *", syncPrices)
            }
            """,
            "internal/shared/shared.go": """
            package shared

            import "time"

            func Start() {
            	refreshTicker := time.NewTicker(time.Minute)
            	for range refreshTicker.C {
            		refreshRates()
            	}
            }
            """,
        },
    )
    found = discover_go_workloads({"svc": tmp_path}, relative_to=tmp_path)
    runs = {w.name: w.runs_in for w in found.workloads}
    # Reached from the API binary too: the API runs it, inline.
    assert runs == {
        "refresh": None,
        "sync-prices": "cmd/pricing-worker",
        "orders.created": "cmd/pricing-worker",
    }
    assert found.worker_entrypoints["svc"].file == "cmd/pricing-worker/main.go"


def test_without_go_mod_only_the_worker_layout_is_the_workers(tmp_path: Path) -> None:
    job = """
        package {pkg}

        import "github.com/robfig/cron/v3"

        func Start(c *cron.Cron) {{ c.AddFunc("@daily", {fn}) }}
        """
    write(
        tmp_path,
        {
            "cmd/worker/main.go": "package main\n\nfunc main() {}\n",
            "internal/worker/cron/jobs.go": job.format(pkg="cron", fn="nightlyReport"),
            "internal/billing/jobs.go": job.format(pkg="billing", fn="closeInvoices"),
        },
    )
    found = discover_go_workloads({"svc": tmp_path}, relative_to=tmp_path)
    assert {w.name: w.runs_in for w in found.workloads} == {
        "nightly-report": "cmd/worker",
        "close-invoices": None,
    }


def test_generic_registrations_are_notes_never_invented_names(tmp_path: Path) -> None:
    """A loop over handlers, a helper that subscribes whatever it is given, a job without a
    name: the code does not say which workload it is, so none is made up."""
    write(
        tmp_path,
        {
            "internal/event/server.go": """
        package event

        import (
        	"github.com/dapr/go-sdk/service/common"
        	"github.com/robfig/cron/v3"
        )

        func (s *Server) subscribe(sub *common.Subscription, h common.TopicEventHandler) error {
        	return s.svc.AddTopicEventHandler(sub, h)
        }

        func NewServer(handlers []Handler, c *cron.Cron, jobs []Job) *Server {
        	s := &Server{}
        	for _, hd := range handlers {
        		sub := &common.Subscription{Topic: hd.Topic(), Route: "/events/" + hd.Name()}
        		s.svc.AddTopicEventHandler(sub, s.handle(hd))
        		s.svc.AddTopicEventHandler(&common.Subscription{Topic: hd.Topic()}, s.deadLetter(hd))
        	}
        	for _, j := range jobs {
        		c.AddJob(j.Spec(), cron.FuncJob(func() { s.run(j) }))
        		c.AddFunc("@daily", nightlyReport)
        	}
        	c.AddFunc("@hourly", func() { s.x() })
        	return s
        }
        """
        },
    )
    found = discover_go_workloads({"svc": tmp_path}, relative_to=tmp_path)
    # A constant schedule in a loop is still one known job.
    assert [(w.name, w.schedule) for w in found.workloads] == [("nightly-report", "@daily")]
    skipped = sorted(int(n.text.split(":")[1]) for n in found.notes)
    assert skipped == [9, 16, 17, 20, 23]
    assert all("not counted as a workload" in n.text for n in found.notes)
    assert "@hourly" in next(n.text for n in found.notes if ":23:" in n.text)


def test_an_unknown_scheduler_library_is_a_note_not_silence(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.go": """
        package main

        import "github.com/acme/cronlite"

        func main() {
        	c := cronlite.New()
        	c.AddFunc("@hourly", compactLedger)
        }
        """
        },
    )
    found = discover_go_workloads({"svc": tmp_path}, relative_to=tmp_path, cache=False)
    assert found.workloads == ()
    assert [n.text.split(": ", 1)[0] for n in found.notes] == ["main.go:7:2"]
    assert "github.com/acme/cronlite, a scheduler library archcheck does not know" in found.notes[0].text


def test_a_source_folder_reads_what_its_programs_compile_not_test_helpers(tmp_path: Path) -> None:
    """``--source DIR`` (a folder, not a main package): the import closure of the main packages
    under it, as in usememos/memos, where ``store/test`` polls a test database on a ticker and
    only ``_test.go`` files import it."""
    poll = """
        package {pkg}

        import (
        	"net/http"
        	"time"
        )

        func {fn}() {{
        	for range time.Tick(10 * time.Minute) {{
        		_, _ = http.Get("http://db/ping")
        	}}
        }}
        """
    write(
        tmp_path,
        {
            "go.mod": "module example.com/memos\n\ngo 1.22\n",
            "cmd/memos/main.go": """
                package main

                import "example.com/memos/store"

                func main() { store.SyncRemote() }
                """,
            "store/sync.go": poll.format(pkg="store", fn="SyncRemote"),
            "store/test/containers.go": poll.format(pkg="test", fn="WaitForDB"),
            "store/store_test.go": """
                package store_test

                import (
                	"testing"

                	"example.com/memos/store/test"
                )

                func TestStore(t *testing.T) { test.WaitForDB() }
                """,
        },
    )
    found = discover_go_workloads({"svc": tmp_path}, relative_to=tmp_path)
    assert {w.location.file for w in found.workloads if w.location} == {"store/sync.go"}


def test_a_generated_constant_of_hundreds_of_pieces_is_read(tmp_path: Path) -> None:
    """swaggo's ``docs.go`` (go-vikunja/vikunja) joins a 428 KB template from ~500 string pieces
    with ``+``: it must be read (and cached) without recursing once per piece, while short
    joined constants still resolve."""
    pieces = " + \"`\" + ".join(f"`part {n} {'x' * 300}`" for n in range(1200))
    write(
        tmp_path,
        {
            "go.mod": "module example.com/app\n\ngo 1.22\n",
            "cmd/app/docs.go": f"package main\n\nconst docTemplate = {pieces}\n",
            "cmd/app/main.go": """
                package main

                import (
                	"net/http"
                	"time"
                )

                const prefix = "sync"
                const name = prefix + "-" + "rates"

                func main() {
                	for range time.Tick(10 * time.Minute) {
                		syncRates()
                	}
                }

                func syncRates() { _, _ = http.Get("http://rates/" + name) }
                """,
        },
    )
    found = discover_go_workloads({"svc": tmp_path}, relative_to=tmp_path)
    assert [(w.name, w.schedule) for w in found.workloads] == [("sync-rates", "@every 10m")]


def test_a_function_that_registers_work_for_its_callers_is_followed(tmp_path: Path) -> None:
    """go-vikunja/vikunja wraps robfig/cron in ``cron.Schedule(spec, f)`` and registers a dozen
    jobs through it from other packages: each call of the wrapper is a cron job at the caller's
    line, with the caller's spec, named after its handler or the function that registers it.
    The wrapper's own ``AddFunc(schedule, f)`` is not a job, and a wrapper nobody calls stays a
    note."""
    write(
        tmp_path,
        {
            "go.mod": "module example.com/app\n\ngo 1.22\n",
            "pkg/cron/cron.go": """
                package cron

                import "github.com/robfig/cron/v3"

                var c *cron.Cron

                func Init() { c = cron.New(); c.Start() }

                // Schedule schedules a job as a cron job
                func Schedule(schedule string, f func()) (err error) {
                	_, err = c.AddFunc(schedule, f)
                	return
                }

                func Unused(spec string, f func()) { c.AddFunc(spec, f) }
                """,
            "pkg/user/token.go": """
                package user

                import "example.com/app/pkg/cron"

                func RegisterTokenCleanupCron() {
                	_ = cron.Schedule("0 * * * *", func() {
                		s := newSession()
                		defer s.Close()
                		cleanupOldTokens(s)
                	})
                }

                func RegisterDeletionNotificationCron() {
                	_ = cron.Schedule("@daily", notifyUsersScheduledForDeletion)
                }
                """,
            "cmd/app/main.go": """
                package main

                import (
                	"example.com/app/pkg/cron"
                	"example.com/app/pkg/user"
                )

                func main() {
                	cron.Init()
                	user.RegisterTokenCleanupCron()
                	user.RegisterDeletionNotificationCron()
                }
                """,
        },
    )
    found = discover_go_workloads({"svc": tmp_path / "cmd/app"}, relative_to=tmp_path)
    where = {(w.name, w.schedule, w.location.file, w.location.line)
             for w in found.workloads if w.location}  # fmt: skip
    assert where == {
        ("token-cleanup", "0 * * * *", "pkg/user/token.go", 6),
        ("notify-users-scheduled-for-deletion", "@daily", "pkg/user/token.go", 14),
    }
    notes = [n.text for n in found.notes]
    assert not any("pkg/cron/cron.go:11:" in n for n in notes)  # the wrapper itself
    assert any("pkg/cron/cron.go:15:" in n for n in notes)  # uncalled: still a note
