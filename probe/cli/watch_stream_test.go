package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// TestWatchJSONStream: --json-stream (--ndjson) prints one snapshot per
// line while it runs and the final one last, nothing else on stdout.
func TestWatchJSONStream(t *testing.T) {
	url := bridgetest.Start(t).URL()
	agentCtx, stopAgent := context.WithCancel(context.Background())
	// A lossy agent: its alerts, history and transitions are in the lines too.
	agent := startMain(agentCtx, "agent", "--redis", url, "--id", "stream-1", "--publish-rate", "20", "--test-drop-acks", "0.5")
	t.Cleanup(func() { stopAgent(); <-agent.done })
	agent.await(t, regexp.MustCompile("acking probes"))

	code, stdout, stderr := run(t, context.Background(), "watch", "--redis", url, "--ndjson", "--duration", "2500ms", "--baseline",
		"--late-after", "500ms", "--alert-hold", "0s")
	if code != ExitFail { // the lossy agent is CRIT
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d is not one JSON object: %v\n%s", len(lines)+1, err, sc.Text())
		}
		checkSchema(t, "watch", sc.Bytes())
		lines = append(lines, m)
	}
	// Ticks a second apart (two, on an idle machine), then the final state.
	if len(lines) < 2 || len(lines) > 3 {
		t.Fatalf("%d lines, want 2 or 3:\n%s", len(lines), stdout)
	}
	last := lines[len(lines)-1]
	ins, _ := last["instances"].([]any)
	if last["schemaVersion"] != float64(report.SchemaVersion) || len(ins) != 1 || ins[0].(map[string]any)["latencyDist"] == nil ||
		last["baseline"] == nil || len(last["sources"].([]any)) == 0 || len(last["alerts"].([]any)) == 0 ||
		len(last["transitions"].([]any)) == 0 {
		t.Errorf("final line: schemaVersion %v, instances %v, baseline %v, sources %v, alerts %v, transitions %v",
			last["schemaVersion"], ins, last["baseline"], last["sources"], last["alerts"], last["transitions"])
	}
	if code, _, stderr := run(t, context.Background(), "watch", "--json", "--json-stream"); code != ExitUsage ||
		!strings.Contains(stderr, "exclude each other") {
		t.Errorf("--json with --json-stream: exit %d, %q", code, stderr)
	}
}
