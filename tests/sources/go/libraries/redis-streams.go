package main

import (
	"context"

	"github.com/redis/go-redis/v9"
)

func main() {
	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379"})
	ctx := context.Background()
	rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "mailer", Streams: []string{"signups", ">"}}) // want: events signups

	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "signups"}) // look-alike: a producer
}
