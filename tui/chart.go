package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/guptarohit/asciigraph"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/themes"
)

const (
	chartLabelW = 6 // y-axis labels: fmtUs never needs more
	// thresholdReach: a threshold line is drawn only when it is within
	// this factor of the data's maximum, so it never flattens the data.
	thresholdReach = 3
)

// Line styles tell the series apart without colour.
var (
	p50Chars  = asciigraph.CreateCharSet("·")
	warnChars = asciigraph.CreateCharSet("┄")
	critChars = asciigraph.CreateCharSet("━")
	rawChars  = asciigraph.CreateCharSet("∘")
)

// chartPanel is the latency chart; `c` scopes it to the selected
// instance (one) or all instances.
type chartPanel struct{ one bool }

// series is the series on show and its scope's name.
func (c chartPanel) series(s *metrics.Snapshot, sel *metrics.InstanceRow) (metrics.Series, string) {
	if c.one && sel != nil {
		return sel.Chart, sel.ID
	}
	return s.Chart, "all instances"
}

func (c chartPanel) title(s *metrics.Snapshot, st *themes.Styles, sel *metrics.InstanceRow, w int) string {
	_, scope := c.series(s, sel)
	left := st.Title.Render("Latency") + st.Muted.Render(" RTT, last 60s · ") + st.Text.Render(scope)
	return titleLine(st, left, "", w)
}

// view draws the series on show with, when the raw lane is on, raw
// Redis's per-second P99 under it.
func (c chartPanel) view(s *metrics.Snapshot, st *themes.Styles, sel *metrics.InstanceRow, w, h int) string {
	series, _ := c.series(s, sel)
	var raw []float64
	if b := s.Baseline; b != nil {
		raw = b.Chart.P99
	}
	return renderChartRaw(st, series, raw, limitsOf(s.Thresholds), w, h)
}

// chartLimits are the p99 thresholds the chart draws as lines: drawn, not
// judged by (the snapshot's levels do that).
type chartLimits struct{ P99Warn, P99Crit time.Duration }

func limitsOf(t metrics.Thresholds) chartLimits {
	return chartLimits{P99Warn: t.P99Warn.Std(), P99Crit: t.P99Crit.Std()}
}

type threshold struct {
	name  string
	us    float64
	chars asciigraph.CharSet
	color uint8
	style lipgloss.Style
}

// renderChart draws a legend line and the P50/P99 plot in w×h cells.
func renderChart(st *themes.Styles, s metrics.Series, th chartLimits, w, h int) string {
	return renderChartRaw(st, s, nil, th, w, h)
}

// renderChartRaw is renderChart with a third line, raw Redis's P99 (nil:
// none), drawn under the bridge's.
func renderChartRaw(st *themes.Styles, s metrics.Series, rawP99 []float64, th chartLimits, w, h int) string {
	p50, p99, raw := nanInf(s.P50), nanInf(s.P99), nanInf(rawP99)
	top := math.Max(math.Max(maxFinite(p50), maxFinite(p99)), maxFinite(raw))
	if top < 0 {
		return st.Muted.Render(clip("no RTT samples in the last 60s", w))
	}
	showAxis := h >= 10
	plotH := h - 1
	if showAxis {
		plotH -= 2
	}
	dataW := w - chartLabelW - 3
	if plotH < 2 || dataW < 8 {
		return st.Text.Render(clip(fmt.Sprintf("p50 %s  p99 %s (too small to chart)",
			fmtUs(lastFinite(p50)), fmtUs(lastFinite(p99))), w))
	}
	var shown, hidden []threshold
	for _, t := range []threshold{
		{"warn", durUs(th.P99Warn), warnChars, st.Palette.Chart.Warn, st.ChartWarn},
		{"crit", durUs(th.P99Crit), critChars, st.Palette.Chart.Crit, st.ChartCrit},
	} {
		switch {
		case t.us <= 0:
		case t.us <= thresholdReach*top:
			shown = append(shown, t)
		default:
			hidden = append(hidden, t)
		}
	}
	legend := chartLegend(st, shown, hidden, maxFinite(raw) >= 0, w)
	if maxFinite(raw) < 0 {
		raw = nil
	} else {
		raw = resample(raw, dataW)
	}
	plot := plotLines(st, resample(p50, dataW), resample(p99, dataW), raw, shown, plotH)
	out := clip(legend, w) + "\n" + plot
	if showAxis {
		out += "\n" + xAxis(st, dataW, len(p99))
	}
	return out
}

func plotLines(st *themes.Styles, p50, p99, raw []float64, shown []threshold, h int) string {
	var (
		series [][]float64
		chars  []asciigraph.CharSet
		colors []asciigraph.AnsiColor
	)
	// Thresholds first: the data is drawn over them.
	for _, t := range shown {
		series = append(series, constant(t.us, len(p99)))
		chars = append(chars, t.chars)
		colors = append(colors, asciigraph.AnsiColor(t.color))
	}
	if raw != nil { // under the bridge's lines, which matter more
		series = append(series, raw)
		chars = append(chars, rawChars)
		colors = append(colors, asciigraph.AnsiColor(st.Palette.Chart.P50))
	}
	series = append(series, p50, p99)
	chars = append(chars, p50Chars, asciigraph.DefaultCharSet)
	colors = append(colors, asciigraph.AnsiColor(st.Palette.Chart.P50), asciigraph.AnsiColor(st.Palette.Chart.P99))
	top := 0.0
	var marks []float64
	for _, sr := range series {
		top = math.Max(top, maxFinite(sr))
	}
	for _, t := range shown {
		marks = append(marks, t.us)
	}
	opts := []asciigraph.Option{
		asciigraph.Height(h - 1), // rows+1 lines: with a lower bound of 0, exactly h
		asciigraph.Offset(2),
		asciigraph.LowerBound(0),
		asciigraph.UpperBound(niceTop(top, h-1, marks...)),
		asciigraph.SeriesChars(chars...),
		asciigraph.YAxisValueFormatter(func(v float64) string { return fitLeft(fmtUs(v), chartLabelW) }),
	}
	if st.Colour {
		opts = append(opts, asciigraph.SeriesColors(colors...))
	}
	lines := strings.Split(asciigraph.PlotMany(series, opts...), "\n")
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines[:h], "\n")
}

// chartLegend names the lines in w cells: spaced out when there is room,
// then closer, then with the thresholds' names left out.
func chartLegend(st *themes.Styles, shown, hidden []threshold, raw bool, w int) string {
	var legend string
	for _, named := range []bool{true, false} {
		items := []string{st.ChartP99.Render("─ p99"), st.ChartP50.Render("· p50")}
		if raw {
			items = append(items, st.ChartP50.Render("∘ raw 1-hop p99"))
		}
		for _, t := range shown {
			name := " " + t.name
			if !named {
				name = ""
			}
			items = append(items, t.style.Render(fmt.Sprintf("%s%s %s", t.chars.Horizontal, name, fmtUs(t.us))))
		}
		if len(hidden) > 0 {
			var names []string
			for _, t := range hidden {
				names = append(names, t.name+" "+fmtUs(t.us))
			}
			items = append(items, st.Muted.Render(strings.Join(names, ", ")+" off-scale"))
		}
		for _, sep := range []string{"  ", " "} {
			if legend = strings.Join(items, sep); lipgloss.Width(legend) <= w {
				return legend
			}
		}
	}
	return legend
}

// xAxis draws the time axis under the plot: n seconds ago on the left,
// "now" on the right.
func xAxis(st *themes.Styles, dataW, n int) string {
	pad := strings.Repeat(" ", chartLabelW+1)
	axis := pad + "└" + strings.Repeat("─", dataW)
	left, mid := fmt.Sprintf("-%ds", n), fmt.Sprintf("-%ds", n/2)
	labels := []byte(strings.Repeat(" ", dataW))
	copy(labels, left)
	if m := dataW/2 - len(mid)/2; m > len(left) && m+len(mid) < dataW-4 {
		copy(labels[m:], mid)
	}
	copy(labels[dataW-3:], "now")
	return st.Muted.Render(axis + "\n" + pad + " " + string(labels))
}

// resample fits v into w columns. Downsampling keeps each column's maximum
// (a latency spike must not vanish); upsampling repeats points.
func resample(v []float64, w int) []float64 {
	out := make([]float64, w)
	n := len(v)
	for j := range out {
		out[j] = math.NaN()
		if n == 0 {
			continue
		}
		lo := j * n / w
		hi := max((j+1)*n/w, lo+1)
		for _, x := range v[lo:min(hi, n)] {
			if !math.IsNaN(x) && (math.IsNaN(out[j]) || x > out[j]) {
				out[j] = x
			}
		}
	}
	return out
}

// nanInf copies v with infinities and negatives turned into gaps.
func nanInf(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		if !metrics.Finite(x) || x < 0 {
			x = math.NaN()
		}
		out[i] = x
	}
	return out
}

// maxFinite returns the largest finite value, or -1 when there is none.
func maxFinite(v []float64) float64 {
	top := -1.0
	for _, x := range v {
		if metrics.Finite(x) && x > top {
			top = x
		}
	}
	return top
}

func lastFinite(v []float64) float64 {
	for i := len(v) - 1; i >= 0; i-- {
		if metrics.Finite(v[i]) {
			return v[i]
		}
	}
	return math.NaN()
}

func constant(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func durUs(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// niceTop is the chart's upper bound for data reaching top over rows
// intervals: rows times a round step (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 ×
// 10ⁿ µs), so every label is a round figure; of the steps within 3× the
// least, the first of which every threshold is a multiple, so each
// threshold line is drawn on its own value (a warn line at 100 ms had been drawn on the row labelled
// 107 ms, the nearest of an even division of 500 ms).
func niceTop(top float64, rows int, thresholds ...float64) float64 {
	if !(top > 0) || rows < 1 {
		return top
	}
	raw := top / float64(rows)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	var steps []float64
	for _, k := range []float64{1, 10, 100} {
		for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8} {
			if st := m * k * mag; st >= raw*(1-1e-9) && st <= 3*raw {
				steps = append(steps, st)
			}
		}
	}
	if len(steps) == 0 {
		return top
	}
	for _, st := range steps {
		on := true
		for _, t := range thresholds {
			q := t / st
			on = on && math.Abs(q-math.Round(q)) < 1e-6
		}
		if on {
			return st * float64(rows)
		}
	}
	return steps[0] * float64(rows)
}
