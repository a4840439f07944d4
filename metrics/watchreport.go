package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WatchLine is the one-line summary the headless watch prints per refresh:
// time, connection, instance counts by level, the worst 10 s delivery and
// p99 with their instances, and the number of active alerts.
func WatchLine(s Snapshot) string {
	var n [3]int
	for _, in := range s.Instances {
		if in.State >= OK && in.State <= Crit {
			n[in.State]++
		} else {
			n[Crit]++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", s.At.Format("15:04:05"), wrText(s.Conn))
	if s.Paused {
		b.WriteString(" (probes paused)")
	}
	if len(s.Shards) > 0 {
		fmt.Fprintf(&b, " (%d/%d shards up)", len(s.Shards)-shardsDown(s.Shards), len(s.Shards))
	}
	fmt.Fprintf(&b, " · %d instances: %d ok, %d warn, %d crit", len(s.Instances), n[OK], n[Warn], n[Crit])
	if w, ok := wrWorstDelivery(s.Instances); ok {
		fmt.Fprintf(&b, " · worst delivery %s %s", wrPct(w.Delivery10s), wrText(w.ID))
	}
	if w, ok := wrWorstP99(s.Instances); ok {
		fmt.Fprintf(&b, " · worst p99 %s %s", FormatUsShort(w.RTT10s.P99), wrText(w.ID))
	}
	if bl := s.Baseline; bl != nil && bl.RTT10s.Count > 0 {
		fmt.Fprintf(&b, " · raw Redis 1-hop p50 %s p99 %s", FormatUsShort(bl.RTT10s.P50), FormatUsShort(bl.RTT10s.P99))
	}
	fmt.Fprintf(&b, " · %d alerts", len(s.Alerts))
	return b.String()
}

func wrWorstDelivery(rows []InstanceRow) (InstanceRow, bool) {
	var w InstanceRow
	found := false
	for _, in := range rows {
		if in.Left || !wrFinite(in.Delivery10s) {
			continue
		}
		if !found || in.Delivery10s < w.Delivery10s {
			w, found = in, true
		}
	}
	return w, found
}

func wrWorstP99(rows []InstanceRow) (InstanceRow, bool) {
	var w InstanceRow
	found := false
	for _, in := range rows {
		if in.Left || in.RTT10s.Count == 0 || !wrFinite(in.RTT10s.P99) {
			continue
		}
		if !found || in.RTT10s.P99 > w.RTT10s.P99 {
			w, found = in, true
		}
	}
	return w, found
}

// WatchText reports the observer's final state as aligned plain-text tables.
func WatchText(s Snapshot) Reporter {
	return func(w io.Writer) error {
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		for _, f := range wrFacts(s) {
			fmt.Fprintf(tw, "%s\t%s\n", f[0], f[1])
		}
		fmt.Fprintf(tw, "\nINSTANCES (%d)\n", len(s.Instances))
		wrRows(tw, wrInstances(s.Instances))
		if len(s.Shards) > 0 {
			fmt.Fprintf(tw, "\nSHARDS (%d)\n", len(s.Shards))
			wrRows(tw, wrShards(s))
		}
		fmt.Fprintf(tw, "\nSOURCES (%d)\n", len(s.Sources))
		wrRows(tw, wrSources(s.Sources))
		fmt.Fprintf(tw, "\nACTIVE ALERTS (%d)\n", len(s.Alerts))
		wrRows(tw, wrAlerts(s))
		fmt.Fprintf(tw, "\nRECENT CHANGES (%d)\n", len(s.History))
		wrRows(tw, wrHistory(s.History))
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("metrics: write watch text: %w", err)
		}
		return nil
	}
}

// WatchMarkdown reports the observer's state as Markdown tables (header
// facts, instances, sources, active alerts, recent changes) for a ticket.
func WatchMarkdown(s Snapshot) Reporter {
	return func(w io.Writer) error {
		var b strings.Builder
		fmt.Fprintf(&b, "## bridgescope watch — %s\n\n", s.At.UTC().Format(time.RFC3339))
		facts := [][]string{{"field", "value"}}
		facts = append(facts, wrFacts(s)...)
		wrMarkdown(&b, facts)
		sections := []struct {
			title string
			rows  [][]string
		}{
			{fmt.Sprintf("Instances (%d)", len(s.Instances)), wrInstances(s.Instances)},
			{fmt.Sprintf("Shards (%d)", len(s.Shards)), wrShards(s)},
			{fmt.Sprintf("Sources (%d)", len(s.Sources)), wrSources(s.Sources)},
			{fmt.Sprintf("Active alerts (%d)", len(s.Alerts)), wrAlerts(s)},
			{fmt.Sprintf("Recent changes (%d)", len(s.History)), wrHistory(s.History)},
		}
		if len(s.Shards) == 0 { // a single server: no section
			sections = append(sections[:1], sections[2:]...)
		}
		for _, sec := range sections {
			fmt.Fprintf(&b, "\n### %s\n\n", sec.title)
			if len(sec.rows) < 2 {
				b.WriteString("none\n")
				continue
			}
			wrMarkdown(&b, sec.rows)
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return fmt.Errorf("metrics: write watch markdown: %w", err)
		}
		return nil
	}
}

// WatchJSON reports the Snapshot as exactly one indented JSON object; "no
// data" (NaN) figures are written as null by the types' own marshalers.
func WatchJSON(s Snapshot) Reporter {
	return func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return fmt.Errorf("metrics: write watch json: %w", err)
		}
		return nil
	}
}

func wrFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func wrFacts(s Snapshot) [][]string {
	probes := fmt.Sprintf("%.4g/s", s.ProbeRate)
	if s.Paused {
		probes += " (paused)"
	}
	if len(s.ProbeChannels) > 0 {
		probes += " on " + wrText(strings.Join(s.ProbeChannels, ", "))
	}
	facts := [][]string{
		{"at", s.At.UTC().Format(time.RFC3339)},
		{"redis", wrText(s.Redis)},
		{"observer", wrText(s.Observer)},
		{"uptime", wrDur(s.At.Sub(s.Started))},
		{"connection", fmt.Sprintf("%s for %s", wrText(s.Conn), wrDur(s.At.Sub(s.ConnSince)))},
		{"transport", wrText(s.Transport)},
		{"probes", probes},
		{"channels", wrText(strings.Join(s.Channels, ", "))},
		{"malformed", wrMalformed(s)},
	}
	if s.Baseline != nil {
		facts = append(facts, []string{"raw Redis, one hop (baseline)", wrBaseline(*s.Baseline)})
	}
	for _, n := range s.Notes {
		facts = append(facts, []string{"note", wrText(n)})
	}
	return facts
}

func wrMalformed(s Snapshot) string {
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
		parts[i] = fmt.Sprintf("%s %d", wrText(r), s.MalformedByReason[r])
	}
	return out + " (" + strings.Join(parts, ", ") + ")"
}

func wrInstances(rows []InstanceRow) [][]string {
	t := [][]string{{"ID", "ROLE", "STATE", "DELIVERY", "DELIV 10s", "DELIV 1m", "P50", "P95", "P99", "MAX",
		"LOST", "DUP", "LATE", "SELF", "ERR", "RECONN", "DROPS", "LAST SEEN"}}
	for _, in := range rows {
		seen := wrDur(time.Duration(in.LastSeenMs) * time.Millisecond)
		if in.Left {
			seen += " (left)"
		}
		t = append(t, []string{wrText(in.ID), wrText(in.Role), in.State.String(),
			wrPct(in.Delivery), wrPct(in.Delivery10s), wrPct(in.Delivery1m),
			FormatUsShort(in.RTT.P50), FormatUsShort(in.RTT.P95), FormatUsShort(in.RTT.P99), FormatUsShort(in.RTT.Max),
			fmt.Sprint(in.Lost), fmt.Sprint(in.Duplicates), fmt.Sprint(in.Late), fmt.Sprint(in.SelfReceived),
			fmt.Sprint(in.Errors), fmt.Sprint(in.Reconnects), fmt.Sprint(in.Drops), seen})
	}
	return t
}

func wrSources(rows []SourceRow) [][]string {
	t := [][]string{{"ID", "EVENTS", "RATE", "GAPS", "DUP", "REORDER", "MALFORMED", "BOOTS", "ONE-WAY P50", "ONE-WAY P99", "SEQ"}}
	for _, src := range rows {
		seq := "yes"
		if !src.HasSeq {
			seq = "no (seed format)"
		}
		t = append(t, []string{wrText(src.ID), fmt.Sprint(src.Events), fmt.Sprintf("%.1f/s", src.RatePerSec),
			fmt.Sprint(src.Gaps), fmt.Sprint(src.Duplicates), fmt.Sprint(src.Reorders), fmt.Sprint(src.Malformed),
			fmt.Sprint(src.Boots), FormatUsShort(src.OneWay.P50), FormatUsShort(src.OneWay.P99), seq})
	}
	return t
}

func wrAlerts(s Snapshot) [][]string {
	t := [][]string{{"LEVEL", "RULE", "INSTANCE", "SINCE", "FOR", "MESSAGE"}}
	for _, a := range s.Alerts {
		t = append(t, []string{a.Level.String(), wrText(a.Rule), wrOrDash(wrText(a.Instance)),
			a.Since.Format("15:04:05"), wrDur(s.At.Sub(a.Since)), wrText(a.Message)})
	}
	return t
}

func wrHistory(h []AlertChange) [][]string {
	t := [][]string{{"TIME", "RULE", "INSTANCE", "CHANGE", "VALUE"}}
	for _, c := range h {
		t = append(t, []string{c.At.Format("15:04:05"), wrText(c.Rule), wrOrDash(wrText(c.Instance)),
			c.From.String() + " → " + c.To.String(), wrNum(c.Value)})
	}
	return t
}

// wrRows writes a header and rows as tab-separated cells for a
// tabwriter, or "none" when there are no rows.
func wrRows(w io.Writer, rows [][]string) {
	if len(rows) < 2 {
		fmt.Fprintln(w, "none")
		return
	}
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
}

func wrMarkdown(b *strings.Builder, rows [][]string) {
	esc := make([][]string, len(rows))
	for i, r := range rows {
		esc[i] = make([]string, len(r))
		for j, cell := range r {
			esc[i][j] = strings.ReplaceAll(cell, "|", `\|`)
		}
	}
	for i, r := range esc {
		fmt.Fprintf(b, "| %s |\n", strings.Join(r, " | "))
		if i == 0 {
			b.WriteString("|" + strings.Repeat(" --- |", len(r)) + "\n")
		}
	}
}

// wrText makes text from the wire safe to print (SanitizeText), capped at
// 256 runes.
func wrText(s string) string { return SanitizeText(s, 256) }

// wrNum prints a rule's value without exponent and with at most two
// decimals.
func wrNum(v float64) string {
	if !wrFinite(v) {
		return "-"
	}
	out := strconv.FormatFloat(v, 'f', 2, 64)
	return strings.TrimSuffix(strings.TrimRight(out, "0"), ".")
}

func wrOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func wrPct(p float64) string {
	if !wrFinite(p) {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", p)
}

func wrDur(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
