package main

import (
	"context"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
)

func main() {
	subscriber, _ := kafka.NewSubscriber(kafka.SubscriberConfig{ConsumerGroup: "audit"}, nil)
	messages, _ := subscriber.Subscribe(context.Background(), "example.topic") // want: events example.topic
	_ = messages

	local := gochannel.NewGoChannel(gochannel.Config{}, nil)
	local.Subscribe(context.Background(), "in-process") // look-alike: an in-process channel
}
