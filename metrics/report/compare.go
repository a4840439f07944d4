package report

import (
	"github.com/bridgescope/bridgescope/metrics"

	"bytes"
	"fmt"
	"io"
	"strings"
)

// CompareReport is one fault scenario run once per transport
// (validate --compare-transports): every run's full report, and per fault
// a side-by-side of what it did on each transport. The run's verdict is
// the worst of the runs'.
type CompareReport struct {
	Runs    []ValidateReport  `json:"runs"`
	Compare []FaultComparison `json:"compare"`
	Level   metrics.Level     `json:"level"`
	Status  string            `json:"status"` // "PASS" when every run passed
}

// FaultComparison is one fault of the scenario on every transport.
type FaultComparison struct {
	Spec       string           `json:"spec"`
	Name       string           `json:"name"`
	Transports []TransportFault `json:"transports"`
}

// TransportFault is the part of a FaultResult the comparison lines up.
type TransportFault struct {
	Transport   string `json:"transport"` // as configured: "pubsub", "streams"
	AtMs        int64  `json:"atMs"`
	DetectedMs  *int64 `json:"detectedMs"`
	RecoveredMs *int64 `json:"recoveredMs"`
	Lost        int64  `json:"lost"`
	Expected    int64  `json:"expected"`
	Error       string `json:"error,omitempty"`
}

// BuildCompareReport lines up the faults of runs of one scenario, run i
// on transport names[i], matched by their order in the scenario (each run
// injects the same faults).
func BuildCompareReport(names []string, runs []ValidateReport) CompareReport {
	c := CompareReport{Runs: append([]ValidateReport{}, runs...), Compare: []FaultComparison{}, Status: "PASS"}
	for _, r := range runs {
		c.Level = max(c.Level, r.Level)
		if r.Status != "PASS" {
			c.Status = "FAIL"
		}
	}
	if len(runs) == 0 {
		c.Status = "FAIL"
		return c
	}
	for i, f := range runs[0].Faults {
		fc := FaultComparison{Spec: f.Spec, Name: f.Name}
		for k, r := range runs {
			if i >= len(r.Faults) {
				continue
			}
			name := r.Transport
			if k < len(names) {
				name = names[k]
			}
			g := r.Faults[i]
			fc.Transports = append(fc.Transports, TransportFault{Transport: name, AtMs: g.AtMs,
				DetectedMs: g.DetectedMs, RecoveredMs: g.RecoveredMs, Lost: g.Lost, Expected: g.Expected, Error: g.Error})
		}
		c.Compare = append(c.Compare, fc)
	}
	return c
}

// CompareLine is one fault side by side, e.g. "pause@2s:1s  pubsub:
// detected +250ms, recovered +1.01s, lost 0 of 380 | streams: …".
func CompareLine(fc FaultComparison) string {
	parts := make([]string, len(fc.Transports))
	for i, t := range fc.Transports {
		if t.Error != "" {
			parts[i] = fmt.Sprintf("%s: not injected (%s)", clean(t.Transport), clean(t.Error))
			continue
		}
		parts[i] = fmt.Sprintf("%s: detected %s, recovered %s, lost %d of %d", clean(t.Transport),
			delay(t.DetectedMs, t.AtMs, "never"), delay(t.RecoveredMs, t.AtMs, "never"), t.Lost, t.Expected)
	}
	return clean(fc.Spec) + "  " + strings.Join(parts, " | ")
}

func delay(ms *int64, at int64, none string) string {
	if ms == nil {
		return none
	}
	return "+" + msText(*ms-at)
}

// CompareText renders every run's text report, then the side-by-side lines
// and the overall verdict.
func CompareText(c CompareReport) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		for _, r := range c.Runs {
			fmt.Fprintf(&b, "=== Transport: %s ===\n\n", OrDash(clean(r.Transport)))
			if err := ValidateText(r)(&b); err != nil {
				return err
			}
			b.WriteString("\n")
		}
		b.WriteString("Transports side by side (delays after injection):\n")
		for _, fc := range c.Compare {
			fmt.Fprintf(&b, "  %s\n", CompareLine(fc))
		}
		fmt.Fprintf(&b, "\nOverall: %s\n", c.Status)
		return write(w, "comparison text", b.Bytes())
	}
}

// CompareMarkdown renders every run's Markdown report, then a comparison
// table: one row per fault and transport.
func CompareMarkdown(c CompareReport) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		for _, r := range c.Runs {
			if err := ValidateMarkdown(r)(&b); err != nil {
				return err
			}
			b.WriteString("\n")
		}
		b.WriteString("## Transports side by side\n\n")
		rows := [][]string{{"Fault", "Transport", "Detected", "Recovered", "Lost"}}
		for _, fc := range c.Compare {
			for _, t := range fc.Transports {
				rows = append(rows, []string{clean(fc.Spec), clean(t.Transport), delay(t.DetectedMs, t.AtMs, "never"),
					delay(t.RecoveredMs, t.AtMs, "never"), fmt.Sprintf("%d of %d", t.Lost, t.Expected)})
			}
		}
		MarkdownTable(&b, rows)
		fmt.Fprintf(&b, "\n**Overall: %s**\n", c.Status)
		return write(w, "comparison markdown", b.Bytes())
	}
}

// CompareJSON renders c as exactly one indented JSON object.
func CompareJSON(c CompareReport) Reporter { return JSON(c) }
