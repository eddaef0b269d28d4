package main

import (
	"time"

	"github.com/go-co-op/gocron"
)

func main() {
	s := gocron.NewScheduler(time.UTC)
	s.Every(5).Minutes().Do(refreshRates)   // want: cron refresh-rates @every 5m
	s.Every(1).Day().At("10:30").Do(scrape) // want: cron scrape 30 10 * * *

	done := make(chan struct{})
	go func() { close(done) }()
	_ = s.Do // look-alike: no call
	runner.Do(work) // look-alike: Do on something else
}
