package tui

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/themes"
)

func asciiStyles(t *testing.T) *themes.Styles {
	t.Helper()
	p, err := themes.Lookup("dark")
	if err != nil {
		t.Fatal(err)
	}
	return themes.NewStyles(asciiRenderer(), p)
}

func TestChartThresholdsShownOrHidden(t *testing.T) {
	st := asciiStyles(t)
	s := series(480, 1900) // peak p99 ≈ 13ms
	near := chartLimits{P99Warn: 5 * time.Millisecond, P99Crit: 20 * time.Millisecond}
	out := renderChart(st, s, near, 60, 12)
	if !strings.Contains(out, "┄ warn 5.00ms") || !strings.Contains(out, "━ crit 20.0ms") {
		t.Fatalf("thresholds within range not drawn:\n%s", out)
	}
	if !strings.Contains(out, "┄┄┄") || !strings.Contains(out, "━━━") {
		t.Fatalf("threshold lines missing:\n%s", out)
	}
	far := chartLimits{P99Warn: 30 * time.Millisecond, P99Crit: 500 * time.Millisecond}
	out = renderChart(st, s, far, 60, 12)
	if !strings.Contains(out, "┄ warn 30.0ms") || !strings.Contains(out, "crit 500ms off-scale") {
		t.Fatalf("legend does not say which threshold is hidden:\n%s", out)
	}
	if strings.Contains(out, "━━━") {
		t.Fatalf("an off-scale threshold was drawn:\n%s", out)
	}
	// The y axis stays at the data's scale, not the hidden threshold's.
	if strings.Contains(out, "500ms┤") || strings.Contains(out, "500ms┼") {
		t.Fatalf("hidden threshold flattened the data:\n%s", out)
	}
	checkFits(t, out, 60, 12)
}

func TestChartGapsAndEmpty(t *testing.T) {
	st := asciiStyles(t)
	nan := math.NaN()
	empty := metrics.Series{P50: []float64{nan, nan}, P99: []float64{nan, math.Inf(1)}}
	if out := renderChart(st, empty, testThresholds, 60, 10); !strings.Contains(out, "no RTT samples") {
		t.Fatalf("all-NaN series: %q", out)
	}
	if out := renderChart(st, metrics.Series{}, testThresholds, 60, 10); !strings.Contains(out, "no RTT samples") {
		t.Fatalf("empty series: %q", out)
	}
	// A gap shows as a break in the line: end and start caps around it.
	s := series(480, 1900)
	out := renderChart(st, s, chartLimits{}, 68, 10) // 60 data columns: no resampling
	if !strings.Contains(out, "╴") || !strings.Contains(out, "╶") {
		t.Fatalf("gap not drawn as a break:\n%s", out)
	}
	// One point, a flat line and a tiny panel must not panic and must fit.
	for _, c := range []metrics.Series{
		{P50: []float64{100}, P99: []float64{300}},
		{P50: []float64{0, 0, 0}, P99: []float64{0, 0, 0}},
	} {
		for _, sz := range [][2]int{{60, 10}, {20, 3}, {9, 2}} {
			checkFits(t, renderChart(st, c, testThresholds, sz[0], sz[1]), sz[0], sz[1])
		}
	}
}

func TestChartHeightIsExact(t *testing.T) {
	st := asciiStyles(t)
	for h := 3; h <= 30; h++ {
		out := renderChart(st, series(480, 1900), testThresholds, 70, h)
		if n := len(strings.Split(out, "\n")); n != h {
			t.Errorf("height %d: %d lines", h, n)
		}
	}
}

func TestResampleKeepsSpikes(t *testing.T) {
	v := make([]float64, 60)
	v[41] = 99
	out := resample(v, 20)
	if len(out) != 20 || maxFinite(out) != 99 {
		t.Fatalf("spike lost when downsampling: %v", out)
	}
	up := resample([]float64{1, math.NaN(), 3}, 9)
	if len(up) != 9 || up[0] != 1 || !math.IsNaN(up[4]) || up[8] != 3 {
		t.Fatalf("upsampling: %v", up)
	}
}

func TestFormatters(t *testing.T) {
	for us, want := range map[float64]string{
		412: "412µs", 1270: "1.27ms", 3.4e6: "3.4s", 999.7: "1.00ms", 12_700: "12.7ms",
		127_000: "127ms", 5.2: "5.2µs", 0: "0", -1: "-", 42e6: "42s",
	} {
		if got := fmtUs(us); got != want {
			t.Errorf("fmtUs(%v) = %q, want %q", us, got, want)
		}
	}
	for ms, want := range map[int64]string{400: "0.4s", 12_000: "12s", 300_000: "5m", 7_200_000: "2h", 9_949: "9.9s"} {
		if got := fmtAge(ms); got != want {
			t.Errorf("fmtAge(%d) = %q, want %q", ms, got, want)
		}
	}
	for p, want := range map[float64]string{100: "100%", 99.99: "99.9%", 93.46: "93.4%", math.NaN(): "-"} {
		if got := fmtPct(p); got != want {
			t.Errorf("fmtPct(%v) = %q, want %q", p, got, want)
		}
	}
	for n, want := range map[int64]string{37_230: "37,230", 1_234_567: "1,234,567", 999: "999", -4200: "-4,200"} {
		if got := fmtInt(n); got != want {
			t.Errorf("fmtInt(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{12: "12", 9999: "9999", 12_345: "12k", 1_234_567: "1.2M", 45_000_000: "45M"} {
		if got := fmtCount(n); got != want {
			t.Errorf("fmtCount(%d) = %q, want %q", n, got, want)
		}
	}
}
