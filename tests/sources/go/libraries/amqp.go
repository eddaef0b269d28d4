package main

import amqp "github.com/rabbitmq/amqp091-go"

const queue = "emails"

func main() {
	conn, _ := amqp.Dial("amqp://rabbitmq")
	ch, _ := conn.Channel()
	deliveries, _ := ch.Consume(queue, "", false, false, false, false, nil) // want: events emails
	_ = deliveries

	ch.PublishWithContext(nil, "", queue, false, false, amqp.Publishing{}) // look-alike: publish
}

func redeem(store *VoucherStore) {
	store.Consume("voucher") // look-alike: Consume on a type of this package
}
