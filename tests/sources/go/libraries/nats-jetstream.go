package main

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"
)

func main() {
	js, _ := jetstream.New(nil)
	ctx := context.Background()
	cons, _ := js.CreateOrUpdateConsumer(ctx, "ORDERS", jetstream.ConsumerConfig{Durable: "invoicer"}) // want: events ORDERS
	_ = cons

	js.Publish(ctx, "ORDERS.new", nil) // look-alike: publish
}
