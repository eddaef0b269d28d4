package main

import (
	"github.com/dapr/go-sdk/service/common"
	daprd "github.com/dapr/go-sdk/service/http"
)

func main() {
	s := daprd.NewService(":6002")
	sub := &common.Subscription{PubsubName: "pubsub", Topic: "orders.created", Route: "/orders"}
	s.AddTopicEventHandler(sub, onOrder) // want: events orders.created

	payload := map[string]string{"topic": "audit"} // look-alike: a map with a topic key
	_ = payload
}
