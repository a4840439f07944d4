package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/themes"
)

// column is one table column: its title, width, alignment and cell. A
// column whose rule can be clearing or rising is a cell wider, for the
// ↘ or ↗ mark.
type column struct {
	title string
	width int
	left  bool
	cell  cellFunc
}

// clearingMark follows a figure whose rule holds a level the value has
// already left (the clear-hold): a red 97.7 % is explained, not a lie.
// risingMark follows a figure already past a worse level's threshold that
// the rule's hold has not raised yet: a 324 ms p99 beside OK, explained.
const (
	clearingMark = "↘"
	risingMark   = "↗"
)

// allColumns is the full instances table after ID. Every figure is the
// last 10 s (tableWindow); the detail view has the session's.
func allColumns() []column {
	return []column{
		{title: "ROLE", width: 6, left: true, cell: roleCell},
		{title: "DELIV", width: 6, cell: deliveryCell},
		{title: "P50", width: 6, cell: rttCell(func(p metrics.Percentiles) float64 { return p.P50 }, false)},
		{title: "P95", width: 6, cell: rttCell(func(p metrics.Percentiles) float64 { return p.P95 }, false)},
		{title: "P99", width: 7, cell: rttCell(func(p metrics.Percentiles) float64 { return p.P99 }, true)},
		{title: "MAX", width: 6, cell: rttCell(func(p metrics.Percentiles) float64 { return p.Max }, false)},
		{title: "LOST", width: 5, cell: countCell(func(r metrics.InstanceRow) int64 { return r.Lost10s }, "delivery")},
		{title: "DUP", width: 4, cell: countCell(func(r metrics.InstanceRow) int64 { return r.Duplicates }, "")},
		{title: "SELF", width: 5, cell: countCell(func(r metrics.InstanceRow) int64 { return r.SelfReceived }, "self_received")},
		{title: "ERR", width: 5, cell: countCell(func(r metrics.InstanceRow) int64 { return r.Errors }, "errors")},
		{title: "SEEN", width: 5, cell: seenCell},
		{title: "STATE", width: 9, left: true, cell: stateCell},
	}
}

// columns returns the columns that fit w cells and the ID column's width,
// at most longest (the widest ID). Narrow terminals lose the least needed
// columns first (the detail view has them all); wider ones get every
// column and a wider ID.
func columns(w, longest int) ([]column, int) {
	all := allColumns()
	drop := []string{"MAX", "ROLE", "DUP", "SELF", "P95", "SEEN"} // least needed first
	const minID, maxID = 12, 32
	for {
		used := 2 // selection marker and its space
		for _, c := range all {
			used += c.width + 1
		}
		idw := w - used
		if idw >= minID || len(drop) == 0 {
			return all, clamp(idw, 4, clamp(longest, minID, maxID))
		}
		all = removeColumn(all, drop[0])
		drop = drop[1:]
	}
}

func removeColumn(cols []column, title string) []column {
	out := cols[:0:0]
	for _, c := range cols {
		if c.title != title {
			out = append(out, c)
		}
	}
	return out
}

// cell is one figure as drawn: its text, its tone, and the mark of the
// rule that judges it: clearingMark, risingMark or none.
type cell struct {
	text string
	tone tone
	mark string
}

type cellFunc = func(metrics.InstanceRow) cell

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

// ruleTone is the tone of a figure the alert engine judges by rule: its
// level, as the snapshot says, or muted while the observer is blind and
// the level is held, not judged. The screen has no thresholds of its own.
func ruleTone(r metrics.InstanceRow, rule string) tone {
	j := r.Rules[rule]
	switch {
	case j.Unknown:
		return toneMuted
	case j.Level == metrics.Warn:
		return toneWarn
	case j.Level == metrics.Crit:
		return toneCrit
	}
	return toneText
}

// ruleCell is text judged by rule: its tone, the clearing mark when the
// rule holds a level its value has left, the rising mark when the value is
// past a worse level the rule's hold has not raised yet.
func ruleCell(r metrics.InstanceRow, rule, text string) cell {
	j := r.Rules[rule]
	c := cell{text: text, tone: ruleTone(r, rule)}
	switch {
	case j.Unknown:
	case j.Clearing && j.Level > metrics.OK:
		c.mark = clearingMark
	case j.Rising > j.Level:
		c.mark = risingMark
	}
	return c
}

func roleCell(r metrics.InstanceRow) cell {
	switch r.Role {
	case "publisher":
		return cell{text: "pub", tone: toneMuted}
	case "subscriber":
		return cell{text: "sub", tone: toneMuted}
	}
	return cell{text: r.Role, tone: toneMuted}
}

func deliveryCell(r metrics.InstanceRow) cell {
	if r.Passive { // delivery unknown: say why where ROLE may not fit
		return cell{text: metrics.PassiveRole, tone: toneMuted}
	}
	if !metrics.Finite(r.Delivery10s) {
		return cell{text: fmtPct(r.Delivery10s), tone: toneMuted}
	}
	return ruleCell(r, "delivery", fmtPct(r.Delivery10s))
}

func rttCell(get func(metrics.Percentiles) float64, judged bool) cellFunc {
	return func(r metrics.InstanceRow) cell {
		switch {
		case r.RTT10s.Count == 0:
			return cell{text: "-", tone: toneMuted}
		case judged:
			return ruleCell(r, "p99", fmtUs(get(r.RTT10s)))
		}
		return cell{text: fmtUs(get(r.RTT10s))}
	}
}

// countCell draws a counter: zero is muted so that what is non-zero stands
// out, in the level of the rule that judges it ("" for none: plain text).
func countCell(get func(metrics.InstanceRow) int64, rule string) cellFunc {
	return func(r metrics.InstanceRow) cell {
		switch n := get(r); {
		case n == 0:
			return cell{text: "0", tone: toneMuted}
		case rule == "":
			return cell{text: fmtCount(n)}
		default:
			return ruleCell(r, rule, fmtCount(n))
		}
	}
}

func seenCell(r metrics.InstanceRow) cell {
	if r.Left {
		return cell{text: "left", tone: toneMuted}
	}
	c := ruleCell(r, "silent", fmtAge(r.LastSeenMs))
	if c.tone == toneText {
		c.tone = toneMuted // a fresh age is no news
	}
	return c
}

// stateCell is the instance's level with its hold: "CRIT↘ 4s" while the
// rule that holds it is clearing, "?" muted while the observer is blind.
func stateCell(r metrics.InstanceRow) cell {
	switch {
	case r.Left && r.State == metrics.OK:
		return cell{text: "LEFT", tone: toneMuted}
	case r.Status.Unknown:
		return cell{text: "?", tone: toneMuted}
	}
	return cell{text: report.StateLabel(r.State, r.Status), tone: levelTone(r.State)}
}

// levelLabel is a level's text, so levels read without colour too.
func levelLabel(l metrics.Level) string { return report.StateLabel(l, metrics.Judgement{}) }

func align(s string, w int, left bool) string {
	if left {
		return fit(s, w)
	}
	return fitLeft(s, w)
}

// rowView draws one instance row, rendering each run of cells of the same
// tone with one Render call.
func rowView(st *themes.Styles, r metrics.InstanceRow, selected bool, cols []column, idw, w int) string {
	marker := "  "
	if selected {
		marker = "▸ "
	}
	var b strings.Builder
	cur, run := toneText, marker+fit(r.ID, idw)
	flush := func() {
		style := toneStyle(st, cur)
		if selected {
			style = style.Inherit(st.Selected)
		}
		b.WriteString(style.Render(run))
	}
	add := func(t tone, text string) {
		if t != cur {
			flush()
			cur, run = t, ""
		}
		run += text
	}
	for _, c := range cols {
		v := c.cell(r)
		v.text += v.mark
		text := align(v.text, c.width, c.left)
		if selected || v.tone == toneText || v.tone == toneMuted {
			add(v.tone, " "+text)
			continue
		}
		// Level tones may underline or reverse (mono): keep them off the
		// padding, so only the value is marked.
		core := strings.TrimSpace(text)
		lead := strings.Index(text, core)
		add(toneText, " "+text[:lead])
		add(v.tone, core)
		add(toneText, text[lead+len(core):])
	}
	run += strings.Repeat(" ", max(w-lipgloss.Width(b.String())-lipgloss.Width(run), 0))
	flush()
	return b.String()
}
