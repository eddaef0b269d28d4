package main

import (
	"context"

	"github.com/IBM/sarama"
)

func main() {
	group, _ := sarama.NewConsumerGroup([]string{"kafka:9092"}, "billing", sarama.NewConfig())
	group.Consume(context.Background(), []string{"invoices"}, handler{}) // want: events invoices

	producer, _ := sarama.NewAsyncProducer([]string{"kafka:9092"}, nil)
	producer.Input() <- &sarama.ProducerMessage{Topic: "orders"} // look-alike: a producer
}
