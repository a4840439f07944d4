package prom

import (
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/bridgescope/bridgescope/metrics"
)

// TestSnapshotBaselineAndShards scrapes the raw lane's percentiles and
// counters and one gauge per shard, and finds none of them when the lane
// is off on a single server.
func TestSnapshotBaselineAndShards(t *testing.T) {
	withLane := func() metrics.Snapshot {
		s := fixture()
		s.Baseline = &metrics.BaselineRow{
			RTT10s: metrics.Percentiles{Count: 100, P50: 110, P95: 280, P99: 590},
			Sent:   1000, Lost: 3,
		}
		s.Shards = []metrics.ShardRow{{Addr: "10.0.0.1:7000", State: "connected"}, {Addr: "10.0.0.2:7001", State: "disconnected"}}
		return s
	}
	_, fams := scrape(t, NewSnapshotCollector(withLane))
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"bridgescope_baseline_rtt_window_seconds", map[string]string{"percentile": "50"}, 0.00011},
		{"bridgescope_baseline_rtt_window_seconds", map[string]string{"percentile": "95"}, 0.00028},
		{"bridgescope_baseline_rtt_window_seconds", map[string]string{"percentile": "99"}, 0.00059},
		{"bridgescope_baseline_sent_total", nil, 1000},
		{"bridgescope_baseline_lost_total", nil, 3},
		{"bridgescope_redis_shard_connected", map[string]string{"addr": "10.0.0.1:7000"}, 1},
		{"bridgescope_redis_shard_connected", map[string]string{"addr": "10.0.0.2:7001"}, 0},
	} {
		if got := value(t, fams, c.name, c.labels); got < c.want*0.999 || got > c.want*1.001 {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	checkType(t, fams, "bridgescope_baseline_rtt_window_seconds", dto.MetricType_GAUGE)
	checkType(t, fams, "bridgescope_baseline_lost_total", dto.MetricType_COUNTER)

	_, fams = scrape(t, NewSnapshotCollector(fixture))
	for _, name := range []string{"bridgescope_baseline_rtt_window_seconds", "bridgescope_baseline_sent_total",
		"bridgescope_redis_shard_connected"} {
		if fams[name] != nil {
			t.Errorf("%s present with the lane off on a single server", name)
		}
	}

	// A lane without samples in the window has counters but no percentiles:
	// a 0 s percentile would read as a perfect round trip.
	_, fams = scrape(t, NewSnapshotCollector(func() metrics.Snapshot {
		s := withLane()
		s.Baseline.RTT10s = metrics.Percentiles{}
		return s
	}))
	if fams["bridgescope_baseline_rtt_window_seconds"] != nil || fams["bridgescope_baseline_sent_total"] == nil {
		t.Error("an idle lane: want counters and no window percentiles")
	}
}
