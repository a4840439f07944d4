package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/themes"
)

type sortKey int

const (
	sortState sortKey = iota // worst first, then ID
	sortID
	sortDelivery // lowest 10 s delivery first
	sortP99      // highest 10 s p99 first
	numSortKeys
)

func (k sortKey) String() string {
	return [...]string{"state", "id", "delivery", "p99"}[k]
}

func (k sortKey) next() sortKey { return (k + 1) % numSortKeys }

// tableState is the instances table's own state. The selection is an
// instance ID, so it follows the instance across refreshes and re-sorts.
type tableState struct {
	sort   sortKey
	rows   []metrics.InstanceRow // filtered and sorted, as drawn
	sel    string
	selIdx int
	offset int
}

// refreshRows recomputes the visible rows and re-finds the selection.
func (m Model) refreshRows() Model {
	t := m.table
	t.rows = t.rows[:0:0]
	if m.snap != nil {
		for _, in := range m.snap.Instances {
			if m.filter.matches(in) {
				t.rows = append(t.rows, in)
			}
		}
	}
	sortRows(t.rows, t.sort)
	idx := -1
	for i, r := range t.rows {
		if r.ID == t.sel {
			idx = i
			break
		}
	}
	if idx < 0 && len(t.rows) > 0 {
		// The selected instance is gone or filtered out: stay at the same
		// place in the list.
		idx = clamp(t.selIdx, 0, len(t.rows)-1)
		t.sel = t.rows[idx].ID
	}
	t.selIdx = max(idx, 0)
	m.table = t
	m.table.offset = scrollOffset(t.offset, t.selIdx, m.tableHeight(), len(t.rows))
	return m
}

func sortRows(rows []metrics.InstanceRow, k sortKey) {
	less := func(a, b metrics.InstanceRow) (bool, bool) { // (less, decided)
		switch k {
		case sortState:
			return a.State > b.State, a.State != b.State
		case sortDelivery:
			da, db := orHigh(a.Delivery10s), orHigh(b.Delivery10s)
			return da < db, da != db
		case sortP99:
			pa, pb := orLow(a.RTT10s.P99), orLow(b.RTT10s.P99)
			return pa > pb, pa != pb
		}
		return false, false
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if l, ok := less(rows[i], rows[j]); ok {
			return l
		}
		return rows[i].ID < rows[j].ID
	})
}

// orHigh and orLow sort missing values after real ones.
func orHigh(v float64) float64 {
	if !metrics.Finite(v) {
		return 1e18
	}
	return v
}

func orLow(v float64) float64 {
	if !metrics.Finite(v) {
		return -1
	}
	return v
}

// scrollOffset keeps the selected row inside the visible window.
func scrollOffset(offset, sel, visible, n int) int {
	if visible <= 0 || n <= visible {
		return 0
	}
	if sel < offset {
		offset = sel
	}
	if sel >= offset+visible {
		offset = sel - visible + 1
	}
	return clamp(offset, 0, n-visible)
}

// onNavKey moves the selection; ok is false for any other key.
func (m Model) onNavKey(k tea.KeyMsg) (Model, bool) {
	page := max(m.tableHeight()-1, 1)
	delta := 0
	switch {
	case key.Matches(k, m.keys.Up):
		delta = -1
	case key.Matches(k, m.keys.Down):
		delta = 1
	case key.Matches(k, m.keys.PageUp):
		delta = -page
	case key.Matches(k, m.keys.PageDown):
		delta = page
	case key.Matches(k, m.keys.Home):
		delta = -len(m.table.rows)
	case key.Matches(k, m.keys.End):
		delta = len(m.table.rows)
	case key.Matches(k, m.keys.Detail):
		m.detail = m.table.sel != ""
		return m, true
	default:
		return m, false
	}
	if len(m.table.rows) == 0 {
		return m, true
	}
	t := m.table
	t.selIdx = clamp(t.selIdx+delta, 0, len(t.rows)-1)
	t.sel = t.rows[t.selIdx].ID
	t.offset = scrollOffset(t.offset, t.selIdx, m.tableHeight(), len(t.rows))
	m.table = t
	return m, true
}

// column is one table column: its title, width, alignment and cell.
type column struct {
	title string
	width int
	left  bool
	cell  cellFunc
}

// columns returns the columns that fit w cells and the ID column's width,
// at most longest (the widest ID). At 80 cells MAX is dropped (the detail
// view has it); wider terminals get every column and a wider ID.
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

func (m Model) tableTitle(w int) string {
	st := m.styles
	_, warn, crit := levelCounts(m.table.rows)
	total := 0
	if m.snap != nil {
		total = len(m.snap.Instances)
	}
	left := st.Title.Render(fmt.Sprintf("Instances %d", total))
	if crit+warn > 0 {
		left += st.Muted.Render(" · ") + st.Crit.Render(fmt.Sprintf("%d crit", crit)) + st.Muted.Render(" · ") +
			st.Warn.Render(fmt.Sprintf("%d warn", warn))
	}
	left += st.Muted.Render("  sort: ") + st.Text.Render(m.table.sort.String())
	if f := m.filter.value(); f != "" {
		left += st.Muted.Render("  filter: ") + st.Accent.Render(f) +
			st.Muted.Render(fmt.Sprintf(" · %d match", len(m.table.rows)))
	}
	right := ""
	if n, vis := len(m.table.rows), m.tableHeight(); n > vis {
		right = st.Muted.Render(fmt.Sprintf("%d–%d of %d", m.table.offset+1, m.table.offset+vis, n))
	}
	return titleLine(st, left, right, w)
}

// titleLine draws "left ───── right" across w cells.
func titleLine(st *themes.Styles, left, right string, w int) string {
	left = clip(left, w)
	gap := w - lipgloss.Width(left) - lipgloss.Width(right) - 2
	if right == "" || gap < 1 {
		gap = w - lipgloss.Width(left) - 1
		right = ""
	}
	if gap < 0 {
		return left
	}
	line := left + " " + st.Border.Render(strings.Repeat("─", gap))
	if right != "" {
		line += " " + right
	}
	return line
}

// tableView draws the header row and up to h instance rows.
func (m Model) tableView(w, h int) string {
	st := m.styles
	cols, idw := m.tableColumns(w)
	var b strings.Builder
	hdr := "  " + fit("ID", idw)
	for _, c := range cols {
		hdr += " " + align(c.title, c.width, c.left)
	}
	b.WriteString(st.TableHeader.Render(fit(hdr, w)))
	if len(m.table.rows) == 0 {
		msg := "no instances reported yet (agents send stats every second)"
		if m.filter.value() != "" {
			msg = "no instance matches the filter (esc clears it)"
		}
		b.WriteString("\n" + st.Muted.Render(clip("  "+msg, w)))
		return b.String()
	}
	end := min(m.table.offset+h, len(m.table.rows))
	for i := m.table.offset; i < end; i++ {
		b.WriteString("\n")
		b.WriteString(m.rowView(m.table.rows[i], i == m.table.selIdx, cols, idw, w))
	}
	return b.String()
}

func align(s string, w int, left bool) string {
	if left {
		return fit(s, w)
	}
	return fitLeft(s, w)
}

// rowView draws one instance row, rendering each run of cells of the same
// tone with one Render call.
func (m Model) rowView(r metrics.InstanceRow, selected bool, cols []column, idw, w int) string {
	st := m.styles
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
		text, t := c.cell(r)
		cell := align(text, c.width, c.left)
		if selected || t == toneText || t == toneMuted {
			add(t, " "+cell)
			continue
		}
		// Level tones may underline or reverse (mono): keep them off the
		// padding, so only the value is marked.
		core := strings.TrimSpace(cell)
		lead := strings.Index(cell, core)
		add(toneText, " "+cell[:lead])
		add(t, core)
		add(toneText, cell[lead+len(core):])
	}
	run += strings.Repeat(" ", max(w-lipgloss.Width(b.String())-lipgloss.Width(run), 0))
	flush()
	return b.String()
}
