package main

import (
	"net/http"

	"github.com/hibiken/asynq"
)

func main() {
	mux := asynq.NewServeMux()
	mux.HandleFunc("email:deliver", handleEmailDelivery) // want: events email:deliver

	web := http.NewServeMux()
	web.HandleFunc("/health", health) // look-alike: an HTTP route
}
