package tui

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/themes"
)

// allColumns is the full instances table after ID. Latencies and delivery
// are the 10 s window (what is happening now); the detail view has the
// session figures.
func allColumns() []column {
	return []column{
		{title: "ROLE", width: 6, left: true, cell: roleCell},
		{title: "DELIV", width: 5, cell: deliveryCell},
		{title: "P50", width: 6, cell: rttCell(func(p metrics.Percentiles) float64 { return p.P50 }, false)},
		{title: "P95", width: 6, cell: rttCell(func(p metrics.Percentiles) float64 { return p.P95 }, false)},
		{title: "P99", width: 6, cell: rttCell(func(p metrics.Percentiles) float64 { return p.P99 }, true)},
		{title: "MAX", width: 6, cell: rttCell(func(p metrics.Percentiles) float64 { return p.Max }, false)},
		{title: "LOST", width: 4, cell: countCell(func(r metrics.InstanceRow) int64 { return r.Lost }, "delivery")},
		{title: "DUP", width: 4, cell: countCell(func(r metrics.InstanceRow) int64 { return r.Duplicates }, "")},
		{title: "SELF", width: 4, cell: countCell(func(r metrics.InstanceRow) int64 { return r.SelfReceived }, "self_received")},
		{title: "ERR", width: 4, cell: countCell(func(r metrics.InstanceRow) int64 { return r.Errors }, "errors")},
		{title: "SEEN", width: 4, cell: seenCell},
		{title: "STATE", width: 5, left: true, cell: stateCell},
	}
}

type cellFunc = func(metrics.InstanceRow) (string, tone)

// tone is a cell's semantic style. Cells return tones, not styles, so a
// row can render runs of equal tone at once (Render is the cost of a frame).
type tone int

const (
	toneText tone = iota
	toneMuted
	toneOK
	toneWarn
	toneCrit
)

func levelTone(l metrics.Level) tone {
	switch l {
	case metrics.OK:
		return toneOK
	case metrics.Warn:
		return toneWarn
	}
	return toneCrit
}

func toneStyle(st *themes.Styles, t tone) lipgloss.Style {
	switch t {
	case toneMuted:
		return st.Muted
	case toneOK:
		return st.OK
	case toneWarn:
		return st.Warn
	case toneCrit:
		return st.Crit
	}
	return st.Text
}

func roleCell(r metrics.InstanceRow) (string, tone) {
	switch r.Role {
	case "publisher":
		return "pub", toneMuted
	case "subscriber":
		return "sub", toneMuted
	}
	return r.Role, toneMuted
}

func deliveryCell(r metrics.InstanceRow) (string, tone) {
	if !metrics.Finite(r.Delivery10s) {
		return fmtPct(r.Delivery10s), toneMuted
	}
	return fmtPct(r.Delivery10s), ruleTone(r, "delivery")
}

// ruleTone is the tone of a figure the alert engine judges by rule: its
// level, as the snapshot says. The screen has no thresholds of its own.
func ruleTone(r metrics.InstanceRow, rule string) tone {
	switch r.Rules[rule].Level {
	case metrics.Warn:
		return toneWarn
	case metrics.Crit:
		return toneCrit
	}
	return toneText
}

func rttCell(get func(metrics.Percentiles) float64, judged bool) cellFunc {
	return func(r metrics.InstanceRow) (string, tone) {
		if r.RTT10s.Count == 0 {
			return "-", toneMuted
		}
		if judged {
			return fmtUs(get(r.RTT10s)), ruleTone(r, "p99")
		}
		return fmtUs(get(r.RTT10s)), toneText
	}
}

// countCell draws a counter: zero is muted so that what is non-zero stands
// out, in the level of the rule that judges it ("" for none: plain text).
func countCell(get func(metrics.InstanceRow) int64, rule string) cellFunc {
	return func(r metrics.InstanceRow) (string, tone) {
		n := get(r)
		if n == 0 {
			return "0", toneMuted
		}
		if rule == "" {
			return fmtCount(n), toneText
		}
		return fmtCount(n), ruleTone(r, rule)
	}
}

func seenCell(r metrics.InstanceRow) (string, tone) {
	if r.Left {
		return "left", toneMuted
	}
	if t := ruleTone(r, "silent"); t != toneText {
		return fmtAge(r.LastSeenMs), t
	}
	return fmtAge(r.LastSeenMs), toneMuted
}

func stateCell(r metrics.InstanceRow) (string, tone) {
	if r.Left && r.State == metrics.OK {
		return "LEFT", toneMuted
	}
	return levelLabel(r.State), levelTone(r.State)
}

// levelLabel is a level's text, so levels read without colour too.
func levelLabel(l metrics.Level) string {
	if l < metrics.OK || l > metrics.Crit {
		return "CRIT?"
	}
	return l.String()
}
