package report_test

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// TestWatchMatrixMarkdown: the matrix is in the Markdown snapshot, worst
// pair first, every line of its table within 100 columns, long IDs cut;
// raw one-way figures without a correction are starred.
func TestWatchMatrixMarkdown(t *testing.T) {
	lat := metrics.PairLatency{Raw10s: metrics.OneWay{Count: 10, P50: -249_100, P99: -248_000}, ClockSkewUs: math.NaN(),
		UncertaintyUs: math.NaN(), Correction: "unknown: sender's clock not estimated"}
	ok := metrics.PairCounts{Expected: 250, Received: 250, DeliveryPct: 100}
	lossy := metrics.PairCounts{Expected: 250, Received: 200, Lost: 50, DeliveryPct: 80}
	s := metrics.Snapshot{At: wrAt, Matrix: []metrics.MatrixRow{
		{From: "agent-host-0001-long-name", To: "agent-host-0002", Channel: "bridge:events", PairCounts: ok, Window1m: ok, Session: ok,
			Latency: metrics.PairLatency{Corrected10s: metrics.OneWay{Count: 10, P50: 412, P99: 1270}, UncertaintyUs: 35, Correction: "corrected"}},
		{From: "ws-host", To: "agent-host-0002", Channel: "bridge:events", PairCounts: lossy, Window1m: lossy, Session: lossy,
			Latency: lat, Status: metrics.Judgement{Level: metrics.Crit}},
	}}
	out := wrRender(t, report.WatchMarkdown(s))
	i := strings.Index(out, "### Matrix (2 pairs)")
	if i < 0 {
		t.Fatalf("no matrix section:\n%s", out)
	}
	var table []string
	for _, l := range strings.Split(out[i:], "\n")[1:] {
		if strings.HasPrefix(l, "###") {
			break
		}
		if strings.HasPrefix(l, "|") {
			table = append(table, l)
		}
	}
	if len(table) != 4 || !strings.Contains(table[2], "ws-host") || !strings.Contains(table[2], "CRIT") || !strings.Contains(table[2], "-249ms\\*") {
		t.Errorf("matrix table, worst first, raw starred:\n%s", strings.Join(table, "\n"))
	}
	for _, l := range table {
		if n := utf8.RuneCountInString(l); n > 100 {
			t.Errorf("%d columns, want at most 100: %s", n, l)
		}
	}
	if strings.Contains(out, "agent-host-0001-long-name") {
		t.Error("a long ID is not cut in the matrix table")
	}
}
