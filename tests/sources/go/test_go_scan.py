"""Which Go files get the full parse: the first pass reads only files that mention what a
recogniser, a ticker or a route needs; joining then parses, by name, only the files that can
declare what the parsed ones look up. Both are checked against parsing every file."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import write_tree as write

from archcheck.sources.go import scan as go_scan
from archcheck.sources.go.facts import FileFacts, extract
from archcheck.sources.go.libraries import Catalog, load_catalog
from archcheck.sources.go.targets import GoDiscovery
from archcheck.sources.go.workloads import discover_go_workloads


def registers(facts: FileFacts, catalog: Catalog) -> list[str]:
    """What in a file's facts the first pass must never skip: a ticker loop, a WORKER_MODE
    read, a call a library entry recognises on a value of that library."""
    found = [f"tick {t.via}" for t in facts.ticks]
    found += [] if facts.worker_mode is None else ["worker mode"]
    found += [
        f"{c.origin}.{c.name}"
        for c in facts.calls
        if c.origin and next(catalog.find(c.origin, c.name, function=c.function), None)
    ]
    return found


def first_pass(root: Path) -> dict[str, bool]:
    """File (relative) -> whether the first pass parses it."""
    files, _ = go_scan.list_go_files(root)
    return {
        s.path.relative_to(root).as_posix(): s.parsed
        for s in go_scan.scan(files, jobs=1, catalog=load_catalog())
    }


def everything(monkeypatch: pytest.MonkeyPatch, root: Path) -> GoDiscovery:
    """Discovery with every file parsed, whatever it mentions."""
    with monkeypatch.context() as patch:
        patch.setattr(go_scan, "_worth_parsing", lambda entry, triggers: True)
        return discover_go_workloads({"svc": root}, relative_to=root, cache=None)


LOOK_ALIKES = {
    "go.mod": "module example.com/app\n",
    "deadline/deadline.go": """
    package deadline

    import "time"

    func Wait(deadline time.Time) {
    	for time.Now().Before(deadline) {
    		if time.Now().After(deadline.Add(-time.Second)) {
    			return
    		}
    	}
    }
    """,
    "clock/clock.go": """
    package clock

    import "time"

    type Fake struct{}

    func (Fake) After(d time.Duration) <-chan time.Time { return nil }

    func Loop(clock Fake) {
    	for {
    		<-clock.After(time.Second)
    		work()
    	}
    }

    func work() {}
    """,
    "dot/dot.go": """
    package dot

    import . "time"

    func Loop() {
    	for range Tick(5 * Second) {
    		work()
    	}
    }

    func work() {}
    """,
    "aliased/aliased.go": """
    package aliased

    import stdtime "time"

    func Loop() {
    	for range stdtime.Tick(5 * stdtime.Second) {
    		work()
    	}
    }

    func work() {}
    """,
    "plain/plain.go": """
    package plain

    import "time"

    func Loop() {
    	t := time.NewTicker(time.Minute)
    	for range t.C {
    		work()
    	}
    }

    func work() {}
    """,
    "queue/queue.go": """
    package queue

    import amqp "github.com/rabbitmq/amqp091-go"

    func Read(ch *amqp.Channel) {
    	deliveries, _ := ch.Consume("emails", "", false, false, false, false, nil)
    	_ = deliveries
    }
    """,
    "vouchers/vouchers.go": """
    package vouchers

    type Store struct{}

    func (Store) Consume(code string) {}

    func Redeem(s Store) { s.Consume("voucher") }
    """,
}


def test_a_file_the_first_pass_skips_holds_nothing_the_extractor_registers(
    tmp_path: Path,
) -> None:
    root = write(tmp_path, LOOK_ALIKES)
    catalog = load_catalog()
    decided = first_pass(root)
    for name, parsed in decided.items():
        if not parsed:
            assert registers(extract((root / name).read_bytes(), catalog), catalog) == [], name
    # Tickers on the name the file imports time by, and a library's call, are parsed...
    assert decided["aliased/aliased.go"] and decided["plain/plain.go"]
    assert decided["queue/queue.go"]
    # ...a time.Time's After, a method of one's own type and a dot-imported Tick are not.
    assert not decided["deadline/deadline.go"] and not decided["clock/clock.go"]
    assert not decided["dot/dot.go"] and not decided["vouchers/vouchers.go"]


PACKAGES = {
    "go.mod": "module example.com/app\n",
    "cmd/app/main.go": """
    package main

    import (
    	"example.com/app/internal/consumer"
    	"example.com/app/internal/jobs"
    )

    func main() {
    	c := consumer.New(consumer.QueueName("orders"))
    	c.Run()
    	jobs.Start()
    }
    """,
    "internal/consumer/consumer.go": """
    package consumer

    func (c *Consumer) Run() {
    	deliveries, _ := c.ch.Consume(c.queue, "", false, false, false, false, nil)
    	for d := range deliveries {
    		handleOrder(d.Body)
    	}
    }
    """,
    "internal/consumer/types.go": """
    package consumer

    import amqp "github.com/rabbitmq/amqp091-go"

    type Consumer struct {
    	ch    *amqp.Channel
    	queue string
    }
    """,
    "internal/consumer/options.go": """
    package consumer

    type Option func(*Consumer)

    func QueueName(name string) Option {
    	return func(c *Consumer) { c.queue = name }
    }

    func New(options ...Option) *Consumer {
    	c := &Consumer{}
    	for _, o := range options {
    		o(c)
    	}
    	return c
    }
    """,
    "internal/consumer/handle.go": """
    package consumer

    import "fmt"

    func handleOrder(body []byte) { fmt.Println(string(body)) }
    """,
    "internal/jobs/jobs.go": """
    package jobs

    import "time"

    func Start() {
    	syncTicker := time.NewTicker(every)
    	go func() {
    		for range syncTicker.C {
    			syncStock()
    		}
    	}()
    	tidyTicker := time.NewTicker(time.Minute)
    	go func() {
    		for range tidyTicker.C {
    			tidy()
    		}
    	}()
    	deadline := time.Now().Add(time.Hour)
    	_ = time.Now().After(deadline)
    }
    """,
    "internal/jobs/sync.go": """
    package jobs

    import "example.com/app/internal/store"

    func syncStock() { store.Sync() }
    """,
    "internal/jobs/tidy.go": """
    package jobs

    var seen = map[string]int{}

    func tidy() {
    	for k := range seen {
    		delete(seen, k)
    	}
    }
    """,
    "internal/jobs/conf.go": """
    package jobs

    import "example.com/app/internal/conf"

    const every = conf.Base * 2
    """,
    "internal/jobs/unrelated.go": """
    package jobs

    import "time"

    func age(since time.Time) bool { return time.Now().After(since.Add(time.Hour)) }
    """,
    "internal/conf/conf.go": """
    package conf

    import "time"

    const Base = 5 * time.Minute
    """,
    "internal/conf/other.go": """
    package conf

    const Unused = 1
    """,
    "internal/store/store.go": """
    package store

    func Sync() {}
    """,
}


def test_parsing_by_name_finds_what_parsing_every_file_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A receiver's field declared in another file, a setter called from another package
    (functional options), a ticker's interval through constants of two packages, and its
    in-process callee in a third file: all settled without parsing the files that name none
    of them."""
    root = write(tmp_path, PACKAGES)
    parsed: list[int] = []
    real = go_scan._parse

    def spy(items: list[bytes], jobs: int | None) -> list[FileFacts]:
        parsed.append(len(items))
        return real(items, jobs)

    monkeypatch.setattr(go_scan, "_parse", spy)
    selective = discover_go_workloads({"svc": root}, relative_to=root, cache=None)
    found = {w.name: w for w in selective.workloads}
    assert found["orders"].topic == "orders"
    assert found["sync-stock"].schedule == "@every 10m"
    assert any("only touches in-process state" in n.text for n in selective.notes)
    assert sum(parsed) < len(go_scan.list_go_files(root)[0])
    full = everything(monkeypatch, root)
    assert full.workloads == selective.workloads
    assert full.notes == selective.notes
