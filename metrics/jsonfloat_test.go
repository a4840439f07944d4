package metrics

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestSnapshotJSONRoundTrip: what a snapshot's JSON says reads back as the
// same snapshot, NaN ("no data", null) included, so a recording replays
// the JSON the live observer wrote.
func TestSnapshotJSONRoundTrip(t *testing.T) {
	nan := math.NaN()
	in := Snapshot{
		Instances: []InstanceRow{{ID: "a", Delivery: nan, Delivery10s: 99, Delivery1m: nan, ClockOffsetUs: nan,
			OneWayUncertaintyUs: nan, Chart: Series{P50: []float64{nan, 1}, P99: []float64{2, nan}}}},
		Matrix: []MatrixRow{{From: "a", To: "b", Channel: "c", PairCounts: PairCounts{Expected: 3, Received: 2, Lost: 1, DeliveryPct: 66.6},
			Window1m: PairCounts{DeliveryPct: nan}, Session: PairCounts{Expected: 5, DeliveryPct: 40},
			Latency: PairLatency{ClockSkewUs: nan, UncertaintyUs: 12, Correction: "corrected"}}},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Snapshot
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(out)
	if string(again) != string(b) {
		t.Errorf("JSON changed on a round trip:\n%s\n%s", b, again)
	}
	if d := cmp.Diff(in.Matrix, out.Matrix, cmpopts.EquateNaNs()); d != "" {
		t.Errorf("matrix (-want +got):\n%s", d)
	}
}
