package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
)

// headerHeight is the header's fixed height in lines.
const headerHeight = 2

// headerView draws two lines: who and where (bar), then how things are
// (connection, probes, transport, notes).
func (m Model) headerView(w int) string {
	return m.headerBar(w) + "\n" + m.headerState(w)
}

func (m Model) headerBar(w int) string {
	st := m.styles
	s := m.snap
	right := " theme " + m.theme + " "
	if s == nil {
		left := " bridgescope "
		return st.Header.Render(fit(left, w-lipgloss.Width(right)) + right)
	}
	obs := "observer " + clip(s.Observer, 20)
	up := "up " + fmtSpan(s.At.Sub(s.Started))
	fixed := fmt.Sprintf(" bridgescope  %s  %s  %s", "", obs, up)
	// The Redis address is what on-call needs most: the observer ID gives
	// way first, then the theme name, before the address is clipped.
	if extra := lipgloss.Width(fixed) + lipgloss.Width(s.Redis) + lipgloss.Width(right) - w; extra > 0 {
		obs = "observer " + clip(s.Observer, max(8, lipgloss.Width(s.Observer)-extra))
		fixed = fmt.Sprintf(" bridgescope  %s  %s  %s", "", obs, up)
	}
	if lipgloss.Width(fixed)+lipgloss.Width(s.Redis)+lipgloss.Width(right) > w {
		right = ""
	}
	redis := clip(s.Redis, w-lipgloss.Width(fixed)-lipgloss.Width(right))
	left := fmt.Sprintf(" bridgescope  %s  %s  %s", redis, obs, up)
	return st.Header.Render(fit(left, w-lipgloss.Width(right)) + right)
}

// headerState is the status line: connection state and for how long,
// staleness, probe rate or PAUSED, transport, and the notes, shortest
// first so the notes are what gets cut.
func (m Model) headerState(w int) string {
	st := m.styles
	s := m.snap
	sep := st.Muted.Render(" · ")
	if s == nil {
		return st.Muted.Render(clip(" waiting for the observer…", w))
	}
	parts := []string{" " + m.connView()}
	if stale := m.staleView(); stale != "" {
		parts = append(parts, stale)
	}
	if m.paused {
		parts = append(parts, st.Paused.Render(" PAUSED ")+st.Muted.Render(" probes"))
	} else {
		parts = append(parts, st.Text.Render("probes "+fmtRate(m.rate)))
	}
	if s.Transport != "" {
		parts = append(parts, st.Muted.Render("via ")+st.Text.Render(s.Transport))
	}
	line := strings.Join(parts, sep)
	if len(s.Notes) > 0 {
		room := w - lipgloss.Width(line) - 3
		note := fmt.Sprintf("note: %s", s.Notes[0])
		if len(s.Notes) > 1 {
			note = fmt.Sprintf("%d notes: %s", len(s.Notes), strings.Join(s.Notes, "; "))
		}
		if room >= 8 {
			line += sep + st.Warn.Render(clip(note, room))
		}
	}
	return clip(line, w)
}

func (m Model) connView() string {
	st := m.styles
	s := m.snap
	if m.closed {
		return st.Crit.Render("✗ observer stopped") + st.Muted.Render(" (last state shown)")
	}
	since := fmtSpan(s.At.Sub(s.ConnSince))
	switch s.Conn {
	case "connected":
		return st.OK.Render("● connected") + st.Muted.Render(" "+since)
	case "connecting":
		return st.Warn.Render("◌ connecting") + st.Muted.Render(" "+since)
	case "":
		return st.Warn.Render("? conn unknown")
	}
	return st.Crit.Render("✗ "+s.Conn) + st.Muted.Render(" "+since)
}

// staleView warns when snapshots stopped coming although the stream is
// open: the observer itself may be stuck.
func (m Model) staleView() string {
	if m.closed || m.lastRecv.IsZero() {
		return ""
	}
	age := m.cfg.Now().Sub(m.lastRecv)
	if age < staleAfter {
		return ""
	}
	return m.styles.Warn.Render("no snapshot for " + fmtSpan(age))
}

// levelCounts counts instances per level (unknown levels as Crit).
func levelCounts(rows []metrics.InstanceRow) (ok, warn, crit int) {
	for _, r := range rows {
		switch r.State {
		case metrics.OK:
			ok++
		case metrics.Warn:
			warn++
		default:
			crit++
		}
	}
	return ok, warn, crit
}
