"""Benchmark: discover workloads in 10,000 generated Go files, serially and in processes.

Usage: .venv/bin/python bench/discovery/bench_go_scan.py [--files 10000] [--jobs N]

Each generated file is ~120 lines of ordinary Kratos-style Go (a use case with methods, a
struct, error handling); one in ten also starts a ticker, registers a robfig/cron job or a
Dapr subscription, so the joins and constant resolution are exercised too. Prints files/s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from archcheck.sources.go.workloads import discover_go_workloads

BODY = """
// Usecase{i} is one of many ordinary use cases.
type Usecase{i} struct {{
	repo Repo
	log  *log.Helper
}}

// NewUsecase{i} builds it.
func NewUsecase{i}(repo Repo, logger log.Logger) *Usecase{i} {{
	return &Usecase{i}{{repo: repo, log: log.NewHelper(logger)}}
}}
"""

METHOD = """
// Method{j} does a little work and handles its errors.
func (uc *Usecase{i}) Method{j}(ctx context.Context, id string) (*Item, error) {{
	item, err := uc.repo.Get(ctx, id)
	if err != nil {{
		return nil, fmt.Errorf("get %s: %w", id, err)
	}}
	for _, tag := range item.Tags {{
		if tag == "" {{
			continue
		}}
		item.Score += len(tag) * {j}
	}}
	uc.log.WithContext(ctx).Debugf("item %s scored %d", id, item.Score)
	return item, nil
}}
"""

EXTRA = [
    """
const syncEvery{i} = {i} * time.Second

func (uc *Usecase{i}) StartSync(ctx context.Context) {{
	go func() {{
		ticker := time.NewTicker(syncEvery{i})
		defer ticker.Stop()
		for {{
			select {{
			case <-ctx.Done():
				return
			case <-ticker.C:
				uc.syncAll{i}(ctx)
			}}
		}}
	}}()
}}
""",
    """
func (uc *Usecase{i}) Schedule(c *cron.Cron) {{
	c.AddFunc("*/{m} * * * *", uc.rebuild{i})
}}
""",
    """
func (uc *Usecase{i}) Subscribe(s common.Service) error {{
	return s.AddTopicEventHandler(&common.Subscription{{
		PubsubName: "pubsub",
		Topic:      "topic.{i}",
		Route:      "/events/{i}",
	}}, uc.handle{i})
}}
""",
]

HEADER = """package pkg{p}

import (
	"context"
	"fmt"
	"time"

	"github.com/dapr/go-sdk/service/common"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/robfig/cron/v3"
)

var _ = time.Second
var _ *cron.Cron
var _ common.Service
"""


def generate(root: Path, count: int) -> int:
    size = 0
    for i in range(count):
        folder = root / f"internal/pkg{i // 50}"
        folder.mkdir(parents=True, exist_ok=True)
        parts = [HEADER.format(p=i // 50), BODY.format(i=i)]
        parts += [METHOD.format(i=i, j=j) for j in range(6)]
        if i % 10 == 0:
            parts.append(EXTRA[(i // 10) % 3].format(i=i, m=1 + i % 59))
        text = "".join(parts)
        size += len(text)
        (folder / f"file{i}.go").write_text(text, encoding="utf-8")
    return size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        size = generate(root, args.files)
        print(f"{args.files} files, {size / 1e6:.1f} MB of Go, cpus={os.cpu_count()}")
        for jobs in sorted({1, args.jobs}):
            start = time.perf_counter()
            found = discover_go_workloads({"svc": root}, jobs=jobs, cache=False)
            elapsed = time.perf_counter() - start
            print(
                f"jobs={jobs}: {elapsed:.2f} s, {args.files / elapsed:,.0f} files/s, "
                f"{len(found.workloads)} workloads, {len(found.notes)} notes"
            )


if __name__ == "__main__":
    main()
