package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"
)

// Reporter writes one report to w and returns any write error.
type Reporter func(io.Writer) error

// ValidateText renders r as the plain-text report, shaped like the seed's
// multi-instance test output: overall statistics, latency, the per-instance
// distribution, the threshold checks and the verdict.
func ValidateText(r ValidateReport) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		fmt.Fprintf(&b, "Multi-instance validation: %s\n\n", runLine(r))
		b.WriteString("Overall Statistics:\n")
		writeAligned(&b, "  ", overallRows(r))
		b.WriteString("\nLatency Statistics:\n")
		writeAligned(&b, "  ", latencyRows(r))
		b.WriteString("\nDistribution:\n")
		for _, ir := range r.PerInstance {
			fmt.Fprintf(&b, "  %s\n", DistributionLine(ir))
		}
		writeFaultsText(&b, r)
		b.WriteString("\nChecks:\n")
		writeAligned(&b, "  ", checkRows(r))
		b.WriteString("\n" + statusLine(r) + "\n")
		writeList(&b, "Reasons:", r.Reasons)
		writeList(&b, "Warnings (these do not fail the run):", r.Warnings)
		writeList(&b, "Notes:", r.Notes)
		if _, err := w.Write(b.Bytes()); err != nil {
			return fmt.Errorf("metrics: write validate text: %w", err)
		}
		return nil
	}
}

// ValidateMarkdown renders r as Markdown tables, pasteable into a ticket.
func ValidateMarkdown(r ValidateReport) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		fmt.Fprintf(&b, "## Multi-instance validation: %s\n\n", strings.TrimPrefix(statusLine(r), "Status: "))
		fmt.Fprintf(&b, "%s\n\n", mdEscape(runLine(r)))
		b.WriteString("### Overall statistics\n\n")
		writeMarkdown(&b, append([][]string{{"Metric", "Value"}}, overallRows(r)...))
		b.WriteString("\n### Latency\n\n")
		writeMarkdown(&b, append([][]string{{"Statistic", "Value"}}, latencyRows(r)...))
		b.WriteString("\n### Distribution\n\n")
		writeMarkdown(&b, distributionRows(r))
		writeFaultsMarkdown(&b, r)
		b.WriteString("\n### Checks\n\n")
		writeMarkdown(&b, checkRows(r))
		b.WriteString("\n### Verdict\n\n**" + statusLine(r) + "**\n")
		writeMDList(&b, "Reasons", r.Reasons)
		writeMDList(&b, "Warnings (these do not fail the run)", r.Warnings)
		writeMDList(&b, "Notes", r.Notes)
		if _, err := w.Write(b.Bytes()); err != nil {
			return fmt.Errorf("metrics: write validate markdown: %w", err)
		}
		return nil
	}
}

// ValidateJSON renders r as exactly one indented JSON object.
func ValidateJSON(r ValidateReport) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // "< 95%" stays readable
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("metrics: encode validate json: %w", err)
		}
		if _, err := w.Write(b.Bytes()); err != nil {
			return fmt.Errorf("metrics: write validate json: %w", err)
		}
		return nil
	}
}

// DistributionLine is the seed's per-instance line, e.g.
// "Instance 0 (test-instance-0): published 69 → received 126 (65+61)",
// the parts being what each other instance delivered, in instance order.
func DistributionLine(ir InstanceResult) string {
	parts := make([]string, len(ir.FromCounts))
	for i, n := range ir.FromCounts {
		parts[i] = strconv.FormatInt(n, 10)
	}
	line := fmt.Sprintf("Instance %d (%s): published %d → received %d", ir.Index, plain(ir.ID), ir.Published, ir.Received)
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, "+") + ")"
	}
	if ir.Lost > 0 {
		line += fmt.Sprintf(", lost %d of %d", ir.Lost, ir.Expected)
	}
	return line
}

func runLine(r ValidateReport) string {
	s := fmt.Sprintf("%d instances, %s at %s events/s in total (drain %s), %s via %s",
		len(r.Instances), msText(r.DurationMs), strconv.FormatFloat(r.Rate, 'f', -1, 64),
		msText(r.DrainMs), orDash(plain(r.Redis)), orDash(plain(r.Transport)))
	if r.SharedID {
		s += ", instances sharing one ID on purpose"
	}
	return s
}

func statusLine(r ValidateReport) string {
	s := "Status: " + r.Status
	if r.Status == "PASS" && len(r.Warnings) > 0 {
		s += fmt.Sprintf(" (with %d warning(s))", len(r.Warnings))
	}
	return s
}

func overallRows(r ValidateReport) [][]string {
	rate := "n/a (nothing expected)"
	if r.Expected > 0 {
		rate = FormatPercent(r.DeliveryRate)
	}
	return [][]string{
		{"Total Instances:", itoa(int64(len(r.Instances)))},
		{"Total Events Published:", itoa(r.Published)},
		{"Expected Deliveries:", itoa(r.Expected)},
		{"Total Events Received:", itoa(r.Received)},
		{"Delivery Rate:", rate},
		{"Lost:", itoa(r.Lost)},
		{"Duplicates:", itoa(r.Duplicates)},
		{"Self-Received Events:", itoa(r.SelfReceived)},
		{"Instance ID Collisions:", itoa(r.Collisions)},
		{"Total Errors:", itoa(r.Errors)},
		{"Malformed:", itoa(r.Malformed)},
	}
}

func latencyRows(r ValidateReport) [][]string {
	rows := bridgeLatencyRows(r)
	if b := r.BaselineUs; b != nil {
		line := "no samples"
		if b.Count > 0 {
			line = fmt.Sprintf("P50 %s, P99 %s, max %s (%s samples)", FormatUs(b.P50), FormatUs(b.P99), FormatUs(b.Max), itoa(b.Count))
		}
		rows = append(rows, []string{"Raw Redis (baseline):", line})
	}
	return rows
}

func bridgeLatencyRows(r ValidateReport) [][]string {
	l := r.LatencyUs
	if l.Count == 0 {
		return [][]string{{"Samples:", "0 (no latency measured)"}}
	}
	rows := [][]string{
		{"Samples:", itoa(l.Count)},
		{"Average:", FormatUs(l.Avg)},
		{"Min:", FormatUs(l.Min)},
		{"P50:", FormatUs(l.P50)},
		{"P95:", FormatUs(l.P95)},
		{"P99:", FormatUs(l.P99)},
		{"Max:", FormatUs(l.Max)},
	}
	if r.Clamped > 0 {
		rows = append(rows, []string{"Clamped:", itoa(r.Clamped) + " outside 1µs..60s"})
	}
	return rows
}

func distributionRows(r ValidateReport) [][]string {
	rows := [][]string{{"Instance", "ID", "Published", "Received", "From others", "Lost"}}
	for _, ir := range r.PerInstance {
		parts := make([]string, len(ir.FromCounts))
		for i, n := range ir.FromCounts {
			parts[i] = itoa(n)
		}
		rows = append(rows, []string{itoa(int64(ir.Index)), plain(ir.ID), itoa(ir.Published),
			itoa(ir.Received), orDash(strings.Join(parts, "+")), itoa(ir.Lost)})
	}
	return rows
}

func checkRows(r ValidateReport) [][]string {
	rows := [][]string{{"CHECK", "VALUE", "WARN", "CRIT", "LEVEL"}}
	for _, c := range r.Checks {
		rows = append(rows, []string{c.Name, c.Display, c.Warn, c.Crit, c.Level.String()})
	}
	return rows
}

// writeAligned writes rows as space-aligned columns. Writes go to a buffer,
// whose only possible failure is running out of memory.
func writeAligned(b *bytes.Buffer, indent string, rows [][]string) {
	tw := tabwriter.NewWriter(b, 0, 8, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintf(tw, "%s%s\n", indent, strings.Join(row, "\t"))
	}
	_ = tw.Flush()
}

func writeList(b *bytes.Buffer, title string, items []string) {
	if len(items) == 0 {
		return
	}
	b.WriteString(title + "\n")
	for _, it := range items {
		fmt.Fprintf(b, "  - %s\n", plain(it))
	}
}

func writeMDList(b *bytes.Buffer, title string, items []string) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s:\n\n", title)
	for _, it := range items {
		fmt.Fprintf(b, "- %s\n", mdEscape(plain(it)))
	}
}

func writeMarkdown(b *bytes.Buffer, rows [][]string) {
	for i, row := range rows {
		cells := make([]string, len(row))
		for j, c := range row {
			cells[j] = mdEscape(strings.TrimSuffix(c, ":"))
		}
		fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
		if i == 0 {
			b.WriteString("|" + strings.Repeat(" --- |", len(row)) + "\n")
		}
	}
}

// mdEscape keeps a cell from breaking the table or starting markup. A "<"
// followed by a space ("< 95%") cannot open an HTML tag and stays as is.
func mdEscape(s string) string {
	s = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "*", `\*`, "_", `\_`, "`", "\\`").Replace(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '<' && (i+1 == len(s) || s[i+1] != ' ') {
			b.WriteString("&lt;")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func msText(ms int64) string { return (time.Duration(ms) * time.Millisecond).String() }

// plain drops control and format characters (and so terminal escape
// sequences) from text that may have come over the wire, such as IDs.
func plain(s string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
