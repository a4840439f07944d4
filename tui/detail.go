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

// detailPanel is one instance in full: figures on top (never dropped: they
// flow onto more lines when the terminal is narrow), then the RTT
// distribution, its recent state changes and its chart as room allows.
// Its instance is the table's selection.
type detailPanel struct{}

// view draws r (nil: the instance id is no longer reported) in w×h cells.
func (p detailPanel) view(s *metrics.Snapshot, st *themes.Styles, r *metrics.InstanceRow, id string, w, h int) string {
	if r == nil {
		return st.Title.Render("Instance") + "\n" +
			st.Muted.Render(clip(fmt.Sprintf("  %q is no longer reported (esc: back)", id), w))
	}
	top := p.figures(s, st, *r, w)
	rest := h - len(top)
	if rest < 3 {
		return strings.Join(top[:min(len(top), h)], "\n")
	}
	// Distribution and changes first; the instance's chart takes what is
	// left when that is enough to read.
	distH := min(len(r.Dist), 12) + 1
	recentH := clamp(len(r.Recent)+1, 2, 6)
	bh := min(rest, distH+recentH)
	if w >= 100 {
		bh = min(rest, max(distH, recentH))
	}
	if rest-bh < 8 {
		bh = rest
	}
	var bottom string
	if w >= 100 {
		rw := clamp(w*2/5, 34, 56)
		dist := block(distView(st, *r, w-rw-1, bh), w-rw-1, bh)
		bottom = lipgloss.JoinHorizontal(lipgloss.Top, dist, " ", block(recentView(st, *r, rw, bh), rw, bh))
	} else {
		rh := min(recentH, max(bh/3, 2))
		bottom = block(distView(st, *r, w, bh-rh), w, bh-rh) + "\n" + recentView(st, *r, w, rh)
	}
	out := strings.Join(top, "\n") + "\n" + bottom
	if ch := rest - bh; ch > 0 {
		title := titleLine(st, st.Title.Render("Latency")+st.Muted.Render(" RTT, last 60s · this instance"), "", w)
		out += "\n" + title + "\n" + renderChart(st, r.Chart, limitsOf(s.Thresholds), w, ch-1)
	}
	return out
}

// figures are the lines every size keeps: state and why, delivery, probes,
// the RTT table and the counters, each flowing onto more lines rather than
// losing a figure off the edge.
func (p detailPanel) figures(s *metrics.Snapshot, st *themes.Styles, r metrics.InstanceRow, w int) []string {
	const lblW = 11
	lbl := func(name string) string { return st.Muted.Render(fit(name, lblW)) }
	state := toneStyle(st, stateCell(r).tone).Render(stateCell(r).text)
	title := st.Title.Render("Instance ") + st.Bold.Render(clip(r.ID, max(w-24, 12))) + " " + state
	lines := []string{titleLine(st, title, st.Muted.Render("esc: back"), w)}
	labelled := func(name string, items []string) {
		for i, l := range flow(items, w-lblW) {
			if i > 0 {
				name = ""
			}
			lines = append(lines, lbl(name)+l)
		}
	}
	seen := "seen " + fmtAge(r.LastSeenMs) + " ago"
	if r.Left {
		seen = "left (sent its final report)"
	}
	m := st.Muted.Render
	labelled("instance", []string{m(report.OrDash(r.Role)), m("boot " + report.OrDash(r.Boot)), m(seen)})
	labelled("state", p.ruleItems(s, st, r))
	labelled("delivery", deliveryItems(st, r))
	labelled("probes", []string{
		st.Text.Render(fmtInt(r.ProbesSent) + " resolved"), st.Text.Render(fmtInt(r.Acked) + " acked"),
		toneStyle(st, ruleTone(r, "delivery")).Render(fmtInt(r.Lost10s) + " lost in 10s"),
		st.Text.Render("clock offset " + fmtOffset(r.ClockOffsetUs)),
	})
	rows := []rttSeries{{"session", rttCells(r.RTT), st.Text}, {"10s", rttCells(r.RTT10s), st.Text}}
	if b := s.Baseline; b != nil { // Redis alone, for comparison
		rows = append(rows, rttSeries{"raw 10s", rttCells(b.RTT10s), st.Accent})
	}
	lines = append(lines, rttTable(st, "RTT", rows, w)...)
	if b := s.Baseline; b != nil {
		labelled("raw lane", []string{m(fmtInt(b.Sent) + " sent"), m(fmtInt(b.Lost) + " lost, session")})
	}
	if ow := oneWaySeries(st, r); len(ow) > 0 {
		lines = append(lines, rttTable(st, "one-way", ow, w)...)
		labelled("clocks", clockItems(st, r))
	} else {
		labelled("one-way", []string{m(oneWayMissing(r))})
	}
	labelled("counters", counterItems(st, r))
	for i, l := range lines {
		lines[i] = clip(l, w)
	}
	return lines
}

// ruleItems says how the instance is judged: every rule above OK with its
// hold, or why it is not judged now.
func (p detailPanel) ruleItems(s *metrics.Snapshot, st *themes.Styles, r metrics.InstanceRow) []string {
	if r.Status.Unknown {
		why := "observer blind"
		if s.Blind != "" {
			why = s.Blind
		}
		return []string{st.Muted.Render("not judged: " + why), st.Muted.Render("held at " + levelLabel(r.State))}
	}
	var items []string
	for _, name := range ruleOrder(r.Rules) {
		j := r.Rules[name]
		if j.Level == metrics.OK {
			continue
		}
		items = append(items, st.Level(j.Level).Render(name+" "+report.StateLabel(j.Level, j)))
	}
	switch {
	case len(items) > 0:
		return items
	case r.State > metrics.OK: // an observer too old to send its rules
		return []string{st.Muted.Render("no rule's judgement in the snapshot")}
	}
	return []string{st.OK.Render("every rule OK")}
}

// ruleOrder is the rules' names, worst level first, then by name, so the
// line is stable from frame to frame.
func ruleOrder(rules map[string]metrics.Judgement) []string {
	names := make([]string, 0, len(rules))
	for n := range rules {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := rules[names[i]], rules[names[j]]
		if a.Level != b.Level {
			return a.Level > b.Level
		}
		return names[i] < names[j]
	})
	return names
}

func deliveryItems(st *themes.Styles, r metrics.InstanceRow) []string {
	// The 10 s figure is the one the delivery rule judges; the others are
	// context, uncoloured.
	f := func(name string, p float64, t tone, mark string) string {
		if !metrics.Finite(p) {
			t, mark = toneMuted, ""
		}
		return st.Muted.Render(name+" ") + toneStyle(st, t).Render(fmtPctFine(p)+mark)
	}
	mark := ruleCell(r, "delivery", "").mark
	return []string{f("session", r.Delivery, toneText, ""), f("10s", r.Delivery10s, ruleTone(r, "delivery"), mark), f("1m", r.Delivery1m, toneText, "")}
}

func counterItems(st *themes.Styles, r metrics.InstanceRow) []string {
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
		st.Muted.Render("session: ") + item("lost", r.Lost, ""), item("dup", r.Duplicates, ""), item("late", r.Late, ""),
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

// rttSeries is one row of the RTT table: its name and its cells (n, min,
// avg, p50, p95, p99, max).
type rttSeries struct {
	name  string
	vals  []string
	style lipgloss.Style
}

// oneWaySeries are the one-way latency rows of an instance: what its bots
// experience, corrected first when its senders' clocks are known, then raw.
func oneWaySeries(st *themes.Styles, r metrics.InstanceRow) []rttSeries {
	var out []rttSeries
	if c := r.OneWayCorrected; c.W10s.Count > 0 || c.W1m.Count > 0 {
		out = append(out, rttSeries{"corr 10s", oneWayCells(c.W10s), st.Text}, rttSeries{"corr 1m", oneWayCells(c.W1m), st.Text})
	}
	if r.OneWay.Session.Count > 0 {
		style := st.Text
		if r.OneWaySkewed || len(out) > 0 {
			style = st.Muted // the clocks move them: the corrected rows are the ones to read
		}
		out = append(out, rttSeries{"raw 10s", oneWayCells(r.OneWay.W10s), style},
			rttSeries{"raw sess", oneWayCells(r.OneWay.Session), style})
	}
	return out
}

// oneWayCells are a one-way summary's cells; it has no min or mean, and
// raw figures may be negative (two clocks).
func oneWayCells(o metrics.OneWay) []string {
	if o.Count == 0 {
		return []string{"0", "-", "-", "-", "-", "-", "-"}
	}
	f := func(us float64) string {
		if us < 0 {
			return "-" + fmtUs(-us)
		}
		return fmtUs(us)
	}
	return []string{fmtCount(o.Count), "-", "-", f(o.P50), f(o.P95), f(o.P99), f(o.Max)}
}

// clockItems say how far the one-way figures are to be trusted.
func clockItems(st *themes.Styles, r metrics.InstanceRow) []string {
	items := []string{st.Text.Render(r.OneWayCorrection)}
	if metrics.Finite(r.OneWayUncertaintyUs) {
		items = append(items, st.Text.Render("±"+fmtUs(r.OneWayUncertaintyUs)))
	}
	if r.OneWaySkewed {
		items = append(items, st.Warn.Render("raw skewed by the clocks"))
	}
	return items
}

func oneWayMissing(r metrics.InstanceRow) string {
	if r.Passive {
		return "unknown: a passive subscriber reports nothing (idle " + fmtAge(r.IdleS*1000) + ")"
	}
	return "no ordinary events with a send time reported yet"
}

// rttTable draws n, min, avg, p50, p95, p99 and max of each series in
// cells that fit w: beside an "RTT" label where there is room; narrower,
// without it and in tighter cells; narrower still, wrapped into a second
// block. p99 and max are never cut off the edge.
func rttTable(st *themes.Styles, title string, rows []rttSeries, w int) []string {
	heads := []string{"n", "min", "avg", "p50", "p95", "p99", "max"}
	lblW, nameW, cellW := 11, 8, 8
	if lblW+nameW+len(heads)*cellW > w {
		lblW, cellW = 0, 7 // fmtUs needs 6 cells, and one to part them
	}
	per := max((w-lblW-nameW)/cellW, 1)
	var out []string
	for from := 0; from < len(heads); from += per {
		to := min(from+per, len(heads))
		label := title
		if from > 0 {
			label = ""
		}
		name := ""
		if lblW == 0 {
			name = label
		}
		hdr := st.Muted.Render(fit(label, lblW)) + st.TableHeader.Render(fit(name, nameW))
		for _, h := range heads[from:to] {
			hdr += st.TableHeader.Render(fitLeft(h, cellW))
		}
		out = append(out, hdr)
		for _, r := range rows {
			line := fit("", lblW) + r.style.Render(fit(r.name, nameW))
			for _, v := range r.vals[from:to] {
				line += r.style.Render(fitLeft(v, cellW))
			}
			out = append(out, line)
		}
	}
	return out
}

func rttCells(p metrics.Percentiles) []string {
	if p.Count == 0 {
		return []string{"0", "-", "-", "-", "-", "-", "-"}
	}
	return []string{fmtCount(p.Count), fmtUs(p.Min), fmtUs(p.Avg), fmtUs(p.P50), fmtUs(p.P95), fmtUs(p.P99), fmtUs(p.Max)}
}

// distView draws InstanceRow.Dist as horizontal bars, merging neighbouring
// buckets when there are more than lines.
func distView(st *themes.Styles, r metrics.InstanceRow, w, h int) string {
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

func recentView(st *themes.Styles, r metrics.InstanceRow, w, h int) string {
	lines := []string{st.Title.Render("Recent state changes")}
	if len(r.Recent) == 0 {
		lines = append(lines, st.Muted.Render("none"))
	}
	for _, c := range r.Recent {
		if len(lines) == h {
			break
		}
		lines = append(lines, clip(changeLine(st, c, false, nil), w))
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
