package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

const (
	footerHeight = 1
	minBottom    = 6 // chart/alerts content lines, at least
	maxBottom    = 16
)

// render draws the whole frame for the model's size. Every line is at
// most width cells and there are at most height lines, whatever the data.
func (m Model) render() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	bodyH := h - headerHeight - footerHeight
	var body string
	switch {
	case m.snap == nil:
		body = m.waitingView(w, bodyH)
	case m.detail:
		body = m.withHelp(w, bodyH, m.detailView)
	default:
		body = m.mainView(w, bodyH)
	}
	frame := m.headerView(w) + "\n" + block(body, w, bodyH) + "\n" + m.footerView(w)
	return clampFrame(frame, w, h)
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
	st := m.styles
	msg := "waiting for the observer…"
	if m.closed {
		msg = "the observer stopped before its first snapshot"
	}
	lines := make([]string, h/2)
	lines = append(lines, lipgloss.PlaceHorizontal(w, lipgloss.Center, st.Muted.Render(msg)))
	return strings.Join(lines, "\n")
}

// tableHeight is the number of instance rows the main view shows.
func (m Model) tableHeight() int {
	return m.mainLayout().rows
}

// layout is how the main view splits the body: instance rows, the raw
// lane's line under them, the shards block, and the bottom panels' content
// (chart and alerts, or full help).
type layout struct {
	rows, baseline, shards, bottom int
}

// minChart is the least the bottom panels keep when the shards block takes
// lines from them: a legend and a three-line plot.
const minChart = 4

// minTableRows is the least the instance rows keep to the shards block.
const minTableRows = 5

// mainLayout splits the body between table rows and the bottom panels'
// content. Few instances leave the rest to the chart; many take what the
// chart does not need. The shards block takes its lines from the chart,
// then from the table, never leaving either less than its minimum.
func (m Model) mainLayout() layout {
	var l layout
	if m.snap != nil && m.snap.Baseline != nil {
		l.baseline = 1
	}
	avail := m.height - headerHeight - footerHeight - 3 - l.baseline // 2 titles + table header
	if avail < 4 {
		l.rows = max(avail, 1)
		return l
	}
	l.bottom = clamp(avail*2/5, min(minBottom, avail-1), maxBottom)
	l.rows = avail - l.bottom
	if n := max(len(m.table.rows), 1); n < l.rows {
		l.rows = n
	}
	l.bottom = avail - l.rows
	if want := m.shardsWanted(); want > 0 {
		fromChart := max(l.bottom-minChart, 0)
		fromTable := max(l.rows-min(minTableRows, len(m.table.rows)), 0)
		l.shards = min(want, fromChart+fromTable)
		if l.shards < 2 { // a title alone says nothing
			l.shards = 0
		}
		take := min(l.shards, fromChart)
		l.bottom -= take
		l.rows -= l.shards - take
	}
	return l
}

func (m Model) mainView(w, h int) string {
	l := m.mainLayout()
	table := m.tableTitle(w) + "\n" + block(m.tableView(w, l.rows), w, l.rows+1)
	if l.baseline > 0 {
		table += "\n" + m.baselineLine(w)
	}
	if l.shards > 0 {
		table += "\n" + block(m.shardsView(w, l.shards), w, l.shards)
	}
	if l.bottom == 0 {
		return table
	}
	if m.help.ShowAll {
		return table + "\n" + m.helpPanel(w, l.bottom)
	}
	alertW := clamp(w*2/5, 30, 60)
	chartW := w - alertW - 1
	title := m.chartTitle(chartW) + " " + m.alertsTitle(alertW)
	panels := lipgloss.JoinHorizontal(lipgloss.Top,
		block(m.chartView(chartW, l.bottom), chartW, l.bottom), " ",
		block(m.alertsView(alertW, l.bottom), alertW, l.bottom))
	return table + "\n" + title + "\n" + panels
}

// withHelp gives the full help the bottom of a view when `?` is on.
func (m Model) withHelp(w, h int, view func(w, h int) string) string {
	if !m.help.ShowAll {
		return view(w, h)
	}
	hh := min(8, h/2)
	return block(view(w, h-hh), w, h-hh) + "\n" + m.helpPanel(w, hh-1)
}

// helpPanel is the full key help under a title line, h lines below it.
func (m Model) helpPanel(w, h int) string {
	st := m.styles
	title := titleLine(st, st.Title.Render("Keys"), st.Muted.Render("? or esc closes"), w)
	hm := m.help
	hm.Width = w
	return title + "\n" + block(hm.FullHelpView(m.keys.FullHelp()), w, h)
}

// footerView is the filter input while filtering, else a transient
// message, else the short help.
func (m Model) footerView(w int) string {
	st := m.styles
	switch {
	case m.filter.focused():
		return clip(m.filter.view(w)+st.Muted.Render("  enter keeps · esc clears"), w)
	case m.status.text != "":
		style := st.Status
		if m.status.err {
			style = st.Error
		}
		return style.Render(clip(m.status.text, w))
	}
	hm := m.help
	hm.Width = w
	return hm.ShortHelpView(m.keys.ShortHelp())
}
