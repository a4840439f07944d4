package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// useTestLaneCommand makes bench start its lane processes as this test
// binary running the hidden subcommand, and puts laneCommand back after t.
func useTestLaneCommand(t *testing.T) {
	t.Helper()
	prev := laneCommand
	laneCommand = func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(cleanEnviron(), subprocessEnv+"="+benchLaneName)
		return cmd
	}
	t.Cleanup(func() { laneCommand = prev })
}

// TestBenchObserverJSON runs the observer lane against a real Redis: every
// field is there and the observer counted every event published. Figures
// of time are only checked to be there, never compared.
func TestBenchObserverJSON(t *testing.T) {
	useTestLaneCommand(t)
	s := bridgetest.Start(t)
	code, stdout, stderr := run(t, context.Background(), "bench", "--redis", s.URL(), "--observer",
		"--rates", "1000", "--duration", "1s", "--instances", "2", "--json")
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	checkSchema(t, "bench", []byte(stdout))
	var r struct {
		Rates []struct {
			Observer *struct {
				Ratio                                    struct{ CPU *float64 }
				Published, Counted, BareCounted          *int64
				OmemMaxBytes                             *int64
				ObserverCPUSecPer100k, BareCPUSecPer100k *float64
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if len(r.Rates) != 1 || r.Rates[0].Observer == nil {
		t.Fatalf("want one rate with an observer object:\n%s", stdout)
	}
	o := r.Rates[0].Observer
	if o.Ratio.CPU == nil || o.Published == nil || o.Counted == nil || o.BareCounted == nil || o.OmemMaxBytes == nil ||
		o.ObserverCPUSecPer100k == nil || o.BareCPUSecPer100k == nil {
		t.Fatalf("observer fields missing:\n%s", stdout)
	}
	// 1000 events/s for 1 s.
	if *o.Published != 1000 || *o.Counted != *o.Published || *o.BareCounted != *o.Published {
		t.Errorf("published %d, observer counted %d, bare %d: want 1000 each", *o.Published, *o.Counted, *o.BareCounted)
	}
	if *o.Ratio.CPU <= 0 || *o.OmemMaxBytes < 0 {
		t.Errorf("ratio.cpu %v, omemMaxBytes %d", *o.Ratio.CPU, *o.OmemMaxBytes)
	}
}
