package report_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// outageRun is issue 11's run: 5 instances, 200/s for 20 s, Redis down from
// 8 s to 10 s: 500 of the 4,000 events fail to publish, and of the 3,500
// published 95 % reach the other four.
func outageRun() report.ValidateInput {
	const n = 5
	in := report.ValidateInput{
		Redis: "redis://127.0.0.1:6390", Transport: "pub/sub", Duration: 20 * time.Second, Drain: 2 * time.Second, Rate: 200,
		Published: []int64{700, 700, 700, 700, 700}, Failed: []int64{100, 100, 100, 100, 100},
		Latency: metrics.NewHistogram(),
		Outages: []report.Outage{{FromMs: 8012, ToMs: ptr(10245), Failed: 500}},
	}
	for i := range n {
		in.Instances = append(in.Instances, "test-instance-"+string(rune('0'+i)))
		row := make([]int64, n)
		for r := range n {
			if r != i {
				row[r] = 665 // 95 % of 700
			}
		}
		in.Matrix = append(in.Matrix, row)
	}
	in.Latency.Record(time.Millisecond)
	return in
}

func ptr(v int64) *int64 { return &v }

// TestValidateOutageFails: a failed publish is an event nobody received.
// Delivery is of the attempted events, the failed ones are reported beside
// the published, and the reasons name the outage window.
func TestValidateOutageFails(t *testing.T) {
	r := report.BuildValidateReport(outageRun(), metrics.DefaultThresholds())
	got := [7]int64{r.Intended, r.Attempted, r.Published, r.PublishFailed, r.Expected, r.Received, r.Lost}
	if want := [7]int64{4000, 4000, 3500, 500, 16000, 13300, 2700}; got != want {
		t.Errorf("intended, attempted, published, failed, expected, received, lost = %v, want %v", got, want)
	}
	if r.Status != "FAIL" || r.DeliveryRate > 84 {
		t.Errorf("status %s at %.2f%% of attempted events: want FAIL at 83.1%%", r.Status, r.DeliveryRate)
	}
	reasons := strings.Join(r.Reasons, "\n")
	if !strings.Contains(reasons, "500 of 4000 attempted events were never published (publishes failed 8.012s–10.245s (2.233s, 500 failed))") {
		t.Errorf("the reasons do not name the outage: %q", reasons)
	}
	text := render(t, report.ValidateText(r))
	for _, want := range []string{"Publish Attempts:        4000", "Publish Failed:          500: 8.012s–10.245s (2.233s, 500 failed)",
		"Expected Deliveries:     16000 (attempts × (N−1))", ", 100 failed to publish, lost 540 of 3200"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	// An outage that never ended.
	in := outageRun()
	in.Outages[0].ToMs = nil
	if r := report.BuildValidateReport(in, metrics.DefaultThresholds()); !strings.Contains(strings.Join(r.Reasons, ""), "from 8.012s to the end (500 failed)") {
		t.Errorf("an open outage: %q", r.Reasons)
	}
}

// TestValidateRateNotReached: a run that attempted far fewer events than
// its schedule asked for says so beside the requested rate, and warns.
func TestValidateRateNotReached(t *testing.T) {
	in := seedRun()
	in.Rate, in.Duration = 1_000_000, 2*time.Second // 195 attempted of 2,000,000
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	if r.Status != "PASS" || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "achieved 97.5 events/s, 0.01% of the 1000000/s requested") {
		t.Errorf("status %s warnings %q: want PASS with the rate warning", r.Status, r.Warnings)
	}
	if r.AchievedRate != 97.5 {
		t.Errorf("achieved %v/s, want 97.5", r.AchievedRate)
	}
	if text := render(t, report.ValidateText(r)); !strings.Contains(text, "Rate:                    97.5 events/s achieved of 1000000 requested (0.01%)") {
		t.Errorf("text does not show the achieved rate beside the requested:\n%s", text)
	}
	// At 90 % of the schedule, no warning.
	in.Rate, in.Duration = 195/(0.9*20), 20*time.Second
	if r := report.BuildValidateReport(in, metrics.DefaultThresholds()); len(r.Warnings) != 0 {
		t.Errorf("at 90%% of the rate: warnings %q", r.Warnings)
	}
}

// TestValidateInFlightIsNotLost: deliveries that arrived after the cut-off
// are reported as in flight, neither received nor lost.
func TestValidateInFlightIsNotLost(t *testing.T) {
	in := seedRun()
	in.Matrix[0][1], in.Matrix[0][2] = 64, 66 // instance 1 had 5 in flight from 0; 2 missed 3
	in.Matrix[1][2] = 62
	in.InFlight = []int64{0, 5, 0}
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	if r.InFlight != 5 || r.Lost != 6 || r.PerInstance[1].Lost != 0 || r.PerInstance[1].InFlight != 5 || r.PerInstance[2].Lost != 6 {
		t.Errorf("in flight %d lost %d; instance 1 %+v; instance 2 lost %d", r.InFlight, r.Lost, r.PerInstance[1], r.PerInstance[2].Lost)
	}
	b, _ := json.Marshal(r)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"intended", "attempted", "publishFailed", "achievedRate", "outages", "inFlight"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}
