package prom

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ValidateProgress is the running count of a validate run, all instances
// together.
type ValidateProgress struct {
	Instances         int
	Elapsed, Duration time.Duration // Elapsed passes Duration while the run drains
	Published         int64         // events published so far
	Expected          int64         // deliveries expected so far: each event to the N−1 others
	Received          int64         // distinct deliveries so far
}

// ValidateCollector is a prometheus.Collector over a validate run's
// progress, read at each scrape.
type ValidateCollector struct {
	get func() ValidateProgress

	instances, elapsed, duration, published, expected, received, delivery *prometheus.Desc
}

// NewValidateCollector returns a collector that calls get at every scrape.
func NewValidateCollector(get func() ValidateProgress) *ValidateCollector {
	return &ValidateCollector{
		get:       get,
		instances: newDesc("validate_instances", "Instances in the validate run."),
		elapsed:   newDesc("validate_elapsed_seconds", "Time since the run began publishing; past the duration while it drains."),
		duration:  newDesc("validate_duration_seconds", "How long the run publishes."),
		published: newDesc("validate_published_total", "Events published so far."),
		expected:  newDesc("validate_expected_total", "Deliveries expected so far: each event to every other instance."),
		received:  newDesc("validate_received_total", "Distinct deliveries so far."),
		delivery:  newDesc("validate_delivery_ratio", "Received over expected so far (0..1); absent until something is expected."),
	}
}

// Describe sends every descriptor the collector can emit.
func (c *ValidateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.instances, c.elapsed, c.duration, c.published, c.expected, c.received, c.delivery} {
		ch <- d
	}
}

// Collect reads the progress once and sends it.
func (c *ValidateCollector) Collect(ch chan<- prometheus.Metric) {
	p := c.get()
	e := emitter{ch}
	e.gauge(c.instances, float64(p.Instances))
	e.gauge(c.elapsed, p.Elapsed.Seconds())
	e.gauge(c.duration, p.Duration.Seconds())
	e.counter(c.published, float64(p.Published))
	e.counter(c.expected, float64(p.Expected))
	e.counter(c.received, float64(p.Received))
	if p.Expected > 0 {
		// A delivery can be counted before its publish returns: cap at 1.
		e.gauge(c.delivery, min(1, float64(p.Received)/float64(p.Expected)))
	}
}
