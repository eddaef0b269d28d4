package main

import (
	"time"

	"github.com/go-co-op/gocron/v2"
)

func main() {
	s, _ := gocron.NewScheduler()
	s.NewJob(gocron.DurationJob(10*time.Minute), gocron.NewTask(syncInventory)) // want: cron sync-inventory @every 10m
	s.NewJob(gocron.CronJob("0 2 * * *", false), gocron.NewTask(purgeSessions)) // want: cron purge-sessions 0 2 * * *

	factory.NewJob(config, handler) // look-alike: NewJob on a job factory
}
