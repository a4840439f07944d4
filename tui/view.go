package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

const footerHeight = 1

// render draws the whole frame for the model's size. Every line is at
// most width cells and there are at most height lines, whatever the data.
func (m Model) render() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	bodyH := m.bodyHeight()
	hdr := m.header
	if m.cfg.Replay != nil {
		hdr.replay = m.replayLine(m.styles)
	}
	frame := hdr.view(m.snap, m.styles, w) + "\n" + block(m.body(w, bodyH), w, bodyH) + "\n" + m.footerView(w)
	return clampFrame(frame, w, h)
}

func (m Model) bodyHeight() int { return m.height - headerHeight - footerHeight }

// body is the screen in focus, each drawn by its panel.
func (m Model) body(w, h int) string {
	st := m.styles
	switch {
	case m.screen == screenHelp:
		return m.help.view(m.keys, m.snap, st, w, h)
	case m.snap == nil:
		return m.waitingView(w, h)
	}
	switch m.screen {
	case screenDetail:
		return m.detail.view(m.snap, st, m.selected(), m.table.sel, w, h)
	case screenAlerts:
		return m.alerts.view(m.snap, st, w, h)
	case screenNotes:
		return m.notes.view(m.snap, st, w, h)
	case screenMatrix:
		return m.matrix.view(m.snap, st, w, h)
	}
	return m.mainView(w, h)
}

// clampFrame is the last guard of the 80×24 promise: it cuts any line
// wider than w and any line past h.
func clampFrame(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n")
}

func (m Model) waitingView(w, h int) string {
	msg := "waiting for the observer…"
	if m.header.closed {
		msg = "the observer stopped before its first snapshot"
	}
	lines := make([]string, h/2)
	lines = append(lines, lipgloss.PlaceHorizontal(w, lipgloss.Center, m.styles.Muted.Render(msg)))
	return strings.Join(lines, "\n")
}

// footerView is the filter input while filtering, else the pending
// question, else a transient message, else the short help.
func (m Model) footerView(w int) string {
	st := m.styles
	switch {
	case m.table.filter.focused():
		return clip(m.table.filter.view(w)+st.Muted.Render("  enter keeps · esc clears"), w)
	case m.replay.goTo.Focused():
		m.replay.goTo.Width = clamp(w-len(m.replay.goTo.Prompt)-24, 1, 40)
		return clip(m.replay.goTo.View()+st.Muted.Render("  enter goes · esc cancels"), w)
	case m.confirmReset:
		return st.Warn.Render(clip("reset windows and alerts? y/n", w))
	case m.status.text != "":
		style := st.Status
		if m.status.err {
			style = st.Error
		}
		return style.Render(clip(m.status.text, w))
	}
	return m.help.short(m.keys, m.screen, w)
}
