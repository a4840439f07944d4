package tui

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/themes"
)

// The matrix view (m): senders as rows, receivers as columns, each cell
// the (sender, receiver)'s delivery over the last 10 s, coloured by the
// pair_delivery rule's judgement in the snapshot. The grid scrolls to keep
// the cursor in view; under it the worst pairs (enter walks the cursor
// through them: the way in when the fleet is too large for the grid) and
// the selected pair in full.
const (
	matrixCellW = 7 // "100%", "99.5%", "80.0%" and a space
	// maxMatrixCols and maxMatrixRows at 80×24: 8×8, as the issue asks;
	// larger terminals show more.
	minMatrixGrid = 8
	matrixDetailH = 2
)

// matrixPanel is the cursor over the grid (by sender and receiver ID, so
// it follows them across refreshes) and the worst pair enter went to.
type matrixPanel struct {
	from, to string
	worst    int
}

// matrixGrid is one frame's grid: senders and receivers in order, and each
// (sender, receiver)'s cell.
type matrixGrid struct {
	senders, receivers []string
	cells              map[[2]string]metrics.PairCell
	worst              []metrics.PairCell
}

func gridOf(s *metrics.Snapshot) matrixGrid {
	g := matrixGrid{cells: map[[2]string]metrics.PairCell{}}
	cells := s.Cells()
	seenFrom, seenTo := map[string]bool{}, map[string]bool{}
	for _, c := range cells {
		g.cells[[2]string{c.From, c.To}] = c
		if !seenFrom[c.From] {
			seenFrom[c.From] = true
			g.senders = append(g.senders, c.From)
		}
		if !seenTo[c.To] {
			seenTo[c.To] = true
			g.receivers = append(g.receivers, c.To)
		}
	}
	sort.SliceStable(g.senders, func(i, j int) bool { // the summed row last
		a, b := g.senders[i] == metrics.OtherSender, g.senders[j] == metrics.OtherSender
		if a != b {
			return b
		}
		return g.senders[i] < g.senders[j]
	})
	sort.Strings(g.receivers)
	for _, c := range metrics.WorstCells(cells) {
		if c.Status.Level > metrics.OK || c.W10s.Lost > 0 || (c.W10s.Expected > 0 && c.W10s.DeliveryPct < 100) {
			g.worst = append(g.worst, c)
		}
	}
	return g
}

func indexOf(list []string, id string) int {
	for i, s := range list {
		if s == id {
			return i
		}
	}
	return 0
}

// move moves the cursor by rows and cols over g.
func (p matrixPanel) move(g matrixGrid, rows, cols int) matrixPanel {
	if len(g.senders) == 0 {
		return p
	}
	r := clamp(indexOf(g.senders, p.from)+rows, 0, len(g.senders)-1)
	c := clamp(indexOf(g.receivers, p.to)+cols, 0, len(g.receivers)-1)
	p.from, p.to = g.senders[r], g.receivers[c]
	return p
}

// settle places a cursor not placed yet: on the worst pair, else the
// first cell.
func (p matrixPanel) settle(g matrixGrid) matrixPanel {
	if p.from != "" || len(g.senders) == 0 {
		return p
	}
	if len(g.worst) > 0 {
		p.from, p.to, p.worst = g.worst[0].From, g.worst[0].To, 0
		return p
	}
	p.from, p.to = g.senders[0], g.receivers[0]
	return p
}

// nextWorst puts the cursor on the next of the worst pairs.
func (p matrixPanel) nextWorst(g matrixGrid) matrixPanel {
	if len(g.worst) == 0 {
		return p
	}
	if w := g.worst[p.worst%len(g.worst)]; w.From == p.from && w.To == p.to {
		p.worst++ // on it already: the next one
	}
	p.worst %= len(g.worst)
	p.from, p.to = g.worst[p.worst].From, g.worst[p.worst].To
	return p
}

// gridSize is how many sender rows and receiver columns show in w×h.
func gridSize(g matrixGrid, labelW, w, h int) (rows, cols int) {
	cols = clamp((w-labelW-2)/matrixCellW, 1, max(len(g.receivers), 1))
	maxRows := max(minMatrixGrid, (h-matrixDetailH-4)/2)
	if w < 100 {
		cols = min(cols, minMatrixGrid)
	}
	rows = min(len(g.senders), maxRows, max(h-matrixDetailH-4, 1))
	return rows, cols
}

// window is the first index that keeps sel in a window of n over total.
func window(sel, n, total int) int {
	if total <= n {
		return 0
	}
	return clamp(sel-n/2, 0, total-n)
}

func (p matrixPanel) view(s *metrics.Snapshot, st *themes.Styles, w, h int) string {
	g := gridOf(s)
	if len(g.senders) == 0 {
		return st.Title.Render("Matrix") + "\n" + st.Muted.Render(clip("  no pairs yet: agents report what they received from "+
			"each sender every second (publishers need seq; agents of this version)", w))
	}
	p = p.settle(g)
	labelW := 8
	for _, id := range g.senders {
		labelW = max(labelW, lipgloss.Width(id))
	}
	labelW = min(labelW+2, 16)
	rows, cols := gridSize(g, labelW, w, h)
	r0 := window(indexOf(g.senders, p.from), rows, len(g.senders))
	c0 := window(indexOf(g.receivers, p.to), cols, len(g.receivers))
	lines := []string{p.title(s, st, g, r0, rows, c0, cols, w)}
	hdr := fit(st.Muted.Render("from╲to"), labelW)
	for _, to := range g.receivers[c0:min(c0+cols, len(g.receivers))] {
		if to == p.to { // the cursor's column, marked without colour too
			hdr += st.Accent.Render(fitLeft("▾"+tail(to, matrixCellW-1), matrixCellW))
			continue
		}
		hdr += st.TableHeader.Render(fitLeft(tail(to, matrixCellW-1), matrixCellW))
	}
	lines = append(lines, hdr)
	for _, from := range g.senders[r0:min(r0+rows, len(g.senders))] {
		marker := "  "
		if from == p.from {
			marker = st.Accent.Render("▸ ")
		}
		line := marker + st.Text.Render(fit(tail(from, labelW-2), labelW-2))
		for _, to := range g.receivers[c0:min(c0+cols, len(g.receivers))] {
			line += cellView(st, g, from, to, from == p.from && to == p.to)
		}
		lines = append(lines, line)
	}
	rest := h - len(lines) - matrixDetailH
	if rest >= 2 {
		lines = append(lines, worstView(st, g, w, rest)...)
	}
	lines = append(lines, pairDetail(st, g, p.from, p.to, w)...)
	for i, l := range lines {
		lines[i] = clip(l, w)
	}
	return strings.Join(lines, "\n")
}

// title is "Matrix 4×4 · 1 crit · 0 warn · delivery, last 10 s" with the
// grid's position on the right when it scrolls.
func (p matrixPanel) title(s *metrics.Snapshot, st *themes.Styles, g matrixGrid, r0, rows, c0, cols, w int) string {
	dot := st.Muted.Render(" · ")
	size := fmt.Sprintf(" %d senders × %d receivers", len(g.senders), len(g.receivers))
	if w < 100 {
		size = fmt.Sprintf(" %d×%d", len(g.senders), len(g.receivers))
	}
	left := st.Title.Render("Matrix") + st.Muted.Render(size)
	var warn, crit int
	for _, c := range g.cells {
		switch {
		case c.Status.Unknown:
		case c.Status.Level == metrics.Crit:
			crit++
		case c.Status.Level == metrics.Warn:
			warn++
		}
	}
	if warn+crit > 0 {
		left += dot + st.Crit.Render(fmt.Sprintf("%d crit", crit)) + dot + st.Warn.Render(fmt.Sprintf("%d warn", warn))
	}
	left += dot + st.Text.Render(tableWindow)
	right := ""
	if rows < len(g.senders) || cols < len(g.receivers) {
		right = st.Muted.Render(fmt.Sprintf("rows %d–%d cols %d–%d", r0+1, r0+rows, c0+1, c0+cols))
	}
	return titleLine(st, left, right, w)
}

// tail keeps the end of an ID that does not fit: fleets differ at the end
// ("agent-host-01", "agent-host-02").
func tail(s string, w int) string {
	r := []rune(s)
	if len(r) <= w || w < 2 {
		return s
	}
	return "…" + string(r[len(r)-w+1:])
}

// cellView is one cell: the 10 s delivery in the judgement's tone; "·" for
// an instance and itself, blank for a pair the observer has no row of.
func cellView(st *themes.Styles, g matrixGrid, from, to string, cursor bool) string {
	c, ok := g.cells[[2]string{from, to}]
	text, t := " ", toneMuted
	switch {
	case from == to:
		text = "·"
	case ok:
		text, t = cellText(c), cellTone(c)
	}
	style := toneStyle(st, t)
	if cursor {
		style = style.Inherit(st.Selected)
		return " " + style.Render(fitLeft(text, matrixCellW-1))
	}
	return style.Render(fitLeft(text, matrixCellW))
}

func cellText(c metrics.PairCell) string { return pct1(c.W10s) }

// pct1 is a window's delivery with one decimal, never rounded up to 100%.
func pct1(c metrics.PairCounts) string {
	p := c.DeliveryPct
	switch {
	case !metrics.Finite(p):
		return "-"
	case c.Received >= c.Expected:
		return "100%"
	}
	return fmt.Sprintf("%.1f%%", math.Floor(p*10)/10)
}

// cellTone is the pair_delivery rule's level, muted while unknown or
// without data; a judged healthy cell is OK-coloured, so the grid reads at
// a glance.
func cellTone(c metrics.PairCell) tone {
	switch {
	case c.Status.Unknown || !metrics.Finite(c.W10s.DeliveryPct):
		return toneMuted
	case c.Status.Level == metrics.OK:
		return toneOK
	}
	return levelTone(c.Status.Level)
}

// worstView is the worst pairs, worst first, in h lines (a title first).
func worstView(st *themes.Styles, g matrixGrid, w, h int) []string {
	right := st.Muted.Render("enter: next")
	if len(g.worst) == 0 {
		return []string{titleLine(st, st.Title.Render("Worst pairs")+st.OK.Render(" none below 100%"), "", w)}
	}
	out := []string{titleLine(st, st.Title.Render(fmt.Sprintf("Worst pairs %d", len(g.worst))), right, w)}
	for _, c := range g.worst[:min(len(g.worst), h-1)] {
		lvl := toneStyle(st, cellTone(c)).Render(fit(report.StateLabel(c.Status.Level, c.Status), 6))
		whoW := clamp(w/3, 16, 30)
		who := st.Text.Render(fit(c.From+" → "+c.To, whoW))
		figs := st.Text.Render(fitLeft(cellText(c), 6)) + st.Muted.Render(fmt.Sprintf("  lost %s · 1m %s · sess %s",
			fmtCount(c.W10s.Lost), pct1(c.W1m), pct1(c.Session)))
		out = append(out, "  "+lvl+who+" "+figs)
	}
	return out
}

// pairDetail is the cursor's pair in two lines: its counts over every
// window, then its one-way latency and how far its clocks are trusted.
func pairDetail(st *themes.Styles, g matrixGrid, from, to string, w int) []string {
	c, ok := g.cells[[2]string{from, to}]
	head := st.Bold.Render(clip(from+" → "+to, max(w/2, 20)))
	if !ok {
		return []string{head + st.Muted.Render(" · no row: the receiver reports no stream of this sender"), ""}
	}
	m := st.Muted.Render
	counts := head + m(fmt.Sprintf(" · 10s %s of %s, lost %s, dup %s · 1m %s · sess %s of %s",
		pct1(c.W10s), fmtCount(c.W10s.Expected), fmtCount(c.W10s.Lost), fmtCount(c.W10s.Duplicates),
		pct1(c.W1m), pct1(c.Session), fmtCount(c.Session.Expected)))
	return []string{counts, m(latencyLine(c.Latency))}
}

// latencyLine is a pair's one-way latency, corrected where its clocks are
// known, else raw and marked.
func latencyLine(l metrics.PairLatency) string {
	switch {
	case l.Corrected10s.Count > 0:
		out := fmt.Sprintf("one-way 10s p50 %s p95 %s p99 %s max %s ±%s (corrected)", fmtUs(l.Corrected10s.P50),
			fmtUs(l.Corrected10s.P95), fmtUs(l.Corrected10s.P99), fmtUs(l.Corrected10s.Max), fmtUs(l.UncertaintyUs))
		if l.Skewed {
			out += fmt.Sprintf(" · clocks %s apart: raw p50 %s", fmtOffset(l.ClockSkewUs), fmtOffset(l.Raw10s.P50))
		}
		return out
	case l.Raw10s.Count > 0:
		return fmt.Sprintf("one-way 10s p50 %s p99 %s raw: skew-prone, %s", fmtOffset(l.Raw10s.P50), fmtOffset(l.Raw10s.P99),
			strings.TrimPrefix(l.Correction, "unknown: "))
	}
	return "one-way: no events with a send time in the last 10 s"
}
