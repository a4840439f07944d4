package report

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
)

// MaxMessage caps an alert's, a note's or an info's text: it is shown whole
// (wrapped) on screen and in every report, and 1000 runes is a dozen lines
// at 80 columns, past which it is a dump, not a message.
const MaxMessage = 1000

// windowsNote says which window each figure of the instance tables covers,
// so a reader of a ticket compares like with like.
const windowsNote = "10s: the last 10 s, as the dashboard shows; 1m: the last minute; " +
	"session: since the instance joined; DUP, LATE, SELF, ERR, RECONN and DROPS: session."

// WatchLine is the one-line summary the headless watch prints per refresh:
// time, connection, instance counts by level, the worst 10 s delivery and
// p99 with their instances, and the number of active alerts.
func WatchLine(s metrics.Snapshot) string {
	var n [3]int
	for _, in := range s.Instances {
		if in.State >= metrics.OK && in.State <= metrics.Crit {
			n[in.State]++
		} else {
			n[metrics.Crit]++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", s.At.Format("15:04:05"), clean(s.Conn))
	if s.Paused {
		b.WriteString(" (probes paused)")
	}
	if len(s.Shards) > 0 {
		fmt.Fprintf(&b, " (%d/%d shards up)", len(s.Shards)-shardsDown(s.Shards), len(s.Shards))
	}
	fmt.Fprintf(&b, " · %d instances: %d ok, %d warn, %d crit", len(s.Instances), n[metrics.OK], n[metrics.Warn], n[metrics.Crit])
	if w, ok := worstDelivery(s.Instances); ok {
		fmt.Fprintf(&b, " · worst delivery %s %s", fmtPct(w.Delivery10s), clean(w.ID))
	}
	if w, ok := worstP99(s.Instances); ok {
		fmt.Fprintf(&b, " · worst p99 %s %s", metrics.FormatUsShort(w.RTT10s.P99), clean(w.ID))
	}
	if bl := s.Baseline; bl != nil && bl.RTT10s.Count > 0 {
		fmt.Fprintf(&b, " · raw Redis 1-hop p50 %s p99 %s", metrics.FormatUsShort(bl.RTT10s.P50), metrics.FormatUsShort(bl.RTT10s.P99))
	}
	fmt.Fprintf(&b, " · %d alerts", len(s.Alerts))
	return b.String()
}

func worstDelivery(rows []metrics.InstanceRow) (metrics.InstanceRow, bool) {
	var w metrics.InstanceRow
	found := false
	for _, in := range rows {
		if in.Left || !metrics.Finite(in.Delivery10s) {
			continue
		}
		if !found || in.Delivery10s < w.Delivery10s {
			w, found = in, true
		}
	}
	return w, found
}

func worstP99(rows []metrics.InstanceRow) (metrics.InstanceRow, bool) {
	var w metrics.InstanceRow
	found := false
	for _, in := range rows {
		if in.Left || in.RTT10s.Count == 0 || !metrics.Finite(in.RTT10s.P99) {
			continue
		}
		if !found || in.RTT10s.P99 > w.RTT10s.P99 {
			w, found = in, true
		}
	}
	return w, found
}

// WatchText reports the observer's final state as aligned plain-text tables.
func WatchText(s metrics.Snapshot) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
		for _, f := range watchFacts(s) {
			fmt.Fprintf(tw, "%s\t%s\n", f[0], f[1])
		}
		fmt.Fprintf(tw, "\nINSTANCES (%d)\n%s\n", len(s.Instances), windowsNote)
		textRows(tw, instanceRows(s.Instances))
		if len(s.Shards) > 0 {
			fmt.Fprintf(tw, "\nSHARDS (%d)\n", len(s.Shards))
			textRows(tw, shardRows(s))
		}
		fmt.Fprintf(tw, "\nSOURCES (%d)\n", len(s.Sources))
		textRows(tw, sourceRows(s.Sources))
		cells := s.Cells()
		fmt.Fprintf(tw, "\nMATRIX (%d pairs)\n%s\n", len(cells), paragraph(matrixNote, PasteWidth))
		textRows(tw, matrixRows(s))
		fmt.Fprintf(tw, "\nONE-WAY LATENCY\n")
		textRows(tw, oneWayRows(s.Instances))
		fmt.Fprintf(tw, "\nSUBSCRIBERS (%s)\n", subscriberFact(s))
		textRows(tw, subscriberRows(s))
		fmt.Fprintf(tw, "\nACTIVE ALERTS (%d)\n", len(s.Alerts))
		textRows(tw, alertRows(s))
		fmt.Fprintf(tw, "\nRECENT CHANGES (%d)\n", len(s.History))
		textRows(tw, historyRows(s.History))
		_ = tw.Flush() // into a buffer: cannot fail
		return write(w, "watch text", TrimLines(b.Bytes()))
	}
}

// WatchMarkdown reports the observer's state as Markdown tables (header
// facts, instances, sources, active alerts, recent changes) for a ticket,
// every line within PasteWidth: a table that would be wider (the
// instances' 22 columns) is a list.
func WatchMarkdown(s metrics.Snapshot) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		fmt.Fprintf(&b, "## bridgescope watch — %s\n\n", s.At.UTC().Format(time.RFC3339))
		facts := [][]string{{"field", "value"}}
		facts = append(facts, watchFacts(s)...)
		MarkdownFit(&b, facts, PasteWidth)
		sections := []struct {
			title string
			rows  [][]string
		}{
			{fmt.Sprintf("Instances (%d)", len(s.Instances)), instanceRows(s.Instances)},
			{fmt.Sprintf("Shards (%d)", len(s.Shards)), shardRows(s)},
			{fmt.Sprintf("Sources (%d)", len(s.Sources)), sourceRows(s.Sources)},
			{fmt.Sprintf("Matrix (%d pairs)", len(s.Cells())), matrixRows(s)},
			{"One-way latency", oneWayRows(s.Instances)},
			{fmt.Sprintf("Subscribers (%s)", subscriberFact(s)), subscriberRows(s)},
			{fmt.Sprintf("Active alerts (%d)", len(s.Alerts)), alertRows(s)},
			{fmt.Sprintf("Recent changes (%d)", len(s.History)), historyRows(s.History)},
		}
		if len(s.Shards) == 0 { // a single server: no section
			sections = append(sections[:1], sections[2:]...)
		}
		for i, sec := range sections {
			fmt.Fprintf(&b, "\n### %s\n\n", sec.title)
			if i == 0 {
				MarkdownParagraph(&b, MarkdownEscape(windowsNote), PasteWidth)
				b.WriteString("\n")
			}
			if strings.HasPrefix(sec.title, "Matrix") {
				b.WriteString(paragraph(MarkdownEscape(matrixNote), PasteWidth) + "\n\n")
			}
			if len(sec.rows) < 2 {
				b.WriteString("none\n")
				continue
			}
			MarkdownFit(&b, sec.rows, PasteWidth)
		}
		return write(w, "watch markdown", b.Bytes())
	}
}

// WatchJSON reports the Snapshot as exactly one indented JSON object; "no
// data" (NaN) figures are written as null by the types' own marshalers.
func WatchJSON(s metrics.Snapshot) Reporter { return JSON(s) }

// WatchJSONLine reports the Snapshot as WatchJSON does, on one line: one
// line of watch --json-stream.
func WatchJSONLine(s metrics.Snapshot) Reporter { return JSONLine(s) }

func watchFacts(s metrics.Snapshot) [][]string {
	probes := fmt.Sprintf("%.4g/s", s.ProbeRate)
	if s.Paused {
		probes += " (paused)"
	}
	if len(s.ProbeChannels) > 0 {
		probes += " on " + clean(strings.Join(s.ProbeChannels, ", "))
	}
	facts := [][]string{
		{"at", s.At.UTC().Format(time.RFC3339)},
		{"redis", clean(s.Redis)},
		{"observer", clean(s.Observer)},
		{"uptime", fmtDur(s.At.Sub(s.Started))},
		{"connection", fmt.Sprintf("%s for %s", clean(s.Conn), fmtDur(s.At.Sub(s.ConnSince)))},
		{"transport", clean(s.Transport)},
		{"probes", probes},
		{"channels", clean(strings.Join(s.Channels, ", "))},
		{"malformed", malformedFact(s)},
	}
	if s.Baseline != nil {
		facts = append(facts, []string{"raw Redis, one hop (baseline)", baselineFact(*s.Baseline)})
	}
	if s.Blind != "" {
		facts = append(facts, []string{"blind", BlindText(s.Blind)})
	}
	for _, n := range s.Notes {
		facts = append(facts, []string{"note", message(n)})
	}
	for _, n := range s.Info {
		facts = append(facts, []string{"info", message(n)})
	}
	return facts
}

func malformedFact(s metrics.Snapshot) string {
	out := fmt.Sprint(s.Malformed)
	if len(s.MalformedByReason) == 0 {
		return out
	}
	reasons := make([]string, 0, len(s.MalformedByReason))
	for r := range s.MalformedByReason {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%s %d", clean(r), s.MalformedByReason[r])
	}
	return out + " (" + strings.Join(parts, ", ") + ")"
}

// instanceRows puts the 10 s figures the dashboard shows first, then the
// minute's and the session's, each column named by its window.
func instanceRows(rows []metrics.InstanceRow) [][]string {
	t := [][]string{{"ID", "ROLE", "STATE", "DELIV 10s", "P50 10s", "P95 10s", "P99 10s", "MAX 10s", "LOST 10s",
		"DELIV 1m", "DELIV session", "P50 session", "P99 session", "MAX session", "LOST session",
		"DUP", "LATE", "SELF", "ERR", "RECONN", "DROPS", "LAST SEEN"}}
	us := metrics.FormatUsShort
	for _, in := range rows {
		seen := fmtDur(time.Duration(in.LastSeenMs) * time.Millisecond)
		if in.Left {
			seen += " (left)"
		}
		t = append(t, []string{clean(in.ID), clean(in.Role), StateLabel(in.State, in.Status),
			fmtPct(in.Delivery10s), us(in.RTT10s.P50), us(in.RTT10s.P95), us(in.RTT10s.P99), us(in.RTT10s.Max), itoa(in.Lost10s),
			fmtPct(in.Delivery1m), fmtPct(in.Delivery), us(in.RTT.P50), us(in.RTT.P99), us(in.RTT.Max), itoa(in.Lost),
			itoa(in.Duplicates), itoa(in.Late), itoa(in.SelfReceived),
			itoa(in.Errors), itoa(in.Reconnects), itoa(in.Drops), seen})
	}
	return t
}

func sourceRows(rows []metrics.SourceRow) [][]string {
	t := [][]string{{"ID", "EVENTS", "RATE", "GAPS", "DUP", "REORDER", "MALFORMED", "BOOTS", "ONE-WAY P50", "ONE-WAY P99", "SEQ"}}
	for _, src := range rows {
		seq := "yes"
		if !src.HasSeq {
			seq = "no (seed format)"
		}
		t = append(t, []string{clean(src.ID), fmt.Sprint(src.Events), fmt.Sprintf("%.1f/s", src.RatePerSec),
			fmt.Sprint(src.Gaps), fmt.Sprint(src.Duplicates), fmt.Sprint(src.Reorders), fmt.Sprint(src.Malformed),
			fmt.Sprint(src.Boots), metrics.FormatUsShort(src.OneWay.P50), metrics.FormatUsShort(src.OneWay.P99), seq})
	}
	return t
}

func alertRows(s metrics.Snapshot) [][]string {
	t := [][]string{{"LEVEL", "RULE", "INSTANCE", "THRESHOLD", "SINCE", "FOR", "MESSAGE"}}
	for _, a := range s.Alerts {
		t = append(t, []string{AlertLabel(a), clean(a.Rule), OrDash(clean(a.Instance)), OrDash(clean(a.Condition)),
			a.Since.Format("15:04:05"), fmtDur(s.At.Sub(a.Since)), message(a.Message)})
	}
	return t
}

func historyRows(h []metrics.AlertChange) [][]string {
	t := [][]string{{"TIME", "RULE", "INSTANCE", "CHANGE", "VALUE"}}
	for _, c := range h {
		change, value := c.From.String()+" → "+c.To.String(), fmtValue(c.Value)
		if c.Note != "" { // an event of the record, not a rule's change
			change, value = clean(c.Note), "-"
		}
		t = append(t, []string{c.At.Format("15:04:05"), clean(c.Rule), OrDash(clean(c.Instance)), change, value})
	}
	return t
}

// textRows writes a header and rows as tab-separated cells for a
// tabwriter, or "none" when there are no rows.
func textRows(w io.Writer, rows [][]string) {
	if len(rows) < 2 {
		fmt.Fprintln(w, "none")
		return
	}
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
}

// fmtValue prints a rule's value without exponent and with at most two
// decimals.
func fmtValue(v float64) string {
	if !metrics.Finite(v) {
		return "-"
	}
	out := strconv.FormatFloat(v, 'f', 2, 64)
	return strings.TrimSuffix(strings.TrimRight(out, "0"), ".")
}

func fmtPct(p float64) string {
	if !metrics.Finite(p) {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", p)
}

func fmtDur(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// WatchActive writes the full text of every active alert, then every note
// and info: the end of a screen snapshot, where the frame had to cut them.
func WatchActive(s metrics.Snapshot) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		fmt.Fprintf(&b, "ACTIVE ALERTS (%d)\n", len(s.Alerts))
		if len(s.Alerts) == 0 {
			b.WriteString("none\n")
		}
		for _, a := range s.Alerts {
			who := clean(a.Rule)
			if a.Instance != "" {
				who = clean(a.Instance) + " " + who
			}
			fmt.Fprintf(&b, "%s %s since %s (%s), threshold %s\n", AlertLabel(a), who,
				a.Since.Format("15:04:05"), fmtDur(s.At.Sub(a.Since)), OrDash(clean(a.Condition)))
			if m := message(a.Message); m != "" {
				fmt.Fprintf(&b, "  %s\n", m)
			}
		}
		if s.Blind != "" {
			fmt.Fprintf(&b, "BLIND\n  %s\n", BlindText(s.Blind))
		}
		for _, sec := range []struct {
			title string
			items []string
		}{{"NOTES", s.Notes}, {"INFO", s.Info}} {
			if len(sec.items) == 0 {
				continue
			}
			fmt.Fprintf(&b, "%s (%d)\n", sec.title, len(sec.items))
			for _, it := range sec.items {
				fmt.Fprintf(&b, "  %s\n", message(it))
			}
		}
		return write(w, "active alerts", TrimLines(b.Bytes()))
	}
}
