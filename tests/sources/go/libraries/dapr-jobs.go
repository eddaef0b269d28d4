package main

import (
	"context"

	daprc "github.com/dapr/go-sdk/client"
)

func main() {
	client, _ := daprc.NewClient()
	ctx := context.Background()
	client.ScheduleJobAlpha1(ctx, &daprc.Job{Name: "nightly-backup", Schedule: "@daily"}) // want: cron nightly-backup @daily
	client.ScheduleJobAlpha1(ctx, &daprc.Job{Name: "once", DueTime: "10s"})             // look-alike: one-shot
}
