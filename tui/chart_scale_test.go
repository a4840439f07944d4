package tui

import "testing"

// TestNiceTopPutsThresholdsOnRows: the chart's upper bound is rows times a
// round step of which every threshold is a multiple, when one is within
// 3× the least step, so each threshold line is drawn on its own value.
func TestNiceTopPutsThresholdsOnRows(t *testing.T) {
	for _, tc := range []struct {
		top        float64
		rows       int
		thresholds []float64
		want       float64
	}{
		{500_000, 14, []float64{100_000, 500_000}, 700_000}, // step 50 ms: 100 ms and 500 ms on rows
		{20_000, 11, []float64{5_000, 20_000}, 27_500},      // step 2.5 ms, not 2 ms (5 ms between rows)
		{1_270, 11, nil, 1_650},                             // no threshold: the least round step, 150 µs
		{1_000, 10, []float64{70}, 1_000},                   // 70 on no step of 100–300: the least
		{900, 10, []float64{700}, 1_000},                    // 700 is on the least step, 100
		{0, 10, nil, 0},
	} {
		if got := niceTop(tc.top, tc.rows, tc.thresholds...); got != tc.want {
			t.Errorf("niceTop(%v, %d, %v) = %v, want %v", tc.top, tc.rows, tc.thresholds, got, tc.want)
		}
	}
}
