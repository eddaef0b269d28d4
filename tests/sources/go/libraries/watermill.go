package main

import (
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
)

var local *gochannel.GoChannel

func main() {
	router, _ := message.NewRouter(message.RouterConfig{}, nil)
	router.AddNoPublisherHandler("print_orders", "orders", subscriber, printOrders) // want: events orders

	router.AddMiddleware(retry) // look-alike: middleware

	local = gochannel.NewGoChannel(gochannel.Config{}, nil)
	router.AddConsumerHandler("audit", "audit", local, audit) // look-alike: in-process GoChannel
}
