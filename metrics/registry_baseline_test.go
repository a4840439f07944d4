package metrics

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBaselineOffUntilSet(t *testing.T) {
	s := newSim()
	s.r.BaselineSent(1, s.now.UnixNano()) // ignored while off
	s.r.BaselineSample(1, s.now.UnixNano(), s.now.Add(time.Millisecond).UnixNano())
	if b := s.snap(s.now).Baseline; b != nil {
		t.Fatalf("Baseline = %+v while off, want nil", b)
	}
	s.r.SetBaseline("bridge:bridgescope:baseline:x")
	b := s.snap(s.now).Baseline
	if b == nil || b.Channel != "bridge:bridgescope:baseline:x" || b.Sent != 0 || b.RTT.Count != 0 {
		t.Fatalf("Baseline = %+v after SetBaseline, want an empty row", b)
	}
	s.r.SetBaseline("")
	if b := s.snap(s.now).Baseline; b != nil {
		t.Fatalf("Baseline = %+v after turning it off, want nil", b)
	}
}

// TestBaselineWindows feeds 30 s of raw events at 100/s, 200 µs before
// t0+20s and 2 ms after: the session mixes both, the 10 s window and the
// last chart seconds see only the slow ones.
func TestBaselineWindows(t *testing.T) {
	s := newSim()
	s.r.SetBaseline("raw")
	t0 := s.now
	var seq uint32
	for i := range 3000 {
		at := t0.Add(time.Duration(i) * 10 * time.Millisecond)
		lat := 200 * time.Microsecond
		if i >= 2000 {
			lat = 2 * time.Millisecond
		}
		seq++
		s.r.BaselineSent(seq, at.UnixNano())
		s.r.BaselineSample(seq, at.UnixNano(), at.Add(lat).UnixNano())
	}
	b := s.snap(t0.Add(30 * time.Second)).Baseline
	if b.Sent != 3000 || b.Lost != 0 || b.RTT.Count != 3000 {
		t.Fatalf("sent %d lost %d samples %d, want 3000, 0, 3000", b.Sent, b.Lost, b.RTT.Count)
	}
	if !near(b.RTT.P50, 200, 0.02) || !near(b.RTT.P99, 2000, 0.02) {
		t.Errorf("session p50 %.0f p99 %.0f µs, want ≈200 and ≈2000", b.RTT.P50, b.RTT.P99)
	}
	// The window ends at the snapshot's second: 21..30 s, all slow.
	if b.RTT10s.Count < 900 || b.RTT10s.Count > 1000 || !near(b.RTT10s.P50, 2000, 0.05) {
		t.Errorf("10 s window: %+v, want ≈1000 samples at ≈2000 µs", b.RTT10s)
	}
	if len(b.Chart.P50) != chartSecs {
		t.Fatalf("chart has %d points, want %d", len(b.Chart.P50), chartSecs)
	}
	// Oldest first, ending at t0+30s: t0+5s is index 35, t0+25s index 55.
	if p := b.Chart.P50[35]; !near(p, 200, 0.05) {
		t.Errorf("chart p50 at t0+5s = %v, want ≈200", p)
	}
	if p := b.Chart.P99[55]; !near(p, 2000, 0.05) {
		t.Errorf("chart p99 at t0+25s = %v, want ≈2000", p)
	}
	if p := b.Chart.P50[10]; !math.IsNaN(p) {
		t.Errorf("chart p50 before t0 = %v, want NaN", p)
	}
}

func near(got, want, rel float64) bool { return math.Abs(got-want) <= rel*want }

// TestBaselineLoss: an event unread after LateAfter is lost; a late or
// repeated read is no sample; a failed PUBLISH is neither sent nor lost.
func TestBaselineLoss(t *testing.T) {
	s := newSim()
	s.r.SetBaseline("raw")
	t0 := s.now
	for seq := uint32(1); seq <= 10; seq++ {
		s.r.BaselineSent(seq, t0.UnixNano())
	}
	for seq := uint32(1); seq <= 6; seq++ {
		s.r.BaselineSample(seq, t0.UnixNano(), t0.Add(time.Millisecond).UnixNano())
	}
	s.r.BaselineSample(3, t0.UnixNano(), t0.Add(2*time.Millisecond).UnixNano()) // read twice
	s.r.BaselineFailed(10)
	if b := s.snap(t0.Add(time.Second)).Baseline; b.Lost != 0 || b.Sent != 9 {
		t.Errorf("before LateAfter: sent %d lost %d, want 9 and 0 (7..9 in flight)", b.Sent, b.Lost)
	}
	b := s.snap(t0.Add(3 * time.Second)).Baseline
	if b.Lost != 3 || b.Sent != 9 || b.RTT.Count != 6 {
		t.Errorf("after LateAfter: sent %d lost %d samples %d, want 9, 3, 6", b.Sent, b.Lost, b.RTT.Count)
	}
	s.r.BaselineSample(7, t0.UnixNano(), t0.Add(3*time.Second).UnixNano()) // after it was counted lost
	if b := s.snap(t0.Add(4 * time.Second)).Baseline; b.RTT.Count != 6 || b.Lost != 3 {
		t.Errorf("a read after the loss was counted: samples %d lost %d, want 6 and 3", b.RTT.Count, b.Lost)
	}
	s.r.Reset(t0.Add(5 * time.Second))
	if b := s.snap(t0.Add(5 * time.Second)).Baseline; b == nil || b.Sent != 0 || b.Lost != 0 || b.RTT.Count != 0 || b.Channel != "raw" {
		t.Errorf("after Reset: %+v, want the lane on and empty", b)
	}
}

// TestBaselineRecordAllocs: the raw lane's bookkeeping is on the probe
// path; in steady state it allocates nothing.
func TestBaselineRecordAllocs(t *testing.T) {
	s := newSim()
	s.r.SetBaseline("raw")
	now := s.now.UnixNano()
	var seq uint32
	step := func() {
		seq++
		s.r.BaselineSent(seq, now)
		s.r.BaselineSample(seq, now, now+150_000)
		if seq%64 == 0 { // settle the queue as snapshots do
			s.r.mu.Lock()
			s.r.resolveBaseline(time.Unix(0, now).Add(time.Hour))
			s.r.mu.Unlock()
		}
	}
	for range 10_000 {
		step()
	}
	if n := testing.AllocsPerRun(1000, step); n > 0.1 {
		t.Errorf("BaselineSent+BaselineSample: %.2f allocations per event, want 0", n)
	}
}

func TestSetShardsCopies(t *testing.T) {
	s := newSim()
	if sh := s.snap(s.now).Shards; sh != nil {
		t.Fatalf("Shards = %v before SetShards, want nil", sh)
	}
	rows := []ShardRow{
		{Addr: "10.0.0.1:7000", State: "connected", Since: s.now.Add(-time.Minute)},
		{Addr: "10.0.0.2:7001", State: "disconnected", Since: s.now.Add(-5 * time.Second), Reconnects: 2, LastError: "EOF"},
	}
	want := append([]ShardRow(nil), rows...)
	s.r.SetShards(rows)
	rows[0].State = "closed" // the registry keeps its own copy
	got := s.snap(s.now).Shards
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Shards (-want +got):\n%s", diff)
	}
	s.r.Reset(s.now)
	if got := s.snap(s.now).Shards; len(got) != 2 {
		t.Errorf("Reset dropped the shards: %v", got)
	}
}
