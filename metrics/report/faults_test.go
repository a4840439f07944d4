package report_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

func ms(v int64) *int64 { return &v }

// lossyRun is seedRun with 12 deliveries lost to instance 1.
func lossyRun() report.ValidateInput {
	in := seedRun()
	in.Matrix[0][1] -= 12
	return in
}

func TestFaultReportKeepsThresholds(t *testing.T) {
	faults := []report.FaultResult{{
		Name: "kill-subscribers", Spec: "kill-subscribers@10s", AtMs: 10001, DetectedMs: ms(10002),
		DetectedBy: "test-instance-1: subscription left connected", RecoveredMs: ms(10110), WindowEndMs: 10110,
		Published: 8, Expected: 16, Lost: 12, Reconnects: 3,
	}}
	loss := report.FaultLoss{InWindows: 12}
	r := report.BuildFaultReport(lossyRun(), metrics.DefaultThresholds(), faults, loss)
	// 378 of 390: 96.9%, above the default WARN line: PASS, with the loss shown.
	if r.Status != "PASS" || r.Lost != 12 || len(r.Faults) != 1 || r.FaultLoss == nil || *r.FaultLoss != loss {
		t.Fatalf("status %s lost %d faults %v loss %v; reasons %v", r.Status, r.Lost, r.Faults, r.FaultLoss, r.Reasons)
	}
	strict := metrics.DefaultThresholds()
	strict.DeliveryWarn, strict.DeliveryCrit = 99.9, 99.5
	if r := report.BuildFaultReport(lossyRun(), strict, faults, loss); r.Status != "FAIL" || !strings.Contains(strings.Join(r.Reasons, ";"), "delivery") {
		t.Errorf("a fault's loss below --delivery-crit: status %s, reasons %v; want FAIL on delivery", r.Status, r.Reasons)
	}
	names := []string{}
	for _, c := range r.Checks {
		names = append(names, c.Name)
	}
	if d := cmp.Diff([]string{"delivery", "p99", "self_received", "collision", "errors", "rate", "fault_recovery", "fault_detection"}, names); d != "" {
		t.Errorf("checks (-want +got):\n%s", d)
	}
}

func TestFaultReportVerdicts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      report.FaultResult
		status string
		level  metrics.Level
		want   string
	}{
		{"unrecovered", report.FaultResult{Spec: "pause@2s:1s", DetectedMs: ms(2250), Lost: 3, Expected: 10},
			"FAIL", metrics.Crit, "fault pause@2s:1s: not recovered before publishing ended (3 of 10 deliveries lost since)"},
		{"not injected", report.FaultResult{Spec: "pause@2s:1s", Error: "NOPERM no"},
			"FAIL", metrics.Crit, "fault pause@2s:1s could not be injected: NOPERM no"},
		{"silent loss", report.FaultResult{Spec: "kill-subscribers@1s", RecoveredMs: ms(1100), Lost: 4, Expected: 10},
			"PASS", metrics.Warn, "fault kill-subscribers@1s lost 4 deliveries and nothing detected it"},
		{"silent, no loss", report.FaultResult{Spec: "kill-subscribers@1s", RecoveredMs: ms(1010), Expected: 10},
			"PASS", metrics.OK, ""},
	} {
		r := report.BuildFaultReport(seedRun(), metrics.DefaultThresholds(), []report.FaultResult{tc.f}, report.FaultLoss{})
		msgs := strings.Join(append(append([]string{}, r.Reasons...), r.Warnings...), "|")
		if r.Status != tc.status || r.Level != tc.level || (tc.want != "" && msgs != tc.want) || (tc.want == "" && msgs != "") {
			t.Errorf("%s: status %s level %s messages %q; want %s %s %q", tc.name, r.Status, r.Level, msgs, tc.status, tc.level, tc.want)
		}
	}
}

func TestFaultReporters(t *testing.T) {
	faults := []report.FaultResult{
		{Name: "pause", Spec: "pause@20s:2s", AtMs: 20000, ForMs: 2000, DetectedMs: ms(20250),
			DetectedBy: "test-instance-0: publish stalled over 250ms", RecoveredMs: ms(22004),
			Published: 40, Expected: 80, PublishErrors: 5, DeliveredAnyway: 2},
		{Name: "kill-subscribers", Spec: "kill-subscribers@25s", AtMs: 25001, Error: "CLIENT LIST: NOPERM"},
	}
	r := report.BuildFaultReport(seedRun(), metrics.DefaultThresholds(), faults, report.FaultLoss{InWindows: 0, Outside: 0})
	text := render(t, report.ValidateText(r))
	for _, want := range []string{
		"Faults (times since publishing began",
		"pause@20s:2s", "20.000s", "20.250s (+250ms)", "22.004s (+2.004s)", "0 of 80", "5 (2 delivered anyway)",
		"not injected: CLIENT LIST: NOPERM", "Lost inside fault windows: 0; outside: 0; of publishes that failed: 0",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
	md := render(t, report.ValidateMarkdown(r))
	if !strings.Contains(md, "### Faults") || !strings.Contains(md, "| pause@20s:2s | 20.000s |") {
		t.Errorf("markdown lacks the faults table:\n%s", md)
	}
	var got struct {
		Faults []map[string]any `json:"faults"`
	}
	if err := json.Unmarshal([]byte(render(t, report.ValidateJSON(r))), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Faults) != 2 {
		t.Fatalf("JSON faults: %v", got.Faults)
	}
	f := got.Faults[0]
	if f["name"] != "pause" || f["atMs"] != 20000.0 || f["detectedMs"] != 20250.0 || f["recoveredMs"] != 22004.0 || f["lost"] != 0.0 {
		t.Errorf("JSON fault 0: %v", f)
	}
	if v, ok := got.Faults[1]["recoveredMs"]; !ok || v != nil {
		t.Errorf("JSON fault 1 recoveredMs = %v (present %v), want null", v, ok)
	}
	plain := render(t, report.ValidateText(report.BuildValidateReport(seedRun(), metrics.DefaultThresholds())))
	if strings.Contains(plain, "Faults") || strings.Contains(render(t, report.ValidateJSON(report.BuildValidateReport(seedRun(), metrics.DefaultThresholds()))), "faults") {
		t.Errorf("a run without faults shows a faults section")
	}
}

func TestCompareReport(t *testing.T) {
	run := func(transport string, lost int64, status bool) report.ValidateReport {
		in := seedRun()
		in.Transport = transport
		th := metrics.DefaultThresholds()
		if !status {
			th.DeliveryWarn, th.DeliveryCrit = 100, 99.99
			in.Matrix[0][1]--
		}
		return report.BuildFaultReport(in, th, []report.FaultResult{{Name: "kill-subscribers", Spec: "kill-subscribers@1s",
			AtMs: 1000, DetectedMs: ms(1001), RecoveredMs: ms(1100), Lost: lost, Expected: 40}}, report.FaultLoss{InWindows: lost})
	}
	c := report.BuildCompareReport([]string{"pubsub", "streams"},
		[]report.ValidateReport{run("pub/sub", 17, false), run("streams", 0, true)})
	if c.Status != "FAIL" || c.Level != metrics.Crit || len(c.Compare) != 1 || len(c.Compare[0].Transports) != 2 {
		t.Fatalf("compare: %+v", c)
	}
	line := report.CompareLine(c.Compare[0])
	want := "kill-subscribers@1s  pubsub: detected +1ms, recovered +100ms, lost 17 of 40 | streams: detected +1ms, recovered +100ms, lost 0 of 40"
	if line != want {
		t.Errorf("line\n got %q\nwant %q", line, want)
	}
	text := render(t, report.CompareText(c))
	for _, w := range []string{"=== Transport: pub/sub ===", "=== Transport: streams ===", want, "Overall: FAIL"} {
		if !strings.Contains(text, w) {
			t.Errorf("comparison text lacks %q", w)
		}
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(render(t, report.CompareJSON(c))), &got); err != nil {
		t.Fatal(err)
	}
	cmpv, _ := got["compare"].([]any)
	runs, _ := got["runs"].([]any)
	if len(cmpv) != 1 || len(runs) != 2 || got["status"] != "FAIL" {
		t.Errorf("comparison JSON: %v", got)
	}
	if md := render(t, report.CompareMarkdown(c)); !strings.Contains(md, "| kill-subscribers@1s | streams | +1ms | +100ms | 0 of 40 |") {
		t.Errorf("comparison markdown:\n%s", md)
	}
	if c := report.BuildCompareReport(nil, nil); c.Status != "FAIL" {
		t.Errorf("an empty comparison passed")
	}
}
