package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/bridgescope/bridgescope/themes"
)

// onKey routes a key: to the filter input while it has focus, to the
// pending y/n question, then to the keys every screen shares, then to the
// screen's own.
func (m Model) onKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case m.table.filter.focused():
		return m.onFilterKey(k)
	case m.replay.goTo.Focused():
		return m.onGoToKey(k)
	case k.Type == tea.KeyRunes && len(k.Runes) > 1 && !k.Paste:
		return m.onKeys(k)
	case m.confirmReset:
		return m.onConfirmKey(k)
	}
	if nm, cmd, ok := m.onGlobalKey(k); ok {
		return nm, cmd
	}
	switch m.screen {
	case screenMain, screenDetail:
		return m.onTableKey(k)
	case screenMatrix:
		return m.onMatrixKey(k)
	}
	return m.onScrollKey(k)
}

// onKeys handles several runes read at once (fast typing, or an SSH link
// that batches keystrokes) as one key each, in order: "jj" moves twice,
// and "/bot" opens the filter and types "bot".
func (m Model) onKeys(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	for _, r := range k.Runes {
		nm, cmd := m.onKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: k.Alt})
		m = nm.(Model)
		cmds = append(cmds, cmd)
	}
	return m, tea.Sequence(cmds...)
}

// onGlobalKey handles the keys that mean the same on every screen; ok is
// false for any other key.
func (m Model) onGlobalKey(k tea.KeyMsg) (tea.Model, tea.Cmd, bool) {
	switch {
	case key.Matches(k, m.keys.Quit):
		return m, tea.Quit, true
	case key.Matches(k, m.keys.Help):
		return m.toggle(screenHelp).redraw(), nil, true
	case key.Matches(k, m.keys.Alerts):
		return m.toggle(screenAlerts).redraw(), nil, true
	case key.Matches(k, m.keys.Notes):
		return m.toggle(screenNotes).redraw(), nil, true
	case key.Matches(k, m.keys.Matrix):
		return m.toggle(screenMatrix).redraw(), nil, true
	case key.Matches(k, m.keys.Back) && m.screen != screenMain:
		return m.onBack().redraw(), nil, true
	case key.Matches(k, m.keys.Theme):
		return m.nextTheme().redraw(), nil, true
	case key.Matches(k, m.keys.Snapshot):
		nm, cmd := m.startSnapshot()
		return nm, cmd, true
	}
	if nm, cmd, ok := m.onReplayKey(k); ok {
		return nm, cmd, true
	}
	if nm, ok := m.disabledControl(k); ok {
		return nm, nil, true
	}
	return m.onControlKey(k)
}

// toggle opens an overlay screen (alerts, notes, help) from where the user
// is, or closes it when it is already open. Each opens at its top.
func (m Model) toggle(to screen) Model {
	if m.screen == to {
		return m.onBack()
	}
	if m.screen == screenMain || m.screen == screenDetail {
		m.back = m.screen
	}
	m.screen = to
	switch to {
	case screenAlerts:
		m.alerts.scroll = scroller{}
	case screenNotes:
		m.notes.scroll = scroller{}
	case screenHelp:
		m.help.scroll = scroller{}
	}
	return m
}

// onBack is esc: an overlay returns to the screen it was opened from, the
// detail view to the table, and the table clears its filter.
func (m Model) onBack() Model {
	switch m.screen {
	case screenAlerts, screenNotes, screenHelp, screenMatrix:
		m.screen = m.back
	case screenDetail:
		m.screen = screenMain
	default:
		if m.table.filter.value() != "" {
			m.table = m.table.clearFilter().refresh(m.snap)
			m = m.relayout()
		}
	}
	return m
}

func (m Model) nextTheme() Model {
	pal, err := themes.Lookup(themes.Next(m.header.theme))
	if err != nil {
		return m.say(err.Error(), true)
	}
	return m.withTheme(pal).say("theme "+pal.Name, false)
}

// onTableKey handles the table's keys, on the main screen and in the
// detail view (which shows the table's selection).
func (m Model) onTableKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if delta, ok := m.navDelta(k, m.table.height, len(m.table.rows)); ok {
		m.table = m.table.move(delta)
		return m.redraw(), nil
	}
	switch {
	case key.Matches(k, m.keys.Forget):
		return m.startForget()
	case key.Matches(k, m.keys.Back):
		return m.onBack().redraw(), nil
	case m.screen != screenMain:
		return m, nil
	case key.Matches(k, m.keys.Detail):
		if m.table.sel != "" {
			m.screen = screenDetail
		}
	case key.Matches(k, m.keys.Chart):
		m.chart.one = !m.chart.one
	case key.Matches(k, m.keys.Sort):
		m.table = m.table.nextSort()
	case key.Matches(k, m.keys.Filter):
		return m.startFilter()
	default:
		return m, nil
	}
	return m.redraw(), nil
}

// onMatrixKey moves the matrix's cursor: arrows by a cell, pages by a
// screen of rows, enter to the next worst pair.
func (m Model) onMatrixKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.snap == nil {
		return m, nil
	}
	g := gridOf(m.snap)
	m.matrix = m.matrix.settle(g) // where the screen shows it
	page := max(m.bodyHeight()/2, 1)
	switch {
	case key.Matches(k, m.keys.NextWorst):
		m.matrix = m.matrix.nextWorst(g)
	case key.Matches(k, m.keys.Left):
		m.matrix = m.matrix.move(g, 0, -1)
	case key.Matches(k, m.keys.Right):
		m.matrix = m.matrix.move(g, 0, 1)
	default:
		delta, ok := m.navDelta(k, page, len(g.senders))
		if !ok {
			return m, nil
		}
		m.matrix = m.matrix.move(g, delta, 0)
	}
	return m.redraw(), nil
}

// onScrollKey scrolls the overlay in focus.
func (m Model) onScrollKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	visible := m.bodyHeight() - 1 // under the panel's title
	total := m.overlayLines()
	delta, ok := m.navDelta(k, visible, total)
	if !ok {
		return m, nil
	}
	switch m.screen {
	case screenAlerts:
		m.alerts.scroll = m.alerts.scroll.by(delta, total, visible)
	case screenNotes:
		m.notes.scroll = m.notes.scroll.by(delta, total, visible)
	case screenHelp:
		m.help.scroll = m.help.scroll.by(delta, total, visible)
	}
	return m.redraw(), nil
}

// overlayLines is how many lines the overlay in focus has at this width.
func (m Model) overlayLines() int {
	if m.snap == nil && m.screen != screenHelp {
		return 0 // the waiting view: nothing to scroll yet
	}
	switch m.screen {
	case screenAlerts:
		return len(m.alerts.lines(m.snap, m.styles, m.width))
	case screenNotes:
		return len(m.notes.lines(m.snap, m.styles, m.width))
	case screenHelp:
		return len(m.help.lines(m.keys, m.snap, m.styles, m.width))
	}
	return 0
}

// navDelta turns a movement key into a step over n items of which page
// are visible at once; ok is false for any other key.
func (m Model) navDelta(k tea.KeyMsg, page, n int) (int, bool) {
	page = max(page-1, 1)
	switch {
	case key.Matches(k, m.keys.Up):
		return -1, true
	case key.Matches(k, m.keys.Down):
		return 1, true
	case key.Matches(k, m.keys.PageUp):
		return -page, true
	case key.Matches(k, m.keys.PageDown):
		return page, true
	case key.Matches(k, m.keys.Home):
		return -n, true
	case key.Matches(k, m.keys.End):
		return n, true
	}
	return 0, false
}
