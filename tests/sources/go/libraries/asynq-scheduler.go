package main

import "github.com/hibiken/asynq"

func main() {
	scheduler := asynq.NewScheduler(asynq.RedisClientOpt{Addr: ":6379"}, nil)
	scheduler.Register("@every 30s", asynq.NewTask("digest:send", nil)) // want: cron digest:send @every 30s

	registry.Register("plugin", newPlugin()) // look-alike: a plugin registry
}
