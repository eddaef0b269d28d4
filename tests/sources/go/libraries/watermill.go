package main

import "github.com/ThreeDotsLabs/watermill/message"

func main() {
	router, _ := message.NewRouter(message.RouterConfig{}, nil)
	router.AddNoPublisherHandler("print_orders", "orders", subscriber, printOrders) // want: events orders

	router.AddMiddleware(retry) // look-alike: middleware
}
