package main

import (
	"github.com/robfig/cron/v3"
	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
)

func main() {
	c := cron.New()
	c.AddFunc("0 3 * * *", sendPriceReport) // want: cron send-price-report 0 3 * * *

	m := minify.New()
	m.AddFunc("text/css", css.Minify) // look-alike: a minifier for a MIME type
}
