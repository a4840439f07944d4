package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

// TestWatchBaselineFlag: watch --baseline puts the raw lane in the summary
// lines and the final JSON; without the flag neither mentions it.
func TestWatchBaselineFlag(t *testing.T) {
	s := bridgetest.Start(t)
	code, stdout, stderr := run(t, context.Background(), "watch", "--redis", s.URL(), "--headless", "--json",
		"--duration", "2500ms", "--probe-rate", "20", "--baseline")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	var snap metrics.Snapshot
	if err := json.Unmarshal([]byte(stdout), &snap); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if b := snap.Baseline; b == nil || b.RTT.Count < 20 || b.RTT10s.P50 <= 0 || b.Lost != 0 {
		t.Errorf("baseline = %+v, want ≥ 20 samples at 20/s for 2.5 s, none lost", b)
	}
	if !strings.Contains(stderr, "raw Redis 1-hop p50") {
		t.Errorf("summary lines lack the raw lane:\n%s", stderr)
	}

	code, stdout, stderr = run(t, context.Background(), "watch", "--redis", s.URL(), "--headless", "--json", "--duration", "500ms")
	if code != ExitOK || strings.Contains(stdout, `"baseline"`) || strings.Contains(stderr, "raw Redis") {
		t.Errorf("without --baseline: exit %d, the lane shows:\n%s\n%s", code, stdout, stderr)
	}
}
