package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
)

// baselineLabel names the raw lane's line under the instances.
const baselineLabel = "raw 1 hop"

// tableColumns is the instances table's columns for w cells and the ID
// column's width; the raw lane's line shares them, so its latencies sit
// under the instances' own.
func (m Model) tableColumns(w int) ([]column, int) {
	longest := lipgloss.Width(baselineLabel)
	for _, r := range m.table.rows {
		longest = max(longest, lipgloss.Width(r.ID))
	}
	return columns(w, longest)
}

// baselineLine draws the raw lane (watch --baseline) as a line of the
// instances table: plain PUBLISH to SUBSCRIBE latency over the last 10 s
// in the P50…MAX columns and its losses under LOST, so "Redis is slow"
// and "our path is slow" read apart at a glance.
func (m Model) baselineLine(w int) string {
	st := m.styles
	b := m.snap.Baseline
	cols, idw := m.tableColumns(w)
	var sb strings.Builder
	sb.WriteString(st.Accent.Render("≈ " + fit(baselineLabel, idw)))
	for _, c := range cols {
		text, t := "", toneText
		switch c.title {
		case "P50", "P95", "P99", "MAX":
			text, t = "-", toneMuted
			if b.RTT10s.Count > 0 {
				text, t = fmtUs(percentile(b.RTT10s, c.title)), toneText
			}
		case "LOST":
			text, t = "0", toneMuted
			if b.Lost > 0 {
				text, t = fmtCount(b.Lost), toneText // no rule judges the raw lane
			}
		case "ROLE":
			text, t = "lane", toneMuted
		}
		sb.WriteString(" " + toneStyle(st, t).Render(align(text, c.width, c.left)))
	}
	return fit(sb.String(), w)
}

// percentile picks the figure a latency column shows.
func percentile(p metrics.Percentiles, title string) float64 {
	switch title {
	case "P50":
		return p.P50
	case "P95":
		return p.P95
	case "P99":
		return p.P99
	}
	return p.Max
}
