package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

// TestValidateStreams: validate over the Streams transport delivers everything, and the
// report says which transport it measured.
func TestValidateStreams(t *testing.T) {
	s := bridgetest.Start(t)
	code, stdout, stderr := run(t, context.Background(), "validate", "--redis", s.URL(), "--transport", "streams",
		"--channel", bridge.DefaultChannel, "--instances", "3", "--duration", "2s", "--rate", "50", "--json")
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing on stderr\n%s", code, stderr, stdout)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if r["status"] != "PASS" || r["published"] != 100.0 || r["received"] != 200.0 || r["lost"] != 0.0 || r["transport"] != "streams" {
		t.Errorf("status %v published %v received %v lost %v transport %v; want PASS 100 200 0 streams",
			r["status"], r["published"], r["received"], r["lost"], r["transport"])
	}
	key := "bridge:stream:" + bridge.DefaultChannel
	if n, ok := s.Do(t, "XLEN", key).(int64); !ok || n != 100 {
		t.Errorf("XLEN %s = %v, want the 100 events", key, s.Do(t, "XLEN", key))
	}
}

func TestTransportUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"validate", "--transport", "carrier-pigeon"},
		{"agent", "--transport", "udp"},
		{"watch", "--transport", ""},
		{"demo", "--transport", "smoke"},
		{"watch", "--transport", "streams", "--channels", "bridge:events,bridge:market:*", "--redis", "redis://127.0.0.1:1", "--headless"},
		{"agent", "--transport", "streams", "--sharded", "--redis", "redis://127.0.0.1:1"},
	} {
		code, stdout, stderr := run(t, context.Background(), args...)
		if code != ExitUsage || stdout != "" || !(strings.Contains(stderr, "transport") || strings.Contains(stderr, "streams")) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and a word on the transport", args, code, stdout, stderr)
		}
		oneLine(t, stderr)
	}
}

// TestDemoStreams: the demo on miniredis over Streams: the observer's snapshot names the
// transport, and the bots ack probes that travelled by stream.
func TestDemoStreams(t *testing.T) {
	code, stdout, stderr := run(t, context.Background(), "demo", "--transport", "streams", "--instances", "2",
		"--headless", "--duration", "3s", "--json")
	if code == ExitUsage {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var snap metrics.Snapshot
	if err := json.Unmarshal([]byte(stdout), &snap); err != nil {
		t.Fatalf("demo --json: %v\n%s", err, stdout)
	}
	if snap.Transport != bridge.TransportStreams || len(snap.Instances) != 3 {
		t.Fatalf("transport %q, %d instances; want streams and 3", snap.Transport, len(snap.Instances))
	}
	acked := 0
	for _, in := range snap.Instances {
		if in.Acked > 0 {
			acked++
		}
	}
	if acked != len(snap.Instances) {
		t.Errorf("%d of %d instances acked probes over streams: %+v", acked, len(snap.Instances), snap.Instances)
	}
}
