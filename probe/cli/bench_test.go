package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

func TestBenchJSON(t *testing.T) {
	s := bridgetest.Start(t)
	code, stdout, stderr := run(t, context.Background(),
		"bench", "--redis", s.URL(), "--rates", "500", "--duration", "1s", "--json", "--instances", "2")
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	type lane struct {
		DeliveriesPerSec, P50Us, P99Us, MaxUs, CPUSecPer100k *float64
		Delivered, Expected                                  int64
	}
	var r struct {
		Rates []struct {
			Rate   string
			Bare   lane
			Bridge lane
			Ratio  struct{ Throughput, P50, P99, CPU *float64 }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if len(r.Rates) != 1 || r.Rates[0].Rate != "500" {
		t.Fatalf("rates = %+v, want one, \"500\"\n%s", r.Rates, stdout)
	}
	rr := r.Rates[0]
	for name, l := range map[string]lane{"bare": rr.Bare, "bridge": rr.Bridge} {
		for field, v := range map[string]*float64{"deliveriesPerSec": l.DeliveriesPerSec, "p50Us": l.P50Us,
			"p99Us": l.P99Us, "maxUs": l.MaxUs, "cpuSecPer100k": l.CPUSecPer100k} {
			if v == nil || *v <= 0 {
				t.Errorf("%s.%s = %v, want a positive number", name, field, v)
			}
		}
	}
	for field, v := range map[string]*float64{"throughput": rr.Ratio.Throughput, "p50": rr.Ratio.P50, "p99": rr.Ratio.P99,
		"cpu": rr.Ratio.CPU} {
		if v == nil || *v <= 0 {
			t.Errorf("ratio.%s = %v, want a positive number", field, v)
		}
	}
	// 500 events/s for 1 s, each to the one other instance.
	if rr.Bridge.Delivered != 500 || rr.Bridge.Expected != 500 {
		t.Errorf("bridge delivered %d of %d, want 500 of 500", rr.Bridge.Delivered, rr.Bridge.Expected)
	}
}

func TestBenchUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--rates", "fast"},
		{"--rates", "1000,-5"},
		{"--rates", ""},
		{"--instances", "1"},
		{"--duration", "0s"},
		{"--in-flight", "0"},
		{"--channel", "bridge:*"},
		{"--soak", "1m", "--rates", "max"},
		{"--soak-every", "0s"},
		{"--no-such-flag"},
		{"stray"},
	} {
		code, stdout, stderr := run(t, context.Background(), append([]string{"bench", "--redis", "redis://127.0.0.1:1"}, args...)...)
		if code != ExitUsage || stdout != "" {
			t.Errorf("bench %v: exit %d, stdout %q; want %d and nothing", args, code, stdout, ExitUsage)
		}
		oneLine(t, stderr)
	}
}

func TestBenchHelpAndUnreachable(t *testing.T) {
	code, stdout, _ := run(t, context.Background(), "bench", "-h")
	if code != ExitOK || !strings.Contains(stdout, "--rates") || !strings.Contains(stdout, "closed loop") {
		t.Errorf("bench -h: exit %d\n%s", code, stdout)
	}
	code, _, stderr := run(t, context.Background(), "bench", "--redis", "redis://127.0.0.1:1", "--duration", "1s", "--rates", "10")
	if code != ExitUsage {
		t.Errorf("unreachable Redis: exit %d, want %d", code, ExitUsage)
	}
	oneLine(t, stderr)
}

func TestBenchSoak(t *testing.T) {
	s := bridgetest.Start(t)
	code, stdout, stderr := run(t, context.Background(), "bench", "--redis", s.URL(), "--soak", "2s",
		"--soak-every", "1s", "--instances", "2", "--rates", "100")
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	samples := 0
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "soak ") && strings.Contains(line, "rss") && strings.Contains(line, "goroutines") {
			samples++
		}
	}
	// A sample at 1 s (and at 2 s if the ticker beats the end), one at the end, the summary.
	if samples < 2 || samples > 3 || !strings.Contains(stdout, "soak done: max rss") {
		t.Errorf("%d sample lines, want 2 or 3 and a summary:\n%s", samples, stdout)
	}
}

func TestValidateBaselineFlag(t *testing.T) {
	s := bridgetest.Start(t)
	code, stdout, stderr := run(t, context.Background(), "validate", "--redis", s.URL(), "--instances", "2",
		"--duration", "1s", "--rate", "50", "--baseline", "--json")
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	var r struct {
		BaselineUs *struct{ Count, P50 float64 } `json:"baselineUs"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	// 100 events/s for 1 s, each to the lane's one other subscriber.
	if r.BaselineUs == nil || r.BaselineUs.Count != 100 || r.BaselineUs.P50 <= 0 {
		t.Errorf("baselineUs = %+v, want 100 samples", r.BaselineUs)
	}
}
