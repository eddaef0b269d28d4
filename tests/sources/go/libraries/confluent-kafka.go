package main

import "github.com/confluentinc/confluent-kafka-go/v2/kafka"

func main() {
	c, _ := kafka.NewConsumer(&kafka.ConfigMap{"group.id": "shipping"})
	c.SubscribeTopics([]string{"shipments"}, nil) // want: events shipments

	p, _ := kafka.NewProducer(&kafka.ConfigMap{})
	p.Produce(&kafka.Message{}, nil) // look-alike: a producer
}
