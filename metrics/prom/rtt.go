package prom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bridgescope/bridgescope/metrics"
)

type quantile struct {
	q       float64 // the summary's quantile
	pct     string  // the window gauge's percentile label
	seconds float64
}

// quantiles are p's percentiles in seconds, as Prometheus quantiles.
func quantiles(p metrics.Percentiles) []quantile {
	return []quantile{
		{0.5, "50", p.P50 / 1e6},
		{0.95, "95", p.P95 / 1e6},
		{0.99, "99", p.P99 / 1e6},
	}
}

// rttSummary is a const summary of p (microseconds) in seconds. Without
// samples it has count 0 and no quantiles: a quantile of 0 s would read
// as a perfect round trip.
func rttSummary(d *prometheus.Desc, p metrics.Percentiles, labels ...string) prometheus.Metric {
	qs := map[float64]float64{}
	if p.Count > 0 {
		for _, q := range quantiles(p) {
			qs[q.q] = q.seconds
		}
	}
	m, err := prometheus.NewConstSummary(d, uint64(max(p.Count, 0)), p.Avg*float64(p.Count)/1e6, qs, cleanLabels(labels)...)
	if err != nil {
		return prometheus.NewInvalidMetric(d, err)
	}
	return m
}
