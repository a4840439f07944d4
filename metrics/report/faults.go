package report

import (
	"github.com/bridgescope/bridgescope/metrics"

	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FaultResult is what one fault injected into a validate run did. Every
// time is in milliseconds since publishing began, on one axis:
//
//   - AtMs: when the fault was injected (the command sent, the proxy switched).
//   - DetectedMs: the first sign of it at or after AtMs — an instance's
//     subscription leaving "connected", a publish failing, or a publish
//     stalled for longer than the harness's stall limit (250ms) — null when
//     nothing noticed it.
//   - RecoveredMs: when the first event was published, after every
//     subscription was connected again and the fault had ended, that
//     reached every other instance: deliveries flow again. Null when that
//     did not happen before publishing ended.
//
// The loss window is [WindowStartMs, WindowEndMs]: from 50ms before the
// injection (an event sent just before may still be on its way) to
// RecoveredMs, or to the next fault or the end of publishing when not
// recovered. Published, Expected and Lost count the events sent in it, by
// the publishers' ground truth (sender boot, seq).
type FaultResult struct {
	Name        string `json:"name"` // the fault: "kill-subscribers", "pause", "proxy-blackhole"
	Spec        string `json:"spec"` // as given, e.g. "pause@20s:2s"
	AtMs        int64  `json:"atMs"`
	ForMs       int64  `json:"forMs"` // how long it lasted; 0 for a one-off
	DetectedMs  *int64 `json:"detectedMs"`
	DetectedBy  string `json:"detectedBy,omitempty"` // e.g. "test-instance-2: subscription disconnected"
	RecoveredMs *int64 `json:"recoveredMs"`

	WindowStartMs int64 `json:"windowStartMs"`
	WindowEndMs   int64 `json:"windowEndMs"`

	Published int64 `json:"published"` // events published successfully in the window
	Expected  int64 `json:"expected"`  // their deliveries: Published × (N−1)
	Lost      int64 `json:"lost"`      // of Expected, never received
	// PublishErrors are publishes in the window that failed; of those,
	// DeliveredAnyway reached at least one instance (a timed-out PUBLISH that
	// Redis executed). Neither counts as published: no double count.
	PublishErrors   int64  `json:"publishErrors"`
	DeliveredAnyway int64  `json:"deliveredAnyway"`
	Reconnects      int64  `json:"reconnects"`      // subscriptions lost in the window, all instances
	Error           string `json:"error,omitempty"` // the fault could not be injected
}

// FaultLoss splits a fault run's loss, by ground truth, into what fell
// inside the faults' windows and what did not, of the published events, and
// the deliveries of failed publishes that never arrived: the three sum to
// the report's Lost.
type FaultLoss struct {
	InWindows   int64 `json:"inWindows"`
	Outside     int64 `json:"outside"`
	Unpublished int64 `json:"unpublished"`
}

// BuildFaultReport is BuildValidateReport for a run with injected faults:
// the thresholds still decide the verdict (a fault that loses events makes
// delivery drop below 100% and may FAIL the run: pass looser
// --delivery-warn/--delivery-crit to accept it), and a fault adds a
// "fault_recovery" check (CRIT when it could not be injected or was not
// recovered before publishing ended) and a "fault_detection" check (WARN
// when it lost events and nothing detected it).
func BuildFaultReport(in ValidateInput, th metrics.Thresholds, faults []FaultResult, loss FaultLoss) ValidateReport {
	r := BuildValidateReport(in, th)
	r.Faults = append([]FaultResult{}, faults...)
	r.FaultLoss = &loss
	var unrecovered, silent float64
	var why, silentWhy []string
	for _, f := range faults {
		switch {
		case f.Error != "":
			unrecovered++
			why = append(why, fmt.Sprintf("fault %s could not be injected: %s", f.Spec, f.Error))
		case f.RecoveredMs == nil:
			unrecovered++
			why = append(why, fmt.Sprintf("fault %s: not recovered before publishing ended (%d of %d deliveries lost since)", f.Spec, f.Lost, f.Expected))
		}
		if f.Error == "" && f.DetectedMs == nil && f.Lost > 0 {
			silent++
			silentWhy = append(silentWhy, fmt.Sprintf("fault %s lost %d deliveries and nothing detected it", f.Spec, f.Lost))
		}
	}
	rec := Check{Name: "fault_recovery", Value: unrecovered, Display: strconv.FormatFloat(unrecovered, 'f', 0, 64) + " unrecovered",
		Warn: "-", Crit: "> 0", Level: metrics.OK}
	if unrecovered > 0 {
		rec.Level, rec.Message = metrics.Crit, joinSemi(why)
	}
	det := Check{Name: "fault_detection", Value: silent, Display: strconv.FormatFloat(silent, 'f', 0, 64) + " silent",
		Warn: "> 0", Crit: "-", Level: metrics.OK}
	if silent > 0 {
		det.Level, det.Message = metrics.Warn, joinSemi(silentWhy)
	}
	r.Checks = append(r.Checks, rec, det)
	r.Level, r.Reasons, r.Warnings = metrics.OK, []string{}, []string{}
	r.verdict()
	return r
}

func joinSemi(parts []string) string { return strings.Join(parts, "; ") }

// faultRows is the faults table: one row per fault, times since the start
// of publishing, detection and recovery also as the delay after injection.
func faultRows(r ValidateReport) [][]string {
	rows := [][]string{{"FAULT", "INJECTED", "DETECTED", "RECOVERED", "PUBLISHED", "LOST", "PUB ERRORS", "DETECTED BY"}}
	for _, f := range r.Faults {
		if f.Error != "" {
			rows = append(rows, []string{clean(f.Spec), "-", "-", "-", "-", "-", "-", "not injected: " + clean(f.Error)})
			continue
		}
		pubErr := itoa(f.PublishErrors)
		if f.DeliveredAnyway > 0 {
			pubErr += fmt.Sprintf(" (%d delivered anyway)", f.DeliveredAnyway)
		}
		rows = append(rows, []string{clean(f.Spec), msAt(f.AtMs), sinceFault(f.DetectedMs, f.AtMs, "never"),
			sinceFault(f.RecoveredMs, f.AtMs, "not recovered"), itoa(f.Published),
			fmt.Sprintf("%d of %d", f.Lost, f.Expected), pubErr, OrDash(clean(f.DetectedBy))})
	}
	return rows
}

// faultLossLine says which part of the run's loss the faults account for.
func faultLossLine(r ValidateReport) string {
	if r.FaultLoss == nil {
		return ""
	}
	return fmt.Sprintf("Lost inside fault windows: %d; outside: %d; of publishes that failed: %d",
		r.FaultLoss.InWindows, r.FaultLoss.Outside, r.FaultLoss.Unpublished)
}

// writeFaultsText adds the faults section to the text report; nothing
// when the run had no faults.
func writeFaultsText(b *bytes.Buffer, r ValidateReport) {
	if len(r.Faults) == 0 {
		return
	}
	b.WriteString("\nFaults (times since publishing began; detection and recovery after injection):\n")
	Aligned(b, "  ", faultRows(r))
	if line := faultLossLine(r); line != "" {
		b.WriteString("  " + line + "\n")
	}
}

// writeFaultsMarkdown is writeFaultsText for the Markdown report.
func writeFaultsMarkdown(b *bytes.Buffer, r ValidateReport) {
	if len(r.Faults) == 0 {
		return
	}
	b.WriteString("\n### Faults\n\n")
	MarkdownTable(b, faultRows(r))
	if line := faultLossLine(r); line != "" {
		b.WriteString("\n" + MarkdownEscape(line) + "\n")
	}
}

// msAt formats ms since the start of publishing: "10.002s".
func msAt(ms int64) string { return strconv.FormatFloat(float64(ms)/1e3, 'f', 3, 64) + "s" }

// sinceFault formats a time as "10.160s (+160ms)", the delay after the
// injection at at; none when there is no such time.
func sinceFault(ms *int64, at int64, none string) string {
	if ms == nil {
		return none
	}
	return fmt.Sprintf("%s (+%v)", msAt(*ms), time.Duration(*ms-at)*time.Millisecond)
}
