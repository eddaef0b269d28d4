package main

import "github.com/nats-io/nats.go"

func main() {
	nc, _ := nats.Connect(nats.DefaultURL)
	nc.QueueSubscribe("orders.*", "fulfilment", onOrder) // want: events orders.*

	nc.Publish("orders.created", nil) // look-alike: publish
	bus.Subscribe("local", onLocal)   // look-alike: an in-process event bus
}
