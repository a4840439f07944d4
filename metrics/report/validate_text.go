package report

import (
	"github.com/bridgescope/bridgescope/metrics"

	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ValidateText renders r as the plain-text report, shaped like the seed's
// multi-instance test output: overall statistics, latency, the per-instance
// distribution, the threshold checks and the verdict.
func ValidateText(r ValidateReport) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		fmt.Fprintf(&b, "Multi-instance validation: %s\n\n", runLine(r))
		b.WriteString("Overall Statistics:\n")
		Aligned(&b, "  ", overallRows(r))
		b.WriteString("\nLatency Statistics:\n")
		Aligned(&b, "  ", latencyRows(r))
		b.WriteString("\nDistribution:\n")
		for _, ir := range r.PerInstance {
			fmt.Fprintf(&b, "  %s\n", DistributionLine(ir))
		}
		writeFaultsText(&b, r)
		b.WriteString("\nChecks:\n")
		Aligned(&b, "  ", checkRows(r))
		b.WriteString("\n" + statusLine(r) + "\n")
		textList(&b, "Reasons:", r.Reasons)
		textList(&b, "Warnings (these do not fail the run):", r.Warnings)
		textList(&b, "Notes:", r.Notes)
		return write(w, "validate text", b.Bytes())
	}
}

// ValidateMarkdown renders r as Markdown tables, pasteable into a ticket.
func ValidateMarkdown(r ValidateReport) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		fmt.Fprintf(&b, "## Multi-instance validation: %s\n\n", strings.TrimPrefix(statusLine(r), "Status: "))
		fmt.Fprintf(&b, "%s\n\n", MarkdownEscape(runLine(r)))
		b.WriteString("### Overall statistics\n\n")
		MarkdownTable(&b, append([][]string{{"Metric", "Value"}}, overallRows(r)...))
		b.WriteString("\n### Latency\n\n")
		MarkdownTable(&b, append([][]string{{"Statistic", "Value"}}, latencyRows(r)...))
		b.WriteString("\n### Distribution\n\n")
		MarkdownTable(&b, distributionRows(r))
		writeFaultsMarkdown(&b, r)
		b.WriteString("\n### Checks\n\n")
		MarkdownTable(&b, checkRows(r))
		b.WriteString("\n### Verdict\n\n**" + statusLine(r) + "**\n")
		markdownList(&b, "Reasons", r.Reasons)
		markdownList(&b, "Warnings (these do not fail the run)", r.Warnings)
		markdownList(&b, "Notes", r.Notes)
		return write(w, "validate markdown", b.Bytes())
	}
}

// ValidateJSON renders r as exactly one indented JSON object.
func ValidateJSON(r ValidateReport) Reporter { return JSON(r) }

// DistributionLine is the seed's per-instance line, e.g.
// "Instance 0 (test-instance-0): published 69 → received 126 (65+61)",
// the parts being what each other instance delivered, in instance order.
func DistributionLine(ir InstanceResult) string {
	parts := make([]string, len(ir.FromCounts))
	for i, n := range ir.FromCounts {
		parts[i] = strconv.FormatInt(n, 10)
	}
	line := fmt.Sprintf("Instance %d (%s): published %d → received %d", ir.Index, clean(ir.ID), ir.Published, ir.Received)
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, "+") + ")"
	}
	if ir.PublishFailed > 0 {
		line += fmt.Sprintf(", %d failed to publish", ir.PublishFailed)
	}
	if ir.InFlight > 0 {
		line += fmt.Sprintf(", %d in flight", ir.InFlight)
	}
	if ir.Lost > 0 {
		line += fmt.Sprintf(", lost %d of %d", ir.Lost, ir.Expected)
	}
	return line
}

func runLine(r ValidateReport) string {
	s := fmt.Sprintf("%d instances, %s at %s events/s in total (drain %s), %s via %s",
		len(r.Instances), msText(r.DurationMs), strconv.FormatFloat(r.Rate, 'f', -1, 64),
		msText(r.DrainMs), OrDash(clean(r.Redis)), transportPhrase(r))
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
		rate = metrics.FormatPercent(r.DeliveryRate)
	}
	return [][]string{
		{"Total Instances:", itoa(int64(len(r.Instances)))},
		{"Rate:", achievedLine(r)},
		{"Events Intended:", itoa(r.Intended)},
		{"Publish Attempts:", itoa(r.Attempted)},
		{"Total Events Published:", itoa(r.Published)},
		{"Publish Failed:", failedLine(r)},
		{"Expected Deliveries:", itoa(r.Expected) + " (attempts × (N−1))"},
		{"Total Events Received:", itoa(r.Received)},
		{"In Flight at Cut-off:", itoa(r.InFlight) + " (arrived after the drain: not lost)"},
		{"Delivery Rate:", rate},
		{"Lost:", itoa(r.Lost)},
		{"Duplicates:", itoa(r.Duplicates)},
		{"Self-Received Events:", itoa(r.SelfReceived)},
		{"Instance ID Collisions:", itoa(r.Collisions)},
		{"Total Errors:", itoa(r.Errors)},
		{"Malformed:", itoa(r.Malformed)},
	}
}

// achievedLine is the achieved rate beside the requested one.
func achievedLine(r ValidateReport) string {
	if r.Intended == 0 {
		return fmt.Sprintf("%s events/s requested", rateText(r.Rate))
	}
	return fmt.Sprintf("%s events/s achieved of %s requested (%s)", rateText(r.AchievedRate), rateText(r.Rate),
		metrics.FormatPercent(100*r.AchievedRate/r.Rate))
}

// failedLine is the failed publishes and the windows they fell in.
func failedLine(r ValidateReport) string {
	line := itoa(r.PublishFailed)
	if len(r.Outages) > 0 {
		parts := make([]string, len(r.Outages))
		for i, o := range r.Outages {
			parts[i] = outageText(o)
		}
		line += ": " + strings.Join(parts, ", ")
	}
	return line
}

func latencyRows(r ValidateReport) [][]string {
	rows := bridgeLatencyRows(r)
	if b := r.BaselineUs; b != nil {
		line := "no samples"
		if b.Count > 0 {
			line = fmt.Sprintf("P50 %s, P99 %s, max %s (%s samples)", metrics.FormatUs(b.P50), metrics.FormatUs(b.P99), metrics.FormatUs(b.Max), itoa(b.Count))
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
		{"Average:", metrics.FormatUs(l.Avg)},
		{"Min:", metrics.FormatUs(l.Min)},
		{"P50:", metrics.FormatUs(l.P50)},
		{"P95:", metrics.FormatUs(l.P95)},
		{"P99:", metrics.FormatUs(l.P99)},
		{"Max:", metrics.FormatUs(l.Max)},
	}
	if r.Clamped > 0 {
		rows = append(rows, []string{"Clamped:", itoa(r.Clamped) + " outside 1µs..60s"})
	}
	return rows
}

func distributionRows(r ValidateReport) [][]string {
	rows := [][]string{{"Instance", "ID", "Published", "Failed", "Received", "From others", "In flight", "Lost"}}
	for _, ir := range r.PerInstance {
		parts := make([]string, len(ir.FromCounts))
		for i, n := range ir.FromCounts {
			parts[i] = itoa(n)
		}
		rows = append(rows, []string{itoa(int64(ir.Index)), clean(ir.ID), itoa(ir.Published), itoa(ir.PublishFailed),
			itoa(ir.Received), OrDash(strings.Join(parts, "+")), itoa(ir.InFlight), itoa(ir.Lost)})
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

// transportPhrase is how a text report says how the run reached Redis:
// "pub/sub", "streams over TLS", "pub/sub through an in-process proxy".
func transportPhrase(r ValidateReport) string {
	name := clean(r.Transport)
	if name == "pubsub" {
		name = "pub/sub"
	}
	if r.TLS {
		name += " over TLS"
	}
	if r.Proxy {
		name += " through an in-process proxy"
	}
	return OrDash(name)
}
