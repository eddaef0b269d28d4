package main

import "github.com/segmentio/kafka-go"

func main() {
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{"kafka:9092"}, Topic: "payments", GroupID: "ledger"}) // want: events payments
	w := kafka.NewWriter(kafka.WriterConfig{Topic: "payments"}) // look-alike: a writer
	_, _ = r, w
}
