package prom

import (
	"math"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/bridgescope/bridgescope/metrics"
)

func fixture() metrics.Snapshot {
	nan := math.NaN()
	return metrics.Snapshot{
		Conn: "disconnected", ProbeRate: 10,
		Instances: []metrics.InstanceRow{
			{ID: "good", Boot: "b1", Role: "agent", Delivery: 100, Delivery10s: 100, Delivery1m: 100,
				ProbesSent: 200, Acked: 200, LastSeenMs: 250, ClockOffsetUs: 120,
				RTT:    metrics.Percentiles{Count: 200, Avg: 900, P50: 800, P95: 1500, P99: 2500},
				RTT10s: metrics.Percentiles{Count: 20, Avg: 800, P50: 700, P95: 1400, P99: 2000}},
			{ID: "lossy", Boot: "b2", Role: "bot", Delivery: 90, Delivery10s: 80, Delivery1m: 88.5,
				ProbesSent: 100, Acked: 90, Lost: 10, Late: 1, Duplicates: 2, SelfReceived: 3, Collisions: 4,
				Errors: 5, Reconnects: 6, Drops: 7, Malformed: 8, LastSeenMs: 1500, ClockOffsetUs: -2000,
				State: metrics.Crit, RTT: metrics.Percentiles{Count: 90, Avg: 1000, P50: 900, P95: 2000, P99: 150_000}},
			{ID: "fresh", Delivery: nan, Delivery10s: nan, Delivery1m: nan, ClockOffsetUs: nan, Left: true},
		},
		Sources: []metrics.SourceRow{
			{ID: "good", Events: 500, Gaps: 3, Duplicates: 1, Reorders: 2, Malformed: 1, Boots: 1},
			{ID: "twin", Events: 7, Boots: 2},
		},
		Alerts: []metrics.Alert{
			{Rule: "collision", Instance: "lossy", Level: metrics.Crit},
			{Rule: "delivery", Instance: "lossy", Level: metrics.Warn},
			{Rule: "redis_disconnected", Level: metrics.Warn},
		},
		MalformedByReason: map[string]int64{"not_json": 4, "missing_type": 1},
	}
}

func TestSnapshotInstances(t *testing.T) {
	body, fams := scrape(t, NewSnapshotCollector(fixture))
	id := func(id string, kv ...string) map[string]string {
		m := map[string]string{InstanceLabel: id}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"bridgescope_instance_delivery_ratio", id("good", "window", "session"), 1},
		{"bridgescope_instance_delivery_ratio", id("lossy", "window", "session"), 0.9},
		{"bridgescope_instance_delivery_ratio", id("lossy", "window", "10s"), 0.8},
		{"bridgescope_instance_delivery_ratio", id("lossy", "window", "1m"), 0.885},
		{"bridgescope_instance_probes_sent_total", id("lossy"), 100},
		{"bridgescope_instance_probes_acked_total", id("lossy"), 90},
		{"bridgescope_instance_probes_lost_total", id("lossy"), 10},
		{"bridgescope_instance_probes_late_total", id("lossy"), 1},
		{"bridgescope_instance_duplicates_total", id("lossy"), 2},
		{"bridgescope_instance_self_received_total", id("lossy"), 3},
		{"bridgescope_instance_collisions_total", id("lossy"), 4},
		{"bridgescope_instance_errors_total", id("lossy"), 5},
		{"bridgescope_instance_reconnects_total", id("lossy"), 6},
		{"bridgescope_instance_drops_total", id("lossy"), 7},
		{"bridgescope_instance_malformed_total", id("lossy"), 8},
		{"bridgescope_instance_probes_lost_total", id("good"), 0},
		{"bridgescope_instance_last_seen_seconds", id("lossy"), 1.5},
		{"bridgescope_instance_clock_offset_seconds", id("lossy"), -0.002},
		{"bridgescope_instance_left", id("fresh"), 1},
		{"bridgescope_instance_left", id("good"), 0},
		{"bridgescope_instance_alert_level", id("lossy"), 2},
		{"bridgescope_instance_info", id("lossy", "boot", "b2", "role", "bot"), 1},
		{"bridgescope_instance_rtt_window_seconds", id("good", "window", "10s", "percentile", "99"), 0.002},
		{"bridgescope_instance_rtt_window_seconds", id("good", "window", "10s", "percentile", "50"), 0.0007},
	} {
		if got := value(t, fams, c.name, c.labels); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// No data yet is no series, never NaN.
	for _, name := range []string{"bridgescope_instance_delivery_ratio", "bridgescope_instance_clock_offset_seconds",
		"bridgescope_instance_rtt_window_seconds"} {
		if ms := find(fams, name, id("fresh")); len(ms) != 0 {
			t.Errorf("%s for an instance without data: %v", name, ms)
		}
	}
	if strings.Contains(body, "NaN") {
		t.Errorf("exposition holds NaN:\n%s", body)
	}
	checkType(t, fams, "bridgescope_instance_delivery_ratio", dto.MetricType_GAUGE)
	checkType(t, fams, "bridgescope_instance_probes_lost_total", dto.MetricType_COUNTER)
	checkType(t, fams, "bridgescope_instance_rtt_seconds", dto.MetricType_SUMMARY)
}

func TestSnapshotRTTSummary(t *testing.T) {
	_, fams := scrape(t, NewSnapshotCollector(fixture))
	s := find(fams, "bridgescope_instance_rtt_seconds", map[string]string{InstanceLabel: "lossy"})
	if len(s) != 1 || s[0].Summary == nil {
		t.Fatalf("lossy rtt summary: %v", s)
	}
	sum := s[0].Summary
	if sum.GetSampleCount() != 90 || math.Abs(sum.GetSampleSum()-0.09) > 1e-9 {
		t.Errorf("count %d sum %v, want 90 and 0.09 s", sum.GetSampleCount(), sum.GetSampleSum())
	}
	want := map[float64]float64{0.5: 0.0009, 0.95: 0.002, 0.99: 0.15}
	if len(sum.Quantile) != len(want) {
		t.Errorf("quantiles %v, want %v", sum.Quantile, want)
	}
	for _, q := range sum.Quantile {
		if w, ok := want[q.GetQuantile()]; !ok || math.Abs(q.GetValue()-w) > 1e-9 {
			t.Errorf("quantile %v = %v, want %v", q.GetQuantile(), q.GetValue(), w)
		}
	}
	fresh := find(fams, "bridgescope_instance_rtt_seconds", map[string]string{InstanceLabel: "fresh"})
	if len(fresh) != 1 || fresh[0].Summary.GetSampleCount() != 0 || len(fresh[0].Summary.Quantile) != 0 {
		t.Errorf("fresh rtt summary %v, want count 0 and no quantiles", fresh)
	}
}

func TestSnapshotAlerts(t *testing.T) {
	_, fams := scrape(t, NewSnapshotCollector(fixture))
	rules := len(metrics.DefaultThresholds().Rules()) - 2 // observer_stalled is the observer's alone, pair_delivery a pair's
	if n, want := len(fams["bridgescope_alert"].GetMetric()), 2*(3*rules+len(observerRules)); n != want {
		t.Errorf("%d alert series, want %d (every rule × level for 3 instances and the observer's own rules)", n, want)
	}
	for _, c := range []struct {
		rule, instance, level string
		want                  float64
	}{
		{"delivery", "lossy", "warn", 1},
		{"delivery", "lossy", "crit", 0},
		{"collision", "lossy", "crit", 1},
		{"collision", "lossy", "warn", 0},
		{"delivery", "good", "warn", 0},
		{"p99", "fresh", "crit", 0},
		{"redis_disconnected", "", "warn", 1},
		{"redis_disconnected", "good", "warn", 0},
	} {
		l := map[string]string{"rule": c.rule, InstanceLabel: c.instance, "level": c.level}
		if got := value(t, fams, "bridgescope_alert", l); got != c.want {
			t.Errorf("bridgescope_alert%v = %v, want %v", l, got, c.want)
		}
	}
}

func TestSnapshotObserverAndSources(t *testing.T) {
	_, fams := scrape(t, NewSnapshotCollector(fixture))
	src := func(id string) map[string]string { return map[string]string{"source": id} }
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"bridgescope_redis_connected", nil, 0},
		{"bridgescope_probe_rate", nil, 10},
		{"bridgescope_probes_paused", nil, 0},
		{"bridgescope_malformed_total", map[string]string{"reason": "not_json"}, 4},
		{"bridgescope_malformed_total", map[string]string{"reason": "missing_type"}, 1},
		{"bridgescope_source_events_total", src("good"), 500},
		{"bridgescope_source_gaps_total", src("good"), 3},
		{"bridgescope_source_duplicates_total", src("good"), 1},
		{"bridgescope_source_reorders_total", src("good"), 2},
		{"bridgescope_source_malformed_total", src("good"), 1},
		{"bridgescope_source_live_boots", src("twin"), 2},
	} {
		if got := value(t, fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	connected := func() metrics.Snapshot { return metrics.Snapshot{Conn: "connected"} }
	if _, fams := scrape(t, NewSnapshotCollector(connected)); value(t, fams, "bridgescope_redis_connected", nil) != 1 {
		t.Error("bridgescope_redis_connected is not 1 while connected")
	}
}

// TestSnapshotEmpty is the observer's first scrape: nothing known yet.
func TestSnapshotEmpty(t *testing.T) {
	body, fams := scrape(t, NewSnapshotCollector(func() metrics.Snapshot { return metrics.Snapshot{Conn: "connecting"} }))
	if strings.Contains(body, "NaN") || fams["bridgescope_instance_delivery_ratio"] != nil {
		t.Errorf("empty snapshot:\n%s", body)
	}
	if n := len(fams["bridgescope_alert"].GetMetric()); n != 2*len(observerRules) {
		t.Errorf("%d alert series before any instance, want %d (the observer's own rules)", n, 2*len(observerRules))
	}
}

func TestSnapshotLabelsFromTheWire(t *testing.T) {
	odd := func() metrics.Snapshot {
		return metrics.Snapshot{Sources: []metrics.SourceRow{{ID: "bad\xff\"id\n", Events: 1}}}
	}
	_, fams := scrape(t, NewSnapshotCollector(odd))
	if got := value(t, fams, "bridgescope_source_events_total", map[string]string{"source": "bad\uFFFD\"id\n"}); got != 1 {
		t.Errorf("odd source label: %v", got)
	}
}

func TestCollectorsLint(t *testing.T) {
	for name, c := range map[string]interface {
		Describe(chan<- *prometheus.Desc)
		Collect(chan<- prometheus.Metric)
	}{
		"snapshot": NewSnapshotCollector(fixture),
		"agent":    NewAgentCollector(func() AgentCounters { return AgentCounters{ID: "a"} }),
		"validate": NewValidateCollector(func() ValidateProgress { return ValidateProgress{Expected: 1} }),
	} {
		problems, err := testutil.CollectAndLint(c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s: %s", name, p.Metric, p.Text)
		}
	}
}
