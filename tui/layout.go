package tui

import "github.com/charmbracelet/lipgloss"

const (
	minBottom = 6 // chart/alerts content lines, at least
	maxBottom = 16
	// minChart is the least the bottom panels keep when the shards block
	// takes lines from them: a legend and a three-line plot.
	minChart = 4
	// minTableRows is the least the instance rows keep to the shards block.
	minTableRows = 5
)

// layout is how the main view splits the body: instance rows, the raw
// lane's line under them, the shards block, and the bottom panels'
// content (chart and alerts).
type layout struct {
	rows, baseline, shards, bottom int
}

// tableHeight is the number of instance rows the main view shows.
func (m Model) tableHeight() int { return m.mainLayout().rows }

// mainLayout splits the body, asking each panel only for the lines it
// wants: few instances leave the rest to the chart; many take what the
// chart does not need. The shards block takes its lines from the chart,
// then from the table, never leaving either less than its minimum.
func (m Model) mainLayout() layout {
	var l layout
	if m.snap != nil && m.snap.Baseline != nil {
		l.baseline = 1
	}
	avail := m.bodyHeight() - 3 - l.baseline // 2 titles + table header
	if avail < 4 {
		l.rows = max(avail, 1)
		return l
	}
	l.bottom = clamp(avail*2/5, min(minBottom, avail-1), maxBottom)
	l.rows = min(avail-l.bottom, m.table.want())
	l.bottom = avail - l.rows
	if want := m.shards.want(m.snap, m.height); want > 0 {
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

// mainView is the table (with the raw lane and shards under it) over the
// chart and the alerts summary, side by side.
func (m Model) mainView(w, h int) string {
	st, s, l := m.styles, m.snap, m.mainLayout()
	cols, idw := m.table.columns(w)
	out := m.table.title(s, st, w) + "\n" + block(m.table.view(st, w, l.rows), w, l.rows+1)
	if l.baseline > 0 {
		out += "\n" + baselineLine(s.Baseline, st, cols, idw, w)
	}
	if l.shards > 0 {
		out += "\n" + block(m.shards.view(s, st, w, l.shards), w, l.shards)
	}
	if l.bottom == 0 {
		return out
	}
	sel := m.selected()
	alertW := clamp(w*2/5, 30, 60)
	chartW := w - alertW - 1
	title := m.chart.title(s, st, sel, chartW) + " " + m.alerts.summaryTitle(s, st, alertW)
	panels := lipgloss.JoinHorizontal(lipgloss.Top,
		block(m.chart.view(s, st, sel, chartW, l.bottom), chartW, l.bottom), " ",
		block(m.alerts.summary(s, st, alertW, l.bottom), alertW, l.bottom))
	return out + "\n" + title + "\n" + panels
}
