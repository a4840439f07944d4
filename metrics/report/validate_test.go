package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// seedRun is the seed's "Test 1": 3 instances, 195 published, 390 received.
func seedRun() report.ValidateInput {
	lat := metrics.NewHistogram()
	rng := rand.New(rand.NewPCG(11, 12))
	for range 390 {
		lat.Record(time.Duration(300+rng.ExpFloat64()*700) * time.Microsecond)
	}
	return report.ValidateInput{
		Redis: "redis://127.0.0.1:6390", Transport: "pubsub",
		Instances: []string{"test-instance-0", "test-instance-1", "test-instance-2"},
		Duration:  20 * time.Second, Drain: 2 * time.Second, Rate: 3.25,
		Published:  []int64{69, 65, 61},
		Matrix:     [][]int64{{0, 69, 69}, {65, 0, 65}, {61, 61, 0}},
		Duplicates: make([]int64, 3), SelfReceived: make([]int64, 3), Collisions: make([]int64, 3),
		Errors: make([]int64, 3), Malformed: make([]int64, 3),
		Latency: lat,
	}
}

func render(t *testing.T, rep report.Reporter) string {
	t.Helper()
	var b bytes.Buffer
	if err := rep(&b); err != nil {
		t.Fatalf("reporter: %v", err)
	}
	return b.String()
}

func TestValidatePerfectRun(t *testing.T) {
	in := seedRun()
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	if r.Status != "PASS" || r.Level != metrics.OK || len(r.Reasons)+len(r.Warnings) != 0 {
		t.Fatalf("status %s level %v reasons %v warnings %v", r.Status, r.Level, r.Reasons, r.Warnings)
	}
	got := [5]int64{r.Published, r.Expected, r.Received, r.Lost, r.LatencyUs.Count}
	if want := [5]int64{195, 390, 390, 0, 390}; got != want {
		t.Errorf("published, expected, received, lost, samples = %v, want %v", got, want)
	}
	if r.DeliveryRate != 100 {
		t.Errorf("delivery %v, want 100", r.DeliveryRate)
	}
	if d := cmp.Diff(map[string]int64{"test-instance-1": 65, "test-instance-2": 61}, r.PerInstance[0].ReceivedFrom); d != "" {
		t.Errorf("receivedFrom of instance 0 (-want +got):\n%s", d)
	}
	text := render(t, report.ValidateText(r))
	for _, line := range []string{
		"Instance 0 (test-instance-0): published 69 → received 126 (65+61)",
		"Instance 1 (test-instance-1): published 65 → received 130 (69+61)",
		"Instance 2 (test-instance-2): published 61 → received 134 (69+65)",
		"Status: PASS",
	} {
		if !containsLine(text, line) {
			t.Errorf("text report lacks the line %q:\n%s", line, text)
		}
	}
	for _, want := range []string{"Overall Statistics:", "Total Events Published:  195", "Delivery Rate:           100.00%",
		"Latency Statistics:", "P99:", "Checks:", "delivery", "< 95%", "< 90%", "> 100ms", "> 500ms"} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
	// Latencies keep their decimals: the p99 line shows the value formatted
	// from the histogram, never whole milliseconds.
	if p99 := metrics.FormatUs(r.LatencyUs.P99); !strings.Contains(text, "P99:      "+p99) || !strings.ContainsAny(p99, ".") {
		t.Errorf("p99 %q not shown with decimals:\n%s", p99, text)
	}
}

func containsLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}

func TestValidateLossyRunFails(t *testing.T) {
	in := seedRun()
	in.Matrix[0][1], in.Matrix[2][1] = 30, 20 // instance 1 missed 80 events
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	if r.Status != "FAIL" || r.Lost != 80 || r.PerInstance[1].Lost != 80 {
		t.Fatalf("status %s lost %d (instance 1: %d), want FAIL with 80 lost", r.Status, r.Lost, r.PerInstance[1].Lost)
	}
	want := "delivery 79.49% < 90%"
	if len(r.Reasons) != 1 || r.Reasons[0] != want {
		t.Errorf("reasons %q, want [%q]", r.Reasons, want)
	}
	text := render(t, report.ValidateText(r))
	for _, s := range []string{"Status: FAIL", "  - " + want,
		"Instance 1 (test-instance-1): published 65 → received 50 (30+20), lost 80 of 130"} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q:\n%s", s, text)
		}
	}
}

func TestValidateWarningsPass(t *testing.T) {
	in := seedRun()
	in.Matrix[0][1] = 50 // 19 lost of 390: 95.1 % — still OK
	in.Matrix[0][2] = 60 // 28 lost: 92.8 % — WARN
	in.Errors[2] = 1
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	if r.Status != "PASS" || r.Level != metrics.Warn || len(r.Warnings) != 2 || len(r.Reasons) != 0 {
		t.Fatalf("status %s level %v warnings %q reasons %q", r.Status, r.Level, r.Warnings, r.Reasons)
	}
	text := render(t, report.ValidateText(r))
	if !strings.Contains(text, "Status: PASS (with 2 warning(s))") || !strings.Contains(text, "Warnings (these do not fail the run):") {
		t.Errorf("text does not say the run passed with warnings:\n%s", text)
	}
}

func TestValidateSharedIDFails(t *testing.T) {
	in := seedRun()
	in.Instances = []string{"test-instance", "test-instance", "test-instance"}
	in.SharedID = true
	in.Matrix = [][]int64{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}} // each filtered the others as itself
	in.Latency = nil
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	if r.Status != "FAIL" {
		t.Fatalf("status %s", r.Status)
	}
	want := `instance ID collision: "test-instance" used by 3 processes`
	if !contains(r.Reasons, want) {
		t.Errorf("reasons %q lack %q", r.Reasons, want)
	}
	if !contains(r.Reasons, "delivery 0% < 90%") {
		t.Errorf("reasons %q lack the delivery failure", r.Reasons)
	}
	if len(r.PerInstance[0].ReceivedFrom) != 2 {
		t.Errorf("receivedFrom %v merged the senders sharing an ID", r.PerInstance[0].ReceivedFrom)
	}
	// A collision the harness saw (two boots of one ID) fails too.
	in = seedRun()
	in.CollisionIDs = []string{"test-instance-1"}
	r = report.BuildValidateReport(in, metrics.DefaultThresholds())
	if r.Status != "FAIL" || !contains(r.Reasons, `instance ID collision: "test-instance-1" seen with more than one boot`) {
		t.Errorf("status %s reasons %q", r.Status, r.Reasons)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestValidateNothingPublished(t *testing.T) {
	for name, in := range map[string]report.ValidateInput{
		"no instances":   {},
		"one instance":   {Instances: []string{"solo"}, Published: []int64{10}},
		"none published": {Instances: []string{"a", "b"}, Published: []int64{0, 0}},
	} {
		r := report.BuildValidateReport(in, metrics.DefaultThresholds())
		if r.Status != "FAIL" || len(r.Reasons) == 0 || !strings.HasPrefix(r.Reasons[0], "nothing was published") {
			t.Errorf("%s: status %s reasons %q", name, r.Status, r.Reasons)
		}
		for _, rep := range []report.Reporter{report.ValidateText(r), report.ValidateMarkdown(r), report.ValidateJSON(r)} {
			if out := render(t, rep); strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
				t.Errorf("%s: report shows NaN/Inf:\n%s", name, out)
			}
		}
	}
}

func TestValidateSelfReceivedAndBadInput(t *testing.T) {
	in := seedRun()
	in.SelfReceived[1] = 2
	in.Errors = in.Errors[:1] // the harness lost track of an instance
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	if r.Status != "FAIL" || !contains(r.Reasons, "self_received 2 > 0") {
		t.Errorf("status %s reasons %q", r.Status, r.Reasons)
	}
	if !contains(r.Notes, "input: Errors has 1 entries for 3 instances") {
		t.Errorf("notes %q", r.Notes)
	}
}

func TestValidateJSONKeys(t *testing.T) {
	r := report.BuildValidateReport(seedRun(), metrics.DefaultThresholds())
	out := render(t, report.ValidateJSON(r))
	dec := json.NewDecoder(strings.NewReader(out))
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if dec.More() {
		t.Error("more than one JSON value")
	}
	for _, k := range []string{"published", "expected", "received", "deliveryRate", "lost", "duplicates",
		"selfReceived", "collisions", "errors", "latencyUs", "perInstance", "status", "reasons",
		"instances", "durationMs", "rate", "redis", "transport", "checks"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	lat, _ := m["latencyUs"].(map[string]any)
	for _, k := range []string{"avg", "min", "p50", "p95", "p99", "max"} {
		if _, ok := lat[k].(float64); !ok {
			t.Errorf("latencyUs lacks %q: %v", k, lat)
		}
	}
	per, _ := m["perInstance"].([]any)
	first, _ := per[0].(map[string]any)
	for _, k := range []string{"id", "published", "received", "receivedFrom"} {
		if _, ok := first[k]; !ok {
			t.Errorf("perInstance[0] lacks %q", k)
		}
	}
	checks, _ := m["checks"].([]any)
	c0, _ := checks[0].(map[string]any)
	if c0["name"] != "delivery" || c0["level"] != "OK" || c0["warn"] != "< 95%" || c0["crit"] != "< 90%" {
		t.Errorf("checks[0] = %v", c0)
	}
	if m["status"] != "PASS" || m["expected"] != 390.0 || m["durationMs"] != 20000.0 {
		t.Errorf("status %v expected %v durationMs %v", m["status"], m["expected"], m["durationMs"])
	}
	var back report.ValidateReport
	if err := json.Unmarshal([]byte(out), &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(r, back, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".FromCounts" }, cmp.Ignore())); d != "" {
		t.Errorf("JSON round trip (-built +decoded):\n%s", d)
	}
}

func TestValidateMarkdown(t *testing.T) {
	in := seedRun()
	in.Matrix[0][1] = 0
	md := render(t, report.ValidateMarkdown(report.BuildValidateReport(in, metrics.DefaultThresholds())))
	for _, s := range []string{"## Multi-instance validation: FAIL", "| CHECK | VALUE | WARN | CRIT | LEVEL |",
		"| delivery | 82.31% | \\< 95% | \\< 90% | CRIT |", "| 1 | test-instance-1 | 65 | 0 | 61 | 0+61 | 0 | 69 |",
		"| Total Events Published | 195 |", "- delivery 82.31% \\< 90%", "| self\\_received |"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestValidateReportersReturnWriteErrors(t *testing.T) {
	r := report.BuildValidateReport(seedRun(), metrics.DefaultThresholds())
	boom := errors.New("disk full")
	for name, rep := range map[string]report.Reporter{
		"text": report.ValidateText(r), "markdown": report.ValidateMarkdown(r), "json": report.ValidateJSON(r),
	} {
		if err := rep(failingWriter{boom}); !errors.Is(err, boom) {
			t.Errorf("%s: error %v, want %v", name, err, boom)
		}
	}
}

func TestFormatUs(t *testing.T) {
	for us, want := range map[float64]string{
		0.5: "0.5µs", 412.3: "412.3µs", 999.94: "999.9µs", 999.96: "1.00ms", 999_996: "1.00s", 1270: "1.27ms", 100000: "100.00ms",
		2.5e6: "2.50s", 60e6: "60.00s",
	} {
		if got := metrics.FormatUs(us); got != want {
			t.Errorf("FormatUs(%v) = %q, want %q", us, got, want)
		}
	}
	if got := metrics.FormatPercent(99.5); got != "99.50%" {
		t.Errorf("FormatPercent(99.5) = %q", got)
	}
}
