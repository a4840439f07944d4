package report_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// TestValidateBaseline: with a raw-Redis lane the report carries its
// percentiles in JSON, text and Markdown; without one, none of them
// mentions it.
func TestValidateBaseline(t *testing.T) {
	in := seedRun()
	in.Baseline = metrics.NewHistogram()
	for i := range 1000 {
		in.Baseline.Record(time.Duration(80+i%40) * time.Microsecond)
	}
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	if r.BaselineUs == nil || r.BaselineUs.Count != 1000 || r.BaselineUs.P50 < 80 || r.BaselineUs.P50 > 120 || r.BaselineUs.Max != 119 {
		t.Fatalf("BaselineUs = %+v, want 1000 samples between 80 and 119 µs", r.BaselineUs)
	}
	var decoded struct {
		BaselineUs *metrics.Percentiles `json:"baselineUs"`
	}
	if err := json.Unmarshal([]byte(render(t, report.ValidateJSON(r))), &decoded); err != nil || decoded.BaselineUs == nil || decoded.BaselineUs.Count != 1000 {
		t.Errorf("JSON baselineUs = %+v (%v), want the 1000-sample summary", decoded.BaselineUs, err)
	}
	line := "Raw Redis (baseline):  P50 " + metrics.FormatUs(r.BaselineUs.P50) + ", P99 " + metrics.FormatUs(r.BaselineUs.P99) + ", max " + metrics.FormatUs(119) + " (1000 samples)"
	if text := render(t, report.ValidateText(r)); !strings.Contains(text, line) {
		t.Errorf("text lacks %q:\n%s", line, text)
	}
	if md := render(t, report.ValidateMarkdown(r)); !strings.Contains(md, "| Raw Redis (baseline) | P50 ") {
		t.Errorf("markdown lacks the baseline row:\n%s", md)
	}

	plain := report.BuildValidateReport(seedRun(), metrics.DefaultThresholds())
	if plain.BaselineUs != nil {
		t.Errorf("BaselineUs = %+v without a baseline lane, want nil", plain.BaselineUs)
	}
	for name, out := range map[string]string{"json": render(t, report.ValidateJSON(plain)), "text": render(t, report.ValidateText(plain))} {
		if strings.Contains(out, "aseline") {
			t.Errorf("%s mentions a baseline that did not run:\n%s", name, out)
		}
	}
}
