package tui

import (
	"fmt"
	"strings"

	"github.com/bridgescope/bridgescope/metrics"
)

func (m Model) alertsTitle(w int) string {
	st := m.styles
	n := len(m.snap.Alerts)
	left := st.Title.Render("Alerts")
	switch {
	case n == 0:
		left += st.OK.Render(" none active")
	default:
		left += " " + st.Level(worstLevel(m.snap.Alerts)).Render(fmt.Sprintf("%d active", n))
	}
	return titleLine(st, left, "", w)
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

// alertsView lists the active alerts (worst first, as the snapshot orders
// them), then the recent changes, newest first, in h lines. An alert takes
// two lines (the message under it) when there is room.
func (m Model) alertsView(w, h int) string {
	st := m.styles
	s := m.snap
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
			lines = append(lines, st.Muted.Render(fmt.Sprintf("… %d more", len(s.Alerts)-i)))
			break
		}
		lines = append(lines, m.alertLines(a, w, twoLine)...)
	}
	if len(s.History) > 0 && len(lines) < h-1 {
		lines = append(lines, st.Muted.Render(clip("recent changes", w)))
		for _, c := range s.History {
			if len(lines) == h {
				break
			}
			lines = append(lines, m.changeLine(c, w, true))
		}
	}
	return strings.Join(lines, "\n")
}

// alertLines draws "CRIT  2m14s bot-3 self-received" and the message, on
// the same line or indented under it.
func (m Model) alertLines(a metrics.Alert, w int, twoLine bool) []string {
	st := m.styles
	lvl := st.Level(a.Level).Render(fit(levelLabel(a.Level), 4))
	since := fmtSpan(m.snap.At.Sub(a.Since))
	who := a.Rule
	if a.Instance != "" {
		who = a.Instance + " " + a.Rule
	}
	head := lvl + st.Text.Render(fmt.Sprintf(" %6s %s", since, who))
	switch {
	case a.Message == "":
		return []string{clip(head, w)}
	case twoLine:
		return []string{clip(head, w), clip(st.Muted.Render("            "+a.Message), w)}
	}
	return []string{clip(head+st.Muted.Render(": ")+st.Text.Render(a.Message), w)}
}

// changeLine draws one state change: "14:02:11 WARN→CRIT bot-3 p99". The
// instance is left out in the detail view, where it is implied.
func (m Model) changeLine(c metrics.AlertChange, w int, withInstance bool) string {
	st := m.styles
	who := c.Rule
	if withInstance && c.Instance != "" {
		who = c.Instance + " " + c.Rule
	}
	line := st.Muted.Render(c.At.Format("15:04:05")) + " " +
		st.Level(c.From).Render(levelLabel(c.From)) + st.Muted.Render("→") +
		st.Level(c.To).Render(levelLabel(c.To)) + " " + st.Text.Render(who)
	return clip(line, w)
}
