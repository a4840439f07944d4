package prom

import (
	"math"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// namespace prefixes every metric name.
const namespace = "bridgescope"

// InstanceLabel names the label that carries a bridge instance ID. It is
// not "instance": Prometheus sets that label to the scrape target, and an
// exported "instance" would be renamed to "exported_instance" on ingestion.
const InstanceLabel = "instance_id"

func newDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(namespace+"_"+name, help, labels, nil)
}

// emitter sends const metrics at collect time. A NaN value means "no data
// yet" and sends nothing: a NaN sample would make comparisons in alert
// rules silently false, where an absent series is visibly absent.
type emitter struct{ ch chan<- prometheus.Metric }

func (e emitter) gauge(d *prometheus.Desc, v float64, labels ...string) {
	e.send(d, prometheus.GaugeValue, v, labels)
}

func (e emitter) counter(d *prometheus.Desc, v float64, labels ...string) {
	e.send(d, prometheus.CounterValue, v, labels)
}

func (e emitter) send(d *prometheus.Desc, t prometheus.ValueType, v float64, labels []string) {
	if math.IsNaN(v) {
		return
	}
	m, err := prometheus.NewConstMetric(d, t, v, cleanLabels(labels)...)
	if err != nil {
		// A programming error (wrong label count): the scrape reports it.
		m = prometheus.NewInvalidMetric(d, err)
	}
	e.ch <- m
}

// cleanLabels makes label values from the wire valid UTF-8, which the
// exposition format requires (the bridge refuses invalid UTF-8 already;
// this keeps one odd ID from failing a whole scrape).
func cleanLabels(labels []string) []string {
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = strings.ToValidUTF8(l, "\uFFFD")
	}
	return out
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
