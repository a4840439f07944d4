package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

func TestValidateFaultFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--fault", "x@1s"}, `unknown fault "x"; known: kill-subscribers, pause, proxy-blackhole`},
		{[]string{"--fault", "pause@1s"}, `fault "pause@1s" needs a duration: want pause@T:D`},
		{[]string{"--fault", "pause@later:1s"}, `bad time "later": want a duration like 10s or 500ms`},
		{[]string{"--duration", "30s", "--fault", "kill-subscribers@40s"},
			"--fault kill-subscribers@40s starts at or after the end of publishing (--duration 30s)"},
		{[]string{"--duration", "30s", "--fault", "pause@29s:2s"}, "--fault pause@29s:2s ends at or after the end of publishing"},
		{[]string{"--compare-transports"}, "--compare-transports compares faults: give at least one --fault"},
		{[]string{"--fault", "pause@1s:1s", "--compare-transports", "--transport", "streams"},
			"--transport and --compare-transports exclude each other"},
	} {
		// Nothing listens on port 1: a usage error must come before any connection.
		code, stdout, stderr := run(t, context.Background(), append([]string{"validate", "--redis", "redis://127.0.0.1:1"}, tc.args...)...)
		if code != ExitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d and %q", tc.args, code, stdout, stderr, ExitUsage, tc.want)
		}
		oneLine(t, stderr)
	}
	code, stdout, _ := run(t, context.Background(), "validate", "-h")
	if code != ExitOK || !strings.Contains(stdout, "kill-subscribers@T") || !strings.Contains(stdout, "-compare-transports") {
		t.Errorf("validate -h (exit %d) does not explain --fault:\n%s", code, stdout)
	}
}

type faultJSON struct {
	Name        string `json:"name"`
	AtMs        int64  `json:"atMs"`
	DetectedMs  *int64 `json:"detectedMs"`
	RecoveredMs *int64 `json:"recoveredMs"`
	Lost        int64  `json:"lost"`
	Expected    int64  `json:"expected"`
}

// TestValidateFaultRun: a short run with one kill-subscribers fault. The
// JSON has sane times and counts; the verdict still follows the
// thresholds, so the same loss PASSes by default and FAILs when
// --delivery-crit does not allow it.
func TestValidateFaultRun(t *testing.T) {
	s := bridgetest.Start(t)
	s.RequireReal(t)
	code, stdout, stderr := run(t, context.Background(), "validate", "--redis", s.URL(),
		"--instances", "3", "--duration", "4s", "--rate", "100", "--fault", "kill-subscribers@1s", "--json")
	var r struct {
		Status       string      `json:"status"`
		DeliveryRate float64     `json:"deliveryRate"`
		Lost         int64       `json:"lost"`
		Faults       []faultJSON `json:"faults"`
		FaultLoss    struct {
			InWindows, Outside int64
		} `json:"faultLoss"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("exit %d, stdout is not JSON (%v):\n%s\nstderr %s", code, err, stdout, stderr)
	}
	if len(r.Faults) != 1 {
		t.Fatalf("faults: %+v", r.Faults)
	}
	f := r.Faults[0]
	if f.Name != "kill-subscribers" || f.AtMs < 1000 || f.AtMs > 1100 || f.DetectedMs == nil || *f.DetectedMs < f.AtMs ||
		*f.DetectedMs > f.AtMs+200 || f.RecoveredMs == nil || *f.RecoveredMs < *f.DetectedMs || *f.RecoveredMs > f.AtMs+2000 {
		t.Errorf("fault: %+v (detected %v, recovered %v)", f, deref(f.DetectedMs), deref(f.RecoveredMs))
	}
	// Pub/sub loses what is published while the subscriptions are away.
	if f.Lost <= 0 || f.Lost > f.Expected || r.FaultLoss.InWindows != f.Lost || r.Lost != f.Lost+r.FaultLoss.Outside || r.DeliveryRate >= 100 {
		t.Errorf("loss: fault %d of %d, report %d (%.2f%%), windows %+v", f.Lost, f.Expected, r.Lost, r.DeliveryRate, r.FaultLoss)
	}
	if want := map[string]int{"PASS": ExitOK, "FAIL": ExitFail}[r.Status]; code != want || r.DeliveryRate < 90 {
		t.Errorf("status %s (delivery %.2f%%), exit %d", r.Status, r.DeliveryRate, code)
	}

	code, stdout, _ = run(t, context.Background(), "validate", "--redis", s.URL(), "--instances", "3", "--duration", "3s",
		"--rate", "100", "--fault", "kill-subscribers@1s", "--delivery-warn", "99.99", "--delivery-crit", "99.98")
	for _, want := range []string{"Faults (times since publishing began", "kill-subscribers@1s", "Lost inside fault windows:",
		"fault_recovery", "Status: FAIL", "delivery "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("strict run's report lacks %q:\n%s", want, stdout)
		}
	}
	if code != ExitFail {
		t.Errorf("strict run: exit %d, want %d", code, ExitFail)
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestValidateCompareTransports runs one scenario for both transports and
// lines up the fault.
func TestValidateCompareTransports(t *testing.T) {
	s := bridgetest.Start(t)
	s.RequireReal(t)
	code, stdout, stderr := run(t, context.Background(), "validate", "--redis", s.URL(), "--instances", "2",
		"--duration", "2s", "--rate", "50", "--drain", "1s", "--fault", "kill-subscribers@1s", "--compare-transports", "--json")
	var c struct {
		Runs []struct {
			Transport string      `json:"transport"`
			Faults    []faultJSON `json:"faults"`
		} `json:"runs"`
		Compare []struct {
			Spec       string `json:"spec"`
			Transports []struct {
				Transport string `json:"transport"`
				Lost      int64  `json:"lost"`
			} `json:"transports"`
		} `json:"compare"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatalf("exit %d, not JSON (%v):\n%s\n%s", code, err, stdout, stderr)
	}
	if len(c.Runs) != 2 || len(c.Compare) != 1 || len(c.Compare[0].Transports) != 2 || c.Compare[0].Spec != "kill-subscribers@1s" {
		t.Fatalf("comparison: %+v", c)
	}
	for i, want := range []string{"pubsub", "streams"} {
		tr := c.Compare[0].Transports[i]
		if tr.Transport != want || tr.Lost != c.Runs[i].Faults[0].Lost {
			t.Errorf("transport %d: %+v, want %s with its run's loss %d", i, tr, want, c.Runs[i].Faults[0].Lost)
		}
	}
	if streams := c.Compare[0].Transports[1]; streams.Lost != 0 {
		t.Errorf("streams lost %d deliveries to a subscriber kill, want 0 (it resumes from the last ID)", streams.Lost)
	}
	if want := map[string]int{"PASS": ExitOK, "FAIL": ExitFail}[c.Status]; code != want {
		t.Errorf("status %s, exit %d", c.Status, code)
	}
}
