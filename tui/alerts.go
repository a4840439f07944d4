package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/themes"
)

// alertsPanel is the active alerts and the recent changes: a summary
// beside the chart, and, focused (`a` or tab), every alert whole with its
// since-time and threshold, scrolled by its own position.
type alertsPanel struct{ scroll scroller }

// summaryTitle is the title over the summary, naming the key that shows
// everything whole.
func (p alertsPanel) summaryTitle(s *metrics.Snapshot, st *themes.Styles, w int) string {
	left := st.Title.Render("Alerts")
	if n := len(s.Alerts); n == 0 {
		left += st.OK.Render(" none active")
	} else {
		left += " " + st.Level(worstLevel(s.Alerts)).Render(fmt.Sprintf("%d active", n))
	}
	if n := heldCount(s.Alerts); n > 0 {
		left += st.Muted.Render(fmt.Sprintf(" · %d held", n))
	}
	right := ""
	if len(s.Alerts)+len(s.History) > 0 {
		right = st.Muted.Render("a: all")
	}
	return titleLine(st, left, right, w)
}

// heldCount is the alerts held while the observer is blind: levels kept,
// not verdicts on the present.
func heldCount(as []metrics.Alert) int {
	n := 0
	for _, a := range as {
		if a.Unknown {
			n++
		}
	}
	return n
}

func worstLevel(as []metrics.Alert) metrics.Level {
	worst := metrics.OK
	for _, a := range as {
		if a.Level > worst {
			worst = a.Level
		}
	}
	return worst
}

// summary lists the active alerts (worst first, as the snapshot orders
// them), then the recent changes, newest first, in h lines. An alert takes
// two lines (the message under it) when there is room.
func (p alertsPanel) summary(s *metrics.Snapshot, st *themes.Styles, w, h int) string {
	var lines []string
	if len(s.Alerts) == 0 {
		lines = append(lines, st.OK.Render("✓ all clear"))
	}
	histH := 0
	if len(s.History) > 0 {
		histH = min(len(s.History), 3) + 1
	}
	room := max(h-histH, 1)
	twoLine := 2*len(s.Alerts) <= room
	for i, a := range s.Alerts {
		if len(lines) >= room-1 && i < len(s.Alerts)-1 {
			lines = append(lines, st.Muted.Render(fmt.Sprintf("… %d more (a)", len(s.Alerts)-i)))
			break
		}
		lines = append(lines, alertLines(s, st, a, w, twoLine)...)
	}
	if len(s.History) > 0 && len(lines) < h-1 {
		lines = append(lines, st.Muted.Render(clip("recent changes", w)))
		for _, c := range s.History {
			if len(lines) == h {
				break
			}
			lines = append(lines, clip(changeLine(st, c, true, nil), w))
		}
	}
	return strings.Join(lines, "\n")
}

// alertLabel is an alert's level as drawn: "CRIT", "CRIT↘ 4s" while it
// clears, muted "held CRIT" while the observer is blind.
func alertLabel(st *themes.Styles, a metrics.Alert) string {
	style := st.Level(a.Level)
	if a.Unknown {
		style = st.Muted
	}
	return style.Render(report.AlertLabel(a))
}

func alertWho(a metrics.Alert) string {
	if a.Instance != "" {
		return a.Instance + " " + a.Rule
	}
	return a.Rule
}

// alertLines draws "CRIT  2m14s bot-3 self_received" and the message, on
// the same line or indented under it, clipped to the summary's width.
func alertLines(s *metrics.Snapshot, st *themes.Styles, a metrics.Alert, w int, twoLine bool) []string {
	label, since := alertLabel(st, a), fmtSpan(s.At.Sub(a.Since))
	// "CRIT  2m14s", "WARN    31s": the since-times end in one column
	// unless a wider label ("CRIT↘ 4s") pushes one on.
	pad := strings.Repeat(" ", max(1, 11-lipgloss.Width(label)-len(since)))
	head := label + st.Text.Render(pad+since+" "+alertWho(a))
	switch {
	case a.Message == "":
		return []string{clip(head, w)}
	case twoLine:
		return []string{clip(head, w), clip(st.Muted.Render("            "+a.Message), w)}
	}
	return []string{clip(head+st.Muted.Render(": ")+st.Text.Render(a.Message), w)}
}

// changeLine draws one state change, "14:02:11 WARN→CRIT bot-3 p99", or an
// event of the record, "14:02:11 forgotten bot-3: forgotten by the user".
// The instance is left out in the detail view, where it is implied; rules
// (nil: none) format the value in the rule's unit.
func changeLine(st *themes.Styles, c metrics.AlertChange, withInstance bool, rules map[string]metrics.Rule) string {
	who := c.Rule
	switch {
	case !withInstance || c.Instance == "":
	case c.Note != "": // an event reads as a verb: "forgotten bot-3"
		who = c.Rule + " " + c.Instance
	default:
		who = c.Instance + " " + c.Rule
	}
	at := st.Muted.Render(c.At.Format("15:04:05")) + " "
	if c.Note != "" {
		return at + st.Text.Render(who) + st.Muted.Render(": "+c.Note)
	}
	line := at + st.Level(c.From).Render(levelLabel(c.From)) + st.Muted.Render("→") +
		st.Level(c.To).Render(levelLabel(c.To)) + " " + st.Text.Render(who)
	if r, ok := rules[c.Rule]; ok && metrics.Finite(c.Value) {
		line += st.Muted.Render(" at " + r.Format(c.Value))
	}
	return line
}

// rulesByName is the snapshot's rules, to format values in their units.
func rulesByName(t metrics.Thresholds) map[string]metrics.Rule {
	out := map[string]metrics.Rule{}
	for _, r := range t.Rules() {
		out[r.Name] = r
	}
	return out
}

// title is the focused panel's title: counts, and whether the observer's
// blindness holds them.
func (p alertsPanel) title(s *metrics.Snapshot, st *themes.Styles) string {
	left := st.Title.Render("Alerts") + " "
	if n := len(s.Alerts); n == 0 {
		left += st.OK.Render("none active")
	} else {
		left += st.Level(worstLevel(s.Alerts)).Render(fmt.Sprintf("%d active", n))
	}
	if s.Blind != "" {
		left += st.Muted.Render(" · ") + st.Warn.Render("held: "+s.Blind)
	}
	return left
}

// lines is the focused panel's content at width w: every alert whole
// (label and who, then since-time, threshold and hold, then the message,
// wrapped), then every recent change.
func (p alertsPanel) lines(s *metrics.Snapshot, st *themes.Styles, w int) []string {
	var out []string
	const indent = 2
	if len(s.Alerts) == 0 {
		out = append(out, st.OK.Render("✓ no alert is active"))
	}
	for _, a := range s.Alerts {
		label := alertLabel(st, a)
		out = append(out, hanging(label+" ", lipgloss.Width(label)+1, alertWho(a), w, st.Bold)...)
		facts := fmt.Sprintf("since %s (%s) · threshold %s", a.Since.Format("15:04:05"),
			fmtSpan(s.At.Sub(a.Since)), report.OrDash(a.Condition))
		switch {
		case a.Unknown:
			facts += " · held while the observer is blind, not judged"
		case a.Clearing:
			facts += " · back inside it, clears in " + report.ClearsIn(a.ClearsInMs)
		}
		out = append(out, hanging("", indent, facts, w, st.Muted)...)
		if a.Message != "" {
			out = append(out, hanging("", indent, a.Message, w, st.Text)...)
		}
	}
	out = append(out, "", st.Title.Render(fmt.Sprintf("Recent changes (%d)", len(s.History))))
	if len(s.History) == 0 {
		out = append(out, st.Muted.Render("none"))
	}
	rules := rulesByName(s.Thresholds)
	for _, c := range s.History {
		out = append(out, wrapStyled(changeLine(st, c, true, rules), w, indent)...)
	}
	return out
}

func (p alertsPanel) view(s *metrics.Snapshot, st *themes.Styles, w, h int) string {
	return pager(st, p.title(s, st), p.lines(s, st, w), p.scroll, w, h)
}

// wrapStyled wraps an already styled line, indenting what follows the
// first piece.
func wrapStyled(line string, w, indent int) []string {
	if lipgloss.Width(line) <= w {
		return []string{line}
	}
	pieces := wrap(line, w-indent)
	for i := 1; i < len(pieces); i++ {
		pieces[i] = strings.Repeat(" ", indent) + pieces[i]
	}
	return pieces
}

// notesPanel is the header's notes and info, whole (`n`): troubles to act
// on drawn as warnings, facts drawn muted.
type notesPanel struct{ scroll scroller }

func (p notesPanel) lines(s *metrics.Snapshot, st *themes.Styles, w int) []string {
	var out []string
	section := func(title string, items []string, style lipgloss.Style) {
		out = append(out, st.Title.Render(fmt.Sprintf("%s (%d)", title, len(items))))
		if len(items) == 0 {
			out = append(out, st.Muted.Render("  none"))
		}
		for _, it := range items {
			out = append(out, hanging(style.Render("• "), 2, it, w, style)...)
		}
	}
	section("Notes: troubles to act on", s.Notes, st.Warn)
	out = append(out, "")
	section("Info: facts, no action needed", s.Info, st.Muted)
	return out
}

func (p notesPanel) view(s *metrics.Snapshot, st *themes.Styles, w, h int) string {
	return pager(st, st.Title.Render("Notes and info"), p.lines(s, st, w), p.scroll, w, h)
}
