package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/bridgescope/bridgescope/metrics"
)

// TestDeploymentViewsFit: with the raw lane, shards (3, 5 and 12) and 50
// instances, every view fits every size and fills the terminal.
func TestDeploymentViewsFit(t *testing.T) {
	fixtures := map[string]func() metrics.Snapshot{
		"3/3shards":   clusterFixture,
		"50/5shards":  func() metrics.Snapshot { return withDeployment(fixture50(), 5) },
		"50/12shards": func() metrics.Snapshot { return withDeployment(fixture50(), 12) },
		"long/3shards": func() metrics.Snapshot {
			s := withDeployment(longFixture(), 3)
			s.Shards[1].Addr = strings.Repeat("redis-node.example.internal.", 6) + ":7001"
			s.Shards[1].LastError = strings.Repeat("ノート", 60)
			s.Shards[2].Addr, s.Shards[2].LastError, s.Shards[2].State = hostileID, hostileID, hostileID
			return s
		},
	}
	views := map[string][]string{"main": nil, "help": {"?"}, "scrolled": {"pgdown", "pgdown", "down"}, "chart-one": {"c"}, "detail": {"enter"}}
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {100, 30}, {200, 60}, {60, 16}} {
		for fname, fx := range fixtures {
			for vname, keys := range views {
				t.Run(fmt.Sprintf("%dx%d/%s/%s", sz[0], sz[1], fname, vname), func(t *testing.T) {
					m, _ := newTestModel(t, sz[0], sz[1])
					m = withSnapshot(t, m, fx())
					for _, k := range keys {
						m = press(t, m, k)
					}
					checkFits(t, m.View(), sz[0], sz[1])
					if n := len(strings.Split(m.View(), "\n")); n != sz[1] {
						t.Errorf("%d lines, want the terminal's %d", n, sz[1])
					}
				})
			}
		}
	}
}

// shardLines are the frame's shard rows (their addresses are 10.0.3.x).
func shardLines(frame string) []string {
	var out []string
	for _, l := range strings.Split(ansi.Strip(frame), "\n") {
		if strings.HasPrefix(l, "  10.0.3.") {
			out = append(out, l)
		}
	}
	return out
}

// TestShardsAt80x24: five shards and fifty instances at 80×24 show three
// shard rows, the one down first, "+2 more", the raw lane's line, and
// still five instance rows and a chart.
func TestShardsAt80x24(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	m = withSnapshot(t, m, withDeployment(fixture50(), 5))
	frame := ansi.Strip(m.View())
	rows := shardLines(frame)
	if len(rows) != 3 {
		t.Fatalf("%d shard rows at 80×24, want 3:\n%s", len(rows), frame)
	}
	if !strings.Contains(rows[0], "10.0.3.12:7001") || !strings.Contains(rows[0], "disconnected") || !strings.Contains(rows[0], "reconn 3") {
		t.Errorf("first shard row %q, want the one down, with its reconnects", rows[0])
	}
	for _, want := range []string{"Shards 5 · 1 not connected", "+2 more", "≈ raw 1 hop", "Latency"} {
		if !strings.Contains(frame, want) {
			t.Errorf("frame lacks %q:\n%s", want, frame)
		}
	}
	if got := m.tableHeight(); got < minTableRows {
		t.Errorf("%d instance rows, want at least %d beside the shards", got, minTableRows)
	}
	l := m.mainLayout()
	if l.bottom < minChart {
		t.Errorf("chart keeps %d lines, want at least %d", l.bottom, minChart)
	}

	big, _ := newTestModel(t, 120, 40)
	big = withSnapshot(t, big, withDeployment(fixture50(), 5))
	if rows := shardLines(big.View()); len(rows) != 5 || strings.Contains(big.View(), "more") {
		t.Errorf("120×40: %d shard rows, want all 5 and no \"more\"", len(rows))
	}
}

// TestNoDeploymentNoLines: on a single server without the lane the main
// view has neither block; the lane's line costs one line, no more.
func TestNoDeploymentNoLines(t *testing.T) {
	plain, _ := newTestModel(t, 80, 24)
	plain = withSnapshot(t, plain, fixture50())
	if v := plain.View(); strings.Contains(v, "Shards") || strings.Contains(v, "raw 1 hop") || strings.Contains(v, "∘") {
		t.Errorf("a single server without the lane shows shards or the lane:\n%s", v)
	}
	lane, _ := newTestModel(t, 80, 24)
	s := fixture50()
	s.Baseline = withDeployment(fixture3(), 0).Baseline
	lane = withSnapshot(t, lane, s)
	p, l := plain.mainLayout(), lane.mainLayout()
	if p.rows+p.bottom != l.rows+l.bottom+1 || l.baseline != 1 || p.baseline != 0 || p.shards+l.shards != 0 {
		t.Errorf("layout %+v without the lane, %+v with it: want the lane to take one line", p, l)
	}
}

// TestBaselineLineAligned: the raw lane's latencies sit under the
// instances' P50, P99 and LOST columns.
func TestBaselineLineAligned(t *testing.T) {
	for _, w := range []int{80, 120} {
		m, _ := newTestModel(t, w, 24)
		m = withSnapshot(t, m, clusterFixture())
		var header, raw string
		for _, l := range strings.Split(ansi.Strip(m.View()), "\n") {
			switch {
			case strings.HasPrefix(l, "  ID "):
				header = l
			case strings.HasPrefix(l, "≈ raw 1 hop"):
				raw = l
			}
		}
		if raw == "" {
			t.Fatalf("%d: no raw Redis line", w)
		}
		end := func(s, sub string, from int) int { return from + strings.Index(s[from:], sub) + len(sub) }
		rawRunes, hdrRunes := []rune(raw), []rune(header)
		// Compare by cell: µs is one cell and two bytes.
		for _, c := range []struct{ col, val string }{{"P50", "88µs"}, {"P99", "390µs"}} {
			hi := len([]rune(header[:end(header, c.col, 0)]))
			ri := len([]rune(raw[:end(raw, c.val, 0)]))
			if hi != ri {
				t.Errorf("%d: %s ends at cell %d in the header, %s at %d in the raw line\n%s\n%s", w, c.col, hi, c.val, ri, string(hdrRunes), string(rawRunes))
			}
		}
	}
}

// TestChartRawLine: the raw lane is a third line with its own glyph and a
// legend entry; without it neither shows.
func TestChartRawLine(t *testing.T) {
	st := asciiStyles(t)
	raw := series(9000, 9000).P50 // above the bridge lines, which are drawn over it
	out := renderChartRaw(st, series(480, 1900), raw, testThresholds, 68, 12)
	if !strings.Contains(out, "∘ raw 1-hop p99") || strings.Count(out, "∘") < 20 {
		t.Errorf("raw line or legend missing:\n%s", out)
	}
	checkFits(t, out, 68, 12)
	if out := renderChart(st, series(480, 1900), testThresholds, 68, 12); strings.Contains(out, "∘") {
		t.Errorf("a raw line without the lane:\n%s", out)
	}
	// The legend keeps every entry at 47 cells (80 columns) by closing up
	// and dropping the thresholds' names.
	out = renderChartRaw(st, series(480, 1900), raw, testThresholds, 47, 8)
	legend := strings.Split(out, "\n")[0]
	for _, want := range []string{"p99", "p50", "raw 1-hop p99", "5.00ms", "20.0ms"} {
		if !strings.Contains(legend, want) {
			t.Errorf("47-cell legend %q lacks %q", legend, want)
		}
	}
}
