package tui

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// selected returns the selected instance's row.
func (m Model) selected() (metrics.InstanceRow, bool) {
	for _, r := range m.table.rows {
		if r.ID == m.table.sel {
			return r, true
		}
	}
	return metrics.InstanceRow{}, false
}

// detailView is one instance in w×h cells: figures at the top, then the
// RTT distribution and its recent state changes.
func (m Model) detailView(w, h int) string {
	st := m.styles
	r, ok := m.selected()
	if !ok {
		return st.Title.Render("Instance") + "\n" +
			st.Muted.Render(clip(fmt.Sprintf("  %q is no longer reported (esc: back)", m.table.sel), w))
	}
	top := m.detailFigures(r, w)
	rest := h - len(top)
	if rest < 3 {
		return strings.Join(top[:min(len(top), h)], "\n")
	}
	// Distribution and changes first; the instance's chart takes what is
	// left when that is enough to read.
	bh := rest
	distH := min(len(r.Dist), 12) + 1
	recentH := clamp(len(r.Recent)+1, 2, 6)
	if w >= 100 {
		bh = min(rest, max(distH, recentH))
	} else {
		bh = min(rest, distH+recentH)
	}
	if rest-bh < 8 {
		bh = rest
	}
	var bottom string
	if w >= 100 {
		rw := clamp(w*2/5, 34, 56)
		dist := block(m.distView(r, w-rw-1, bh), w-rw-1, bh)
		bottom = lipgloss.JoinHorizontal(lipgloss.Top, dist, " ", block(m.recentView(r, rw, bh), rw, bh))
	} else {
		rh := min(recentH, max(bh/3, 2))
		bottom = block(m.distView(r, w, bh-rh), w, bh-rh) + "\n" + m.recentView(r, w, rh)
	}
	out := strings.Join(top, "\n") + "\n" + bottom
	if ch := rest - bh; ch > 0 {
		title := titleLine(m.styles, st.Title.Render("Latency")+st.Muted.Render(" RTT, last 60s · this instance"), "", w)
		out += "\n" + title + "\n" + renderChart(st, r.Chart, limitsOf(m.snap.Thresholds), w, ch-1)
	}
	return out
}

func (m Model) detailFigures(r metrics.InstanceRow, w int) []string {
	st := m.styles
	lbl := func(s string) string { return st.Muted.Render(fit(s, 11)) }
	state := st.Level(r.State).Render(levelLabel(r.State))
	seen := "seen " + fmtAge(r.LastSeenMs) + " ago"
	if r.Left {
		seen = "left (sent its final report)"
	}
	title := st.Title.Render("Instance ") + st.Bold.Render(clip(r.ID, max(w/2, 12))) + " " + state +
		st.Muted.Render(fmt.Sprintf(" · %s · boot %s · %s", report.OrDash(r.Role), report.OrDash(r.Boot), seen))
	lines := []string{titleLine(st, title, st.Muted.Render("esc: back"), w)}
	lines = append(lines,
		lbl("delivery")+m.deliveryFigures(r),
		lbl("probes")+st.Text.Render(fmt.Sprintf("%s resolved · %s acked · clock offset %s", fmtInt(r.ProbesSent), fmtInt(r.Acked), fmtOffset(r.ClockOffsetUs))),
		lbl("RTT")+st.TableHeader.Render(rttRow("", "n", "min", "avg", "p50", "p95", "p99", "max")),
		lbl("")+st.Text.Render(rttValues("session", r.RTT)),
		lbl("")+st.Text.Render(rttValues("10s", r.RTT10s)),
	)
	if b := m.snap.Baseline; b != nil { // Redis alone, for comparison
		lines = append(lines, lbl("")+st.Accent.Render(rttValues("raw 10s", b.RTT10s)))
	}
	for i, l := range flow(m.counterItems(r), w-11) {
		name := ""
		if i == 0 {
			name = "counters"
		}
		lines = append(lines, lbl(name)+l)
	}
	for i, l := range lines {
		lines[i] = clip(l, w)
	}
	return lines
}

func (m Model) deliveryFigures(r metrics.InstanceRow) string {
	st := m.styles
	// The 10 s figure is the one the delivery rule judges; the others are
	// context, uncoloured.
	f := func(name string, p float64, t tone) string {
		if !metrics.Finite(p) {
			t = toneMuted
		}
		return st.Muted.Render(name+" ") + toneStyle(st, t).Render(fmtPctFine(p))
	}
	return f("session", r.Delivery, toneText) + "   " + f("10s", r.Delivery10s, ruleTone(r, "delivery")) + "   " + f("1m", r.Delivery1m, toneText)
}

func rttRow(cells ...string) string {
	out := fit(cells[0], 8)
	for _, c := range cells[1:] {
		out += fitLeft(c, 8)
	}
	return out
}

func rttValues(name string, p metrics.Percentiles) string {
	if p.Count == 0 {
		return rttRow(name, "0", "-", "-", "-", "-", "-", "-")
	}
	return rttRow(name, fmtCount(p.Count), fmtUs(p.Min), fmtUs(p.Avg), fmtUs(p.P50), fmtUs(p.P95), fmtUs(p.P99), fmtUs(p.Max))
}

func (m Model) counterItems(r metrics.InstanceRow) []string {
	st := m.styles
	// A counter is coloured by the rule that judges it, if any.
	item := func(name string, n int64, rule string) string {
		if n == 0 {
			return st.Muted.Render(fmt.Sprintf("%s 0", name))
		}
		t := toneText
		if rule != "" {
			t = ruleTone(r, rule)
		}
		return toneStyle(st, t).Render(name + " " + fmtInt(n))
	}
	return []string{
		item("lost", r.Lost, "delivery"), item("dup", r.Duplicates, ""), item("late", r.Late, ""),
		item("self", r.SelfReceived, "self_received"), item("collisions", r.Collisions, "collision"),
		item("errors", r.Errors, "errors"), item("reconnects", r.Reconnects, ""),
		item("drops", r.Drops, ""), item("malformed", r.Malformed, ""),
	}
}

// flow joins items with " · " into lines of at most w cells.
func flow(items []string, w int) []string {
	var lines []string
	cur := ""
	for _, it := range items {
		switch {
		case cur == "":
			cur = it
		case lipgloss.Width(cur)+3+lipgloss.Width(it) <= w:
			cur += " · " + it
		default:
			lines = append(lines, cur)
			cur = it
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// distView draws InstanceRow.Dist as horizontal bars, merging neighbouring
// buckets when there are more than lines.
func (m Model) distView(r metrics.InstanceRow, w, h int) string {
	st := m.styles
	lines := []string{st.Title.Render("RTT distribution") + st.Muted.Render(" (session)")}
	buckets := mergeBuckets(r.Dist, h-1)
	var total, peak int64
	for _, b := range buckets {
		total += b.Count
		peak = max(peak, b.Count)
	}
	if total == 0 {
		return strings.Join(append(lines, st.Muted.Render("no samples yet")), "\n")
	}
	barW := max(w-8-1-14, 1)
	for _, b := range buckets {
		n := int(float64(b.Count) / float64(peak) * float64(barW))
		if b.Count > 0 && n == 0 {
			n = 1 // a rare slow bucket must stay visible
		}
		bar := st.Bar.Render(strings.Repeat("█", n)) + strings.Repeat(" ", barW-n)
		pct := 100 * float64(b.Count) / float64(total)
		lines = append(lines, clip(st.Muted.Render(fitLeft("≤"+fmtUs(b.UpToUs), 8))+" "+bar+
			st.Text.Render(fmt.Sprintf(" %6s %5.1f%%", fmtCount(b.Count), pct)), w))
	}
	return strings.Join(lines, "\n")
}

// mergeBuckets merges runs of adjacent buckets so exactly n remain; a
// merged bucket keeps the upper bound of its last part.
func mergeBuckets(in []metrics.Bucket, n int) []metrics.Bucket {
	if n <= 0 {
		return nil
	}
	if len(in) <= n {
		return in
	}
	out := make([]metrics.Bucket, n)
	for i := range n {
		for _, x := range in[i*len(in)/n : (i+1)*len(in)/n] {
			out[i].Count += x.Count
			out[i].UpToUs = x.UpToUs
		}
	}
	return out
}

func (m Model) recentView(r metrics.InstanceRow, w, h int) string {
	st := m.styles
	lines := []string{st.Title.Render("Recent state changes")}
	if len(r.Recent) == 0 {
		lines = append(lines, st.Muted.Render("none"))
	}
	for _, c := range r.Recent {
		if len(lines) == h {
			break
		}
		lines = append(lines, m.changeLine(c, w, false))
	}
	return strings.Join(lines, "\n")
}

func fmtPctFine(p float64) string {
	if !metrics.Finite(p) {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", math.Floor(p*100)/100) // never rounds up to 100
}

func fmtOffset(us float64) string {
	if !metrics.Finite(us) {
		return "-"
	}
	if us < 0 {
		return "-" + fmtUs(-us)
	}
	return "+" + fmtUs(us)
}
