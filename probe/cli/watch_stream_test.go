package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// TestWatchJSONStream: --json-stream (--ndjson) prints one snapshot per
// line while it runs and the final one last, nothing else on stdout.
func TestWatchJSONStream(t *testing.T) {
	url := bridgetest.Start(t).URL()
	agentCtx, stopAgent := context.WithCancel(context.Background())
	agent := startMain(agentCtx, "agent", "--redis", url, "--id", "stream-1")
	t.Cleanup(func() { stopAgent(); <-agent.done })
	agent.await(t, regexp.MustCompile("acking probes"))

	code, stdout, stderr := run(t, context.Background(), "watch", "--redis", url, "--ndjson", "--duration", "2500ms")
	if code != ExitOK {
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
		lines = append(lines, m)
	}
	// Ticks a second apart (two, on an idle machine), then the final state.
	if len(lines) < 2 || len(lines) > 3 {
		t.Fatalf("%d lines, want 2 or 3:\n%s", len(lines), stdout)
	}
	last := lines[len(lines)-1]
	ins, _ := last["instances"].([]any)
	if last["schemaVersion"] != 1.0 || len(ins) != 1 || ins[0].(map[string]any)["latencyDist"] == nil {
		t.Errorf("final line: schemaVersion %v, instances %v", last["schemaVersion"], ins)
	}
	if code, _, stderr := run(t, context.Background(), "watch", "--json", "--json-stream"); code != ExitUsage ||
		!strings.Contains(stderr, "exclude each other") {
		t.Errorf("--json with --json-stream: exit %d, %q", code, stderr)
	}
}
