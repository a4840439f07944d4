package report

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
)

// CSP is every HTML report's Content-Security-Policy: nothing may load from
// anywhere (no script at all, no font, no image but inline data), so the
// file reads offline and a link in it cannot phone home.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

// HTMLSection is one more part of an HTML report: a title and a body that
// writes trusted HTML (escape what it prints with html.EscapeString).
type HTMLSection struct {
	Title string
	Body  func(w *bytes.Buffer)
}

// HTMLOptions are what an HTML report shows beyond its result.
type HTMLOptions struct {
	// FrameSVG is the dashboard as it stood at the end, an SVG document
	// from frameimage (inlined as it is).
	FrameSVG []byte
	// Sections come after the checks. This is where the fan-out matrix
	// (issue 12: who received whom) goes when a recording carries one;
	// nothing here draws it yet.
	Sections []HTMLSection
}

const css = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1180px;color:#1f2328;background:#fff;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.sub{color:#57606a}table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:middle}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
.OK{color:#1a7f37}.WARN{color:#9a6700;font-weight:600}.CRIT{color:#cf222e;font-weight:700}
.verdict{display:inline-block;font-size:20px;font-weight:700;padding:6px 14px;border-radius:6px;margin:10px 0;border:2px solid}
.verdict.OK{background:#dafbe1}.verdict.WARN{background:#fff8c5}.verdict.CRIT{background:#ffebe9}
svg.chart .plot{fill:#f6f8fa;stroke:#d0d7de}svg.chart .axis{font:10px ui-monospace,Menlo,monospace;fill:#57606a}
.frame svg{max-width:100%;height:auto;border:1px solid #d0d7de}.legend span{margin-right:14px}.note{color:#9a6700}`

// page writes an HTML document around body: the CSP, the style, a title.
func page(w io.Writer, title string, body func(b *bytes.Buffer)) error {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n", CSP)
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>%s</style></head><body>\n", esc(title), css)
	body(&b)
	b.WriteString("</body></html>\n")
	return write(w, "html", b.Bytes())
}

func esc(s string) string { return html.EscapeString(clean(s)) }

// htmlTable writes rows (the first the header) as a table; cells are text
// from the wire, escaped; a column whose header ends in "#" is numeric.
func htmlTable(b *bytes.Buffer, rows [][]string) {
	if len(rows) < 2 {
		b.WriteString("<p class=\"sub\">none</p>\n")
		return
	}
	b.WriteString("<table>")
	num := map[int]bool{}
	for i, row := range rows {
		b.WriteString("<tr>")
		for j, c := range row {
			switch {
			case i == 0:
				num[j] = strings.HasSuffix(c, "#")
				fmt.Fprintf(b, "<th>%s</th>", esc(strings.TrimSuffix(c, "#")))
			case num[j]:
				fmt.Fprintf(b, "<td class=\"n\">%s</td>", esc(c))
			default:
				fmt.Fprintf(b, "<td%s>%s</td>", levelClass(c), esc(strings.TrimSuffix(c, ":")))
			}
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
}

// levelClass colours a cell that is a level's name.
func levelClass(c string) string {
	for _, l := range []string{"OK", "WARN", "CRIT"} {
		if c == l || strings.HasPrefix(c, l+"↘") || c == "held "+l {
			return ` class="` + l + `"`
		}
	}
	return ""
}

func verdictBadge(b *bytes.Buffer, l metrics.Level, text string) {
	fmt.Fprintf(b, "<div class=\"verdict %s\">%s</div>\n", levelName(l), esc(text))
}

// SessionHTML is a recorded session's report as one self-contained HTML
// file: inline style and SVG, no script, a CSP that forbids every load.
func SessionHTML(s Session, o HTMLOptions) Reporter {
	return func(w io.Writer) error {
		return page(w, "bridgescope session "+s.Start.Format("2006-01-02 15:04"), func(b *bytes.Buffer) {
			fmt.Fprintf(b, "<h1>bridgescope session report</h1>\n<p class=\"sub\">%s</p>\n", esc(sessionLine(s)))
			for _, n := range s.Notes {
				fmt.Fprintf(b, "<p class=\"note\">%s</p>\n", esc(n))
			}
			verdictBadge(b, s.Verdict, verdictText(s))
			b.WriteString("<h2>Checks</h2>\n")
			htmlTable(b, sessionCheckRows(s))
			for _, sec := range o.Sections {
				fmt.Fprintf(b, "<h2>%s</h2>\n", esc(sec.Title))
				sec.Body(b)
			}
			sessionInstancesHTML(b, s)
			b.WriteString("<h2>Alert timeline</h2>\n")
			htmlTable(b, alertSpanRows(s.Alerts, s.End, true))
			if s.MoreSpans > 0 {
				fmt.Fprintf(b, "<p class=\"sub\">and %d more changes, past the first %d</p>\n", s.MoreSpans, MaxAlertSpans)
			}
			b.WriteString("<h2>Faults: detection and recovery</h2>\n<p class=\"sub\">A watch recording has no injected faults; " +
				"these are the times an instance was not OK (detected) until it was again (recovered), and the observer's own outages.</p>\n")
			htmlTable(b, incidentRows(s.Incidents, s.End))
			htmlTable(b, outageRows(s.Outages, s.End))
			if len(o.FrameSVG) > 0 {
				fmt.Fprintf(b, "<h2>The dashboard at %s</h2>\n<div class=\"frame\">%s</div>\n", esc(s.End.Format("15:04:05")), o.FrameSVG)
			}
			b.WriteString("<h2>Configuration</h2>\n")
			htmlTable(b, sessionConfigRows(s))
		})
	}
}

func sessionInstancesHTML(b *bytes.Buffer, s Session) {
	fmt.Fprintf(b, "<h2>Instances over time (%d)</h2>\n", len(s.Instances)+s.MoreInst)
	b.WriteString(`<p class="legend"><span style="color:#0969da">━ delivery, 10 s</span><span style="color:#6e7781">━ P50</span>` +
		`<span style="color:#8250df">━ P99</span><span style="color:#bf8700">┄ warn</span><span style="color:#cf222e">┄ crit</span></p>` + "\n")
	b.WriteString("<table><tr><th>ID</th><th>at end</th><th>worst</th><th>min delivery</th><th>max P99</th><th>delivery, 10 s</th><th>P50 and P99, 10 s</th></tr>\n")
	th := s.Thresholds
	for _, in := range s.Instances {
		var ts []time.Time
		var dl, p50, p99 []float64
		maxV := 0.0
		for _, p := range in.Points {
			ts, dl, p50, p99 = append(ts, p.At), append(dl, p.Delivery), append(p50, p.P50Us), append(p99, p.P99Us)
			maxV = nanMax(maxV, p.P99Us)
		}
		lo := 100.0
		for _, v := range dl {
			lo = nanMin(lo, v)
		}
		lo = min(float64(th.DeliveryCrit)-5, lo)
		warnUs, critUs := float64(th.P99Warn.Std().Microseconds()), float64(th.P99Crit.Std().Microseconds())
		hi := maxV * 1.1
		if warnUs <= maxV*3 {
			hi = max(hi, warnUs*1.1)
		}
		if critUs <= maxV*3 {
			hi = max(hi, critUs*1.05)
		}
		fmt.Fprintf(b, "<tr><td class=\"mono\">%s</td><td%s>%s</td><td%s>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>",
			esc(in.ID), levelClass(levelName(in.AtEnd)), levelName(in.AtEnd), levelClass(levelName(in.Worst)), levelName(in.Worst),
			fmtPct(in.MinDelivery), metrics.FormatUsShort(in.MaxP99Us))
		chart{w: 300, h: 64, start: s.Start, end: s.End, lo: max(lo, 0), hi: 100, unit: func(v float64) string { return fmtPct(v) },
			lines: []chartLine{{label: "delivery", colour: "#0969da", times: ts, values: dl}},
			refs:  []chartRef{{at: float64(th.DeliveryWarn), label: "warn", colour: "#bf8700"}, {at: float64(th.DeliveryCrit), label: "crit", colour: "#cf222e"}}}.svg(b)
		b.WriteString("</td><td>")
		chart{w: 300, h: 64, start: s.Start, end: s.End, lo: 0, hi: max(hi, 1), unit: metrics.FormatUsShort,
			lines: []chartLine{{label: "P50", colour: "#6e7781", times: ts, values: p50}, {label: "P99", colour: "#8250df", times: ts, values: p99}},
			refs:  []chartRef{{at: warnUs, label: "warn", colour: "#bf8700"}, {at: critUs, label: "crit", colour: "#cf222e"}}}.svg(b)
		b.WriteString("</td></tr>\n")
	}
	b.WriteString("</table>\n")
	if s.MoreInst > 0 {
		fmt.Fprintf(b, "<p class=\"sub\">and %d more instances, all OK throughout or less bad than those above</p>\n", s.MoreInst)
	}
}

func sessionLine(s Session) string {
	return fmt.Sprintf("%s · %s – %s (%s) · %s · observer %s · %d frames", s.Command, s.Start.Format("2006-01-02 15:04:05"),
		s.End.Format("15:04:05 MST"), fmtDur(s.End.Sub(s.Start)), s.Redis, s.Observer, s.Frames)
}

func verdictText(s Session) string {
	t := levelName(s.Verdict) + " at end"
	if s.Worst > s.Verdict {
		t += " · worst " + levelName(s.Worst) + " during the session"
	}
	return t
}

func sessionCheckRows(s Session) [][]string {
	rows := [][]string{{"RULE", "THRESHOLDS", "AT END", "WORST", "WARN, Σ INSTANCES#", "CRIT, Σ INSTANCES#", "INSTANCES HIT#"}}
	for _, c := range s.Checks {
		rows = append(rows, []string{c.Rule, c.Condition, levelName(c.AtEnd), levelName(c.Worst),
			fmtDur(time.Duration(c.WarnMs) * time.Millisecond), fmtDur(time.Duration(c.CritMs) * time.Millisecond), fmt.Sprint(c.Instances)})
	}
	return rows
}

func until(to time.Time, open bool) string {
	if open {
		return "(still at end)"
	}
	return to.Format("15:04:05")
}

func alertSpanRows(spans []AlertSpan, end time.Time, withMsg bool) [][]string {
	rows := [][]string{{"RULE", "INSTANCE", "LEVEL", "FROM", "TO", "FOR#"}}
	if withMsg {
		rows[0] = append(rows[0], "MESSAGE")
	}
	for _, a := range spans {
		r := []string{a.Rule, OrDash(a.Instance), levelName(a.Level), a.From.Format("15:04:05"), until(a.To, a.Open), fmtDur(a.To.Sub(a.From))}
		if withMsg {
			r = append(r, OrDash(a.Message))
		}
		rows = append(rows, r)
	}
	return rows
}

func incidentRows(spans []AlertSpan, end time.Time) [][]string {
	rows := [][]string{{"INSTANCE", "LEVEL", "DETECTED", "RECOVERED", "AFTER#"}}
	for _, a := range spans {
		rows = append(rows, []string{a.Instance, levelName(a.Level), a.From.Format("15:04:05"), until(a.To, a.Open), fmtDur(a.To.Sub(a.From))})
	}
	return rows
}

func outageRows(spans []AlertSpan, end time.Time) [][]string {
	rows := [][]string{{"OBSERVER", "FROM", "TO", "FOR#", "WHY"}}
	for _, a := range spans {
		rows = append(rows, []string{a.Rule, a.From.Format("15:04:05"), until(a.To, a.Open), fmtDur(a.To.Sub(a.From)), OrDash(a.Message)})
	}
	return rows
}

func sessionConfigRows(s Session) [][]string {
	rows := [][]string{{"SETTING", "VALUE"}, {"command", s.Command}, {"bridgescope", s.Bridgescope}, {"redis", s.Redis}, {"observer", s.Observer}}
	keys := make([]string, 0, len(s.Config))
	for k := range s.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rows = append(rows, []string{k, s.Config[k]})
	}
	th := s.Thresholds
	rows = append(rows, []string{"delivery warn / crit", th.DeliveryWarn.String() + " / " + th.DeliveryCrit.String()},
		[]string{"p99 warn / crit", th.P99Warn.String() + " / " + th.P99Crit.String()},
		[]string{"silent warn", th.SilentWarn.String()}, []string{"disconnected crit", th.DisconnectedCrit.String()},
		[]string{"alert hold", th.Hold.String()}, []string{"recording sha256", s.SHA256})
	return rows
}

// ValidateHTML is a validate run's report as one self-contained HTML file,
// the same facts as ValidateMarkdown.
func ValidateHTML(r ValidateReport, o HTMLOptions) Reporter {
	return func(w io.Writer) error {
		return page(w, "bridgescope validate "+r.Status, func(b *bytes.Buffer) {
			fmt.Fprintf(b, "<h1>bridgescope validate</h1>\n<p class=\"sub\">%s</p>\n", esc(runLine(r)))
			verdictBadge(b, r.Level, statusLine(r))
			for _, n := range append(append(append([]string{}, r.Reasons...), r.Warnings...), r.Notes...) {
				fmt.Fprintf(b, "<p class=\"note\">%s</p>\n", esc(n))
			}
			b.WriteString("<h2>Checks</h2>\n")
			htmlTable(b, checkRows(r))
			for _, sec := range o.Sections {
				fmt.Fprintf(b, "<h2>%s</h2>\n", esc(sec.Title))
				sec.Body(b)
			}
			b.WriteString("<h2>Overall</h2>\n")
			htmlTable(b, append([][]string{{"FIGURE", "VALUE"}}, overallRows(r)...))
			b.WriteString("<h2>Latency</h2>\n")
			htmlTable(b, append([][]string{{"PERCENTILE", "VALUE"}}, latencyRows(r)...))
			b.WriteString("<h2>Distribution</h2>\n")
			htmlTable(b, distributionRows(r))
			if len(r.Faults) > 0 {
				b.WriteString("<h2>Faults: detection and recovery</h2>\n")
				htmlTable(b, faultRows(r))
			}
		})
	}
}
