package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
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

// tablePanel is the instances table: its sort, its filter, the rows as
// drawn, the selection and the scroll offset. The selection is an instance
// ID, so it follows the instance across refreshes and re-sorts.
type tablePanel struct {
	sort   sortKey
	filter filterState
	rows   []metrics.InstanceRow // filtered and sorted, as drawn
	sel    string
	selIdx int
	offset int
	height int // instance rows visible, as the layout last gave them
}

func newTable() tablePanel { return tablePanel{sort: sortState, filter: newFilter()} }

// want is the instance rows the table would show given the room: one per
// instance, and a line for "no instances" when there are none.
func (t tablePanel) want() int { return max(len(t.rows), 1) }

// refresh recomputes the visible rows from s and re-finds the selection.
func (t tablePanel) refresh(s *metrics.Snapshot) tablePanel {
	t.rows = t.rows[:0:0]
	if s != nil {
		for _, in := range s.Instances {
			if t.filter.matches(in) {
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
	return t.resize(t.height)
}

// resize sets the visible height and keeps the selection inside it.
func (t tablePanel) resize(h int) tablePanel {
	t.height = h
	t.offset = scrollOffset(t.offset, t.selIdx, h, len(t.rows))
	return t
}

// move moves the selection by delta rows.
func (t tablePanel) move(delta int) tablePanel {
	if len(t.rows) == 0 {
		return t
	}
	t.selIdx = clamp(t.selIdx+delta, 0, len(t.rows)-1)
	t.sel = t.rows[t.selIdx].ID
	return t.resize(t.height)
}

func (t tablePanel) nextSort() tablePanel {
	t.sort = t.sort.next()
	sortRows(t.rows, t.sort)
	for i, r := range t.rows {
		if r.ID == t.sel {
			t.selIdx = i
		}
	}
	return t.resize(t.height)
}

func (t tablePanel) clearFilter() tablePanel {
	t.filter = t.filter.clear()
	return t
}

// selected returns the selected instance's row.
func (t tablePanel) selected() (metrics.InstanceRow, bool) {
	for _, r := range t.rows {
		if r.ID == t.sel {
			return r, true
		}
	}
	return metrics.InstanceRow{}, false
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

// tableWindow names the window of the table's figures: the columns are
// the last 10 s (what is happening now); the detail view has the session.
const tableWindow = "last 10 s"

// title is "Instances 3 · 1 crit · 1 warn · last 10 s  sort: state", or,
// while the observer is blind, why the instances are not judged instead of
// counts that would be no verdict.
func (t tablePanel) title(s *metrics.Snapshot, st *themes.Styles, w int) string {
	dot := st.Muted.Render(" · ")
	left := st.Title.Render(fmt.Sprintf("Instances %d", len(s.Instances)))
	if s.Blind != "" {
		left += dot + st.Warn.Render(report.BlindText(s.Blind))
	} else if _, warn, crit := levelCounts(t.rows); crit+warn > 0 {
		left += dot + st.Crit.Render(fmt.Sprintf("%d crit", crit)) + dot + st.Warn.Render(fmt.Sprintf("%d warn", warn))
	}
	left += dot + st.Text.Render(tableWindow) + st.Muted.Render("  sort: ") + st.Text.Render(t.sort.String())
	if f := t.filter.value(); f != "" {
		left += st.Muted.Render("  filter: ") + st.Accent.Render(f) +
			st.Muted.Render(fmt.Sprintf(" · %d match", len(t.rows)))
	}
	right := ""
	if n := len(t.rows); n > t.height && t.height > 0 {
		right = st.Muted.Render(fmt.Sprintf("%d–%d of %d", t.offset+1, t.offset+t.height, n))
	}
	return titleLine(st, left, right, w)
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

// view draws the header row and up to h instance rows.
func (t tablePanel) view(st *themes.Styles, w, h int) string {
	cols, idw := t.columns(w)
	var b strings.Builder
	hdr := "  " + fit("ID", idw)
	for _, c := range cols {
		hdr += " " + align(c.title, c.width, c.left)
	}
	b.WriteString(st.TableHeader.Render(fit(hdr, w)))
	if len(t.rows) == 0 {
		msg := "no instances reported yet (agents send stats every second)"
		if t.filter.value() != "" {
			msg = "no instance matches the filter (esc clears it)"
		}
		b.WriteString("\n" + st.Muted.Render(clip("  "+msg, w)))
		return b.String()
	}
	end := min(t.offset+h, len(t.rows))
	for i := t.offset; i < end; i++ {
		b.WriteString("\n")
		b.WriteString(rowView(st, t.rows[i], i == t.selIdx, cols, idw, w))
	}
	return b.String()
}

// columns is the table's columns for w cells and the ID column's width;
// the raw lane's line shares them, so its latencies sit under the
// instances' own.
func (t tablePanel) columns(w int) ([]column, int) {
	longest := lipgloss.Width(baselineLabel)
	for _, r := range t.rows {
		longest = max(longest, lipgloss.Width(r.ID))
	}
	return columns(w, longest)
}
