package metrics_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bridgescope/bridgescope/metrics"
)

// TestLatencyDistMatchesSamples feeds log-normal samples from 20 µs to a
// few seconds and checks every cumulative and exponential count against
// the samples themselves, to the histogram's precision.
func TestLatencyDistMatchesSamples(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    *metrics.Histogram
		rel  float64 // the histogram's relative precision
	}{{"fine", metrics.NewHistogram(), 0.001}, {"coarse", metrics.NewCoarseHistogram(), 0.01}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			var samples []float64 // µs
			for range 50000 {
				us := math.Max(1, math.Round(math.Exp(rng.NormFloat64()*1.6+math.Log(3000))))
				samples = append(samples, us)
				tc.h.Record(time.Duration(us) * time.Microsecond)
			}
			d := tc.h.LatencyDist()
			sum := 0.0
			for _, s := range samples {
				sum += s
			}
			if d.Count != int64(len(samples)) || math.Abs(d.SumUs-sum)/sum > tc.rel {
				t.Errorf("count %d sum %.0f, want %d and %.0f", d.Count, d.SumUs, len(samples), sum)
			}
			if len(d.Buckets) != 16 || d.Buckets[0].LeUs != 100 || d.Buckets[15].LeUs != 10e6 {
				t.Fatalf("bounds %v, want 16 from 100µs to 10s", d.Buckets)
			}
			for i, b := range d.Buckets {
				// Samples within the precision of a bound may land on either side.
				lo, hi := countWithin(samples, b.LeUs*(1-tc.rel)), countWithin(samples, b.LeUs*(1+tc.rel))
				if b.Count < lo || b.Count > hi {
					t.Errorf("bucket le %gµs: %d, want %d..%d", b.LeUs, b.Count, lo, hi)
				}
				if i > 0 && b.Count < d.Buckets[i-1].Count {
					t.Errorf("bucket le %gµs: %d below the previous %d", b.LeUs, b.Count, d.Buckets[i-1].Count)
				}
			}
			var expTotal int64
			for i, b := range d.Exp {
				expTotal += b.Count
				if i > 0 && b.Index <= d.Exp[i-1].Index {
					t.Fatalf("exp buckets out of order at %d: %v", i, d.Exp[i-1:i+1])
				}
				upper := metrics.ExpUpperBound(b.Index) * 1e6
				lower := metrics.ExpUpperBound(b.Index-1) * 1e6
				lo := countWithin(samples, upper*(1-tc.rel)) - countWithin(samples, lower*(1+tc.rel))
				hi := countWithin(samples, upper*(1+tc.rel)) - countWithin(samples, lower*(1-tc.rel))
				if b.Count < lo || b.Count > hi {
					t.Errorf("exp bucket %d (%.1f..%.1fµs]: %d, want %d..%d", b.Index, lower, upper, b.Count, lo, hi)
				}
			}
			if expTotal != d.Count {
				t.Errorf("exp buckets hold %d samples, want %d", expTotal, d.Count)
			}
		})
	}
}

func countWithin(samples []float64, le float64) int64 {
	var n int64
	for _, s := range samples {
		if s <= le {
			n++
		}
	}
	return n
}

func TestLatencyDistEdges(t *testing.T) {
	var none *metrics.Histogram
	d := none.LatencyDist()
	if d.Count != 0 || len(d.Buckets) != 16 || d.Buckets[15].Count != 0 || d.Exp != nil {
		t.Errorf("empty: %+v", d)
	}
	h := metrics.NewHistogram()
	for _, us := range []int{100, 500_000, 1_000_000, 20_000_000} { // on bounds, and past the last
		h.Record(time.Duration(us) * time.Microsecond)
	}
	d = h.LatencyDist()
	got := map[float64]int64{}
	for _, b := range d.Buckets {
		got[b.LeUs] = b.Count
	}
	want := map[float64]int64{100: 1, 250_000: 1, 500_000: 2, 1e6: 3, 5e6: 3, 10e6: 3}
	for le, n := range want {
		if got[le] != n {
			t.Errorf("le %gµs: %d, want %d (%v)", le, got[le], n, d.Buckets)
		}
	}
	if d.Count != 4 {
		t.Errorf("count %d, want 4: the sample past 10 s is in +Inf only", d.Count)
	}
	// 0.5 s and 1 s are exact bucket bounds at schema 3: indexes -8 and 0.
	var idx []int
	for _, b := range d.Exp {
		idx = append(idx, b.Index)
	}
	if d := cmp.Diff([]int{-106, -8, 0, 35}, idx); d != "" {
		t.Errorf("exp indexes (-want +got):\n%s", d)
	}
	if b, d2 := h.Distributions(16); len(b) == 0 || d2.Count != d.Count {
		t.Errorf("Distributions: %v, %+v", b, d2)
	}
}

// TestEngineTransitionsOutliveHistory: the history is a ring, the counts
// are not; forgetting a subject drops its counts.
func TestEngineTransitionsOutliveHistory(t *testing.T) {
	const histCap = 4
	e := metrics.NewEngine([]metrics.Rule{p99Rule(0, 0)}, histCap)
	feed(e, 0, "a", 200, 50, 200, 50, 600, 50, 200, 50, 200, 50) // 10 changes, past the cap
	feed(e, 0, "b", 600)
	if n := len(e.History()); n != histCap {
		t.Fatalf("history holds %d, want the cap %d", n, histCap)
	}
	want := []metrics.TransitionCount{
		{Rule: "p99", Instance: "a", To: metrics.OK, Count: 5},
		{Rule: "p99", Instance: "a", To: metrics.Warn, Count: 4},
		{Rule: "p99", Instance: "a", To: metrics.Crit, Count: 1},
		{Rule: "p99", Instance: "b", To: metrics.Crit, Count: 1},
	}
	if d := cmp.Diff(want, e.Transitions()); d != "" {
		t.Errorf("transitions (-want +got):\n%s", d)
	}
	e.Forget("a")
	if d := cmp.Diff(want[3:], e.Transitions()); d != "" {
		t.Errorf("after Forget(a) (-want +got):\n%s", d)
	}
	e.Reset()
	if tr := e.Transitions(); tr == nil || len(tr) != 0 {
		t.Errorf("after Reset: %v, want empty and not nil", tr)
	}
}
