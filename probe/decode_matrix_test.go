package probe

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bridgescope/bridgescope/bridge"
)

// TestDecodeStatsMatrix: the per-stream part of a report is validated as
// the totals are, every list and string against its cap, and a report
// without it (an older agent's) still decodes.
func TestDecodeStatsMatrix(t *testing.T) {
	stream := func(mod func(*StreamReport)) StreamReport {
		s := StreamReport{Source: "a", Boot: "b", Channel: "bridge:events", MaxSeq: 10, Received: 9, Gaps: 1,
			Latency: &LatencySummary{Count: 9, P50: -250_000, P95: -249_900, P99: -249_800, Max: -249_000}}
		if mod != nil {
			mod(&s)
		}
		return s
	}
	report := func(mod func(*StatsReport)) string {
		var r StatsReport
		_ = json.Unmarshal([]byte(goodStats), &r)
		r.Channels = []string{"bridge:events"}
		r.PublishedChannels = []ChannelCount{{Channel: "bridge:events", Published: 12}}
		r.Streams = []StreamReport{stream(nil)}
		r.Other = &OtherStreams{Streams: 3, Received: 30}
		if mod != nil {
			mod(&r)
		}
		b, _ := json.Marshal(r)
		return string(b)
	}
	r, err := DecodeStats([]byte(report(nil)))
	if err != nil || len(r.Streams) != 1 || r.Streams[0].Latency.P50 != -250_000 || r.Other.Streams != 3 {
		t.Fatalf("a good report with streams: %+v %v", r, err)
	}
	if r, err := DecodeStats([]byte(goodStats)); err != nil || r.Streams != nil || r.Other != nil {
		t.Fatalf("an older agent's report: %+v %v", r, err)
	}
	many := func(n int) []StreamReport {
		out := make([]StreamReport, n)
		for i := range out {
			out[i] = stream(nil)
		}
		return out
	}
	chans := func(n int) []string { return strings.Split(strings.Repeat("c,", n-1)+"c", ",") }
	if _, err := DecodeStats([]byte(report(func(r *StatsReport) {
		r.Streams, r.Channels = many(MaxReportStreams), chans(MaxReportChannels)
	}))); err != nil {
		t.Errorf("at the caps: %v", err)
	}
	long := strings.Repeat("x", bridge.MaxIDLen+1)
	for _, c := range []struct {
		name string
		mod  func(*StatsReport)
		want string
	}{
		{"65 streams", func(r *StatsReport) { r.Streams = many(MaxReportStreams + 1) }, "65 streams"},
		{"65 channels", func(r *StatsReport) { r.Channels = chans(MaxReportChannels + 1) }, "65 channels"},
		{"65 published channels", func(r *StatsReport) {
			r.PublishedChannels = make([]ChannelCount, MaxReportChannels+1)
		}, "65 publishedChannels"},
		{"long source", func(r *StatsReport) { r.Streams[0].Source = long }, "stream source"},
		{"long channel", func(r *StatsReport) { r.Channels[0] = strings.Repeat("c", bridge.MaxChannelLen+1) }, "channel"},
		{"maxSeq 2^53+1", func(r *StatsReport) { r.Streams[0].MaxSeq = MaxCounter + 1 }, "maxSeq"},
		{"other past 2^53", func(r *StatsReport) { r.Other.Received = MaxCounter + 1 }, "other received"},
		{"published past 2^53", func(r *StatsReport) { r.PublishedChannels[0].Published = MaxCounter + 1 }, "published"},
		{"latency out of order", func(r *StatsReport) { r.Streams[0].Latency.P99 = -300_000 }, "out of order"},
		{"latency past an hour", func(r *StatsReport) { r.Streams[0].Latency.Max = maxLatencyUs + 1 }, "outside ±1h"},
	} {
		if _, err := DecodeStats([]byte(report(c.mod))); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}
