package probe

import (
	"math"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
)

// TestStreamLatencyAboveTheFloor: raw one-way figures 250 ms below zero (a
// receiver whose clock is behind) keep 1 % precision of the latency itself,
// interval after interval, and streams past MaxReportStreams get none.
func TestStreamLatencyAboveTheFloor(t *testing.T) {
	a := &Agent{streams: make(map[bridge.StreamKey]*streamLatency), lat: metrics.NewCoarseHistogram()}
	k := bridge.StreamKey{Source: "s", Boot: "b", Channel: "c"}
	skew := -250 * time.Millisecond
	for interval := range 3 {
		for i := range 1000 { // 1.000 ms … 1.999 ms above the skew
			a.recordStream(k, int64(skew+time.Millisecond+time.Duration(i)*time.Microsecond))
		}
		l := a.takeLatency(k)
		a.endInterval()
		wantP50 := float64(skew+1500*time.Microsecond) / 1e3
		if l == nil || l.Count != 1000 || math.Abs(l.P50-wantP50) > 20 || math.Abs(l.Max-float64(skew+1999*time.Microsecond)/1e3) > 25 {
			t.Fatalf("interval %d: %+v, want p50 %.0f µs ± 20", interval, l, wantP50)
		}
	}
	a.endInterval() // a silent interval: the stream is forgotten, its histogram kept for reuse
	if len(a.streams) != 0 || len(a.free) != 1 {
		t.Errorf("after a silent interval: %d streams, %d free histograms", len(a.streams), len(a.free))
	}
	for i := range MaxReportStreams + 1 {
		a.recordStream(bridge.StreamKey{Source: string(rune('A' + i))}, 1)
	}
	if len(a.streams) != MaxReportStreams {
		t.Errorf("%d streams followed, want the cap %d", len(a.streams), MaxReportStreams)
	}
}
