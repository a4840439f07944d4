package prom

import (
	"fmt"
	"testing"

	"github.com/bridgescope/bridgescope/metrics"
)

// TestPairSeriesBounded: of 200 pairs, 100 below 100 %, only the 64 worst
// and the 16 busiest of the rest are exported; the counts say how many
// there are.
func TestPairSeriesBounded(t *testing.T) {
	snap := func() metrics.Snapshot {
		var s metrics.Snapshot
		for i := range 200 {
			c := metrics.PairCounts{Expected: int64(100 + i), Received: int64(100 + i), DeliveryPct: 100}
			if i%2 == 0 {
				c.Received, c.DeliveryPct = int64(50+i/4), 100*float64(50+i/4)/float64(100+i)
			}
			s.Matrix = append(s.Matrix, metrics.MatrixRow{From: fmt.Sprintf("s%03d", i), To: "r", Channel: "c", PairCounts: c})
		}
		return s
	}
	_, fams := scrape(t, NewSnapshotCollector(snap))
	got := fams["bridgescope_pair_delivery_ratio"].GetMetric()
	// The busiest are the lossiest here: 8 of the 16 busiest are among
	// the 64 worst already.
	if len(got) != maxLossyPairs+8 {
		t.Errorf("%d pair series, want %d", len(got), maxLossyPairs+8)
	}
	if n := fams["bridgescope_pairs_below_full"].GetMetric()[0].GetGauge().GetValue(); n != 100 {
		t.Errorf("pairs_below_full %v, want 100", n)
	}
	if worst := find(fams, "bridgescope_pair_delivery_ratio", map[string]string{"from": "s198", "to": "r"}); len(worst) != 1 {
		t.Errorf("the worst pair not exported: %v", worst)
	}
	if mild := find(fams, "bridgescope_pair_delivery_ratio", map[string]string{"from": "s000"}); len(mild) != 0 {
		t.Errorf("a lossy pair past the 64 worst exported: %v", mild)
	}
	if busiest := find(fams, "bridgescope_pair_delivery_ratio", map[string]string{"from": "s199"}); len(busiest) != 1 {
		t.Errorf("the busiest healthy pair not exported: %v", busiest)
	}
}
