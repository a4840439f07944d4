package tui

import (
	"strings"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/themes"
)

// baselineLabel names the raw lane's line under the instances.
const baselineLabel = "raw 1 hop"

// baselineLine draws the raw lane (watch --baseline) as a line of the
// instances table: plain PUBLISH to SUBSCRIBE latency over the last 10 s
// in the P50…MAX columns, so "Redis is slow" and "our path is slow" read
// apart at a glance.
func baselineLine(b *metrics.BaselineRow, st *themes.Styles, cols []column, idw, w int) string {
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
			// The lane counts its losses for the session only: under a
			// "last 10 s" column that figure would say "still losing"
			// when it is not. The detail view and the reports have it.
			text, t = "-", toneMuted
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
