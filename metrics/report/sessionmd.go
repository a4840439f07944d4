package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/bridgescope/bridgescope/metrics"
)

// sparkWidth is a Markdown sparkline's width: with the ID and figures in
// front it keeps the line within PasteWidth.
const sparkWidth = 32

// SessionMarkdown is SessionHTML's report as Markdown, every line within
// PasteWidth: tables that would be wider are lists, the charts are
// sparklines (▁ to █ from the chart's bottom to its top; a blank: no data).
func SessionMarkdown(s Session) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		b.WriteString("## bridgescope session report\n\n")
		MarkdownParagraph(&b, MarkdownEscape(sessionLine(s)), PasteWidth)
		for _, n := range s.Notes {
			b.WriteString("\n")
			MarkdownParagraph(&b, "**note:** "+MarkdownEscape(clean(n)), PasteWidth)
		}
		fmt.Fprintf(&b, "\n**%s**\n\n### Checks\n\n", MarkdownEscape(verdictText(s)))
		MarkdownFit(&b, untag(sessionCheckRows(s)), PasteWidth)
		fmt.Fprintf(&b, "\n### Instances over time (%d)\n\n", len(s.Instances)+s.MoreInst)
		MarkdownParagraph(&b, fmt.Sprintf("Delivery (10 s) from %s to 100%%, and P99 (10 s) from 0 to the session's worst, %s to %s:",
			fmtPct(float64(s.Thresholds.DeliveryCrit)-5), s.Start.Format("15:04:05"), s.End.Format("15:04:05")), PasteWidth)
		b.WriteString("\n")
		worstP99 := 0.0
		for _, in := range s.Instances {
			worstP99 = nanMax(worstP99, in.MaxP99Us)
		}
		for _, in := range s.Instances {
			var dl, p99 []float64
			for _, p := range in.Points {
				dl, p99 = append(dl, p.Delivery), append(p99, p.P99Us)
			}
			lo := float64(s.Thresholds.DeliveryCrit) - 5
			fmt.Fprintf(&b, "- **%s** %s, worst %s, min delivery %s, max P99 %s\n", MarkdownEscape(clip(in.ID, 40)), levelName(in.AtEnd),
				levelName(in.Worst), fmtPct(in.MinDelivery), fmtUs(in.MaxP99Us))
			fmt.Fprintf(&b, "  `deliv %s`\n  `p99   %s`\n", sparkline(dl, sparkWidth*2, lo, 100, nanMin), sparkline(p99, sparkWidth*2, 0, math.Max(worstP99, 1), nanMax))
		}
		if s.MoreInst > 0 {
			fmt.Fprintf(&b, "\nand %d more instances\n", s.MoreInst)
		}
		b.WriteString("\n### Alert timeline\n\n")
		if len(s.Alerts) == 0 {
			b.WriteString("none\n")
		} else {
			MarkdownFit(&b, untag(alertSpanRows(s.Alerts, s.End, true)), PasteWidth)
		}
		if s.MoreSpans > 0 {
			fmt.Fprintf(&b, "\nand %d more changes\n", s.MoreSpans)
		}
		b.WriteString("\n### Faults: detection and recovery\n\n")
		MarkdownParagraph(&b, "A watch recording has no injected faults: these are the times an instance was not OK "+
			"(detected) until it was again (recovered), and the observer's own outages.", PasteWidth)
		for _, rows := range [][][]string{incidentRows(s.Incidents, s.End), outageRows(s.Outages, s.End)} {
			b.WriteString("\n")
			if len(rows) < 2 {
				b.WriteString("none\n")
				continue
			}
			MarkdownFit(&b, untag(rows), PasteWidth)
		}
		b.WriteString("\n### Configuration\n\n")
		MarkdownFit(&b, untag(sessionConfigRows(s)), PasteWidth)
		return write(w, "session markdown", b.Bytes())
	}
}

// untag drops the numeric-column marks of the HTML tables' headers.
func untag(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = r
		if i == 0 {
			out[i] = make([]string, len(r))
			for j, c := range r {
				out[i][j] = strings.TrimSuffix(c, "#")
			}
		}
	}
	return out
}

func clip(s string, n int) string {
	r := []rune(clean(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

func fmtUs(us float64) string {
	if math.IsNaN(us) {
		return "-"
	}
	return strings.TrimSpace(metrics.FormatUsShort(us))
}
