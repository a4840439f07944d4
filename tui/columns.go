package tui

import (
	"time"

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
		{title: "LOST", width: 4, cell: countCell(func(r metrics.InstanceRow) int64 { return r.Lost }, metrics.Warn)},
		{title: "DUP", width: 4, cell: countCell(func(r metrics.InstanceRow) int64 { return r.Duplicates }, metrics.Warn)},
		{title: "SELF", width: 4, cell: countCell(func(r metrics.InstanceRow) int64 { return r.SelfReceived }, metrics.Crit)},
		{title: "ERR", width: 4, cell: countCell(func(r metrics.InstanceRow) int64 { return r.Errors }, metrics.Warn)},
		{title: "SEEN", width: 4, cell: seenCell},
		{title: "STATE", width: 5, left: true, cell: stateCell},
	}
}

type cellFunc = func(Thresholds, metrics.InstanceRow) (string, tone)

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

func roleCell(_ Thresholds, r metrics.InstanceRow) (string, tone) {
	switch r.Role {
	case "publisher":
		return "pub", toneMuted
	case "subscriber":
		return "sub", toneMuted
	}
	return r.Role, toneMuted
}

func deliveryCell(th Thresholds, r metrics.InstanceRow) (string, tone) {
	return fmtPct(r.Delivery10s), deliveryTone(th, r.Delivery10s)
}

func deliveryTone(th Thresholds, p float64) tone {
	switch {
	case !finite(p):
		return toneMuted
	case th.DeliveryCrit > 0 && p < th.DeliveryCrit:
		return toneCrit
	case th.DeliveryWarn > 0 && p < th.DeliveryWarn:
		return toneWarn
	}
	return toneText
}

func rttCell(get func(metrics.Percentiles) float64, judged bool) cellFunc {
	return func(th Thresholds, r metrics.InstanceRow) (string, tone) {
		if r.RTT10s.Count == 0 {
			return "-", toneMuted
		}
		v := get(r.RTT10s)
		if judged {
			return fmtUs(v), p99Tone(th, v)
		}
		return fmtUs(v), toneText
	}
}

func p99Tone(th Thresholds, us float64) tone {
	d := time.Duration(us * float64(time.Microsecond))
	switch {
	case th.P99Crit > 0 && d > th.P99Crit:
		return toneCrit
	case th.P99Warn > 0 && d > th.P99Warn:
		return toneWarn
	}
	return toneText
}

// countCell draws a counter: zero is muted so that what is non-zero stands
// out, in the level's style.
func countCell(get func(metrics.InstanceRow) int64, bad metrics.Level) cellFunc {
	return func(_ Thresholds, r metrics.InstanceRow) (string, tone) {
		n := get(r)
		if n == 0 {
			return "0", toneMuted
		}
		return fmtCount(n), levelTone(bad)
	}
}

func seenCell(_ Thresholds, r metrics.InstanceRow) (string, tone) {
	if r.Left {
		return "left", toneMuted
	}
	return fmtAge(r.LastSeenMs), toneMuted
}

func stateCell(_ Thresholds, r metrics.InstanceRow) (string, tone) {
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
