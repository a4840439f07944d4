package probe

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

// TestHostileInput publishes bad input with a plain client on the watched
// channel: every message is counted by its reason, a readable source gets
// its share, a spoofed observer ID raises a collision, a replayed seq is a
// duplicate, and the snapshot still marshals.
func TestHostileInput(t *testing.T) {
	srv := bridgetest.Start(t)
	o, err := NewObserver(ObserverConfig{Conn: bridge.ConnConfig{URL: srv.URL()}, ID: "obs"})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer o.Stop()
	now := time.Now().UnixMilli()
	ts := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	bad := []struct {
		msg    string
		reason bridge.Reason
	}{
		{`not json at all`, bridge.ReasonNotJSON},
		{`{"type":"ticker","source":"ws","data":{"p":`, bridge.ReasonNotJSON},
		{`{"type":7,"source":"ws"}`, bridge.ReasonBadType},
		{`{"type":"ticker","source":{"id":1}}`, bridge.ReasonBadSource},
		{`{"source":"ws","timestamp":1}`, bridge.ReasonMissingType},
		{`{"type":"ticker"}`, bridge.ReasonMissingSource},
		{"{\"type\":\"ticker\",\"source\":\"ws\xc3\x28\"}", bridge.ReasonInvalidUTF8},
		{`{"type":"t","source":"ws","data":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, bridge.ReasonTooDeep},
		{`{"type":"t","source":"\u001b[2J\u001b]0;pwn\u0007"}`, bridge.ReasonBadSource},
		{`{"type":"t","source":"ws","timestamp":` + ts(now+24*3600*1000) + `}`, bridge.ReasonFutureTimestamp},
		{`{"type":"t","source":"ws","timestamp":-1}`, bridge.ReasonBadTimestamp},
		{`{"type":"t","source":"ws","timestamp":"` + ts(now) + `"}`, bridge.ReasonBadTimestamp},
		{`[]`, bridge.ReasonNotObject},
		{``, bridge.ReasonEmpty},
	}
	raw := srv.Client(t)
	ctx := context.Background()
	for _, b := range bad {
		if err := raw.Publish(ctx, bridge.DefaultChannel, b.msg).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// A spoofed observer ID, and a replayed seq.
	spoof := `{"type":"ticker","source":"obs","boot":"deadbeef","seq":1,"timestamp":` + ts(now) + `}`
	replay := `{"type":"ticker","source":"replayer","boot":"b1","seq":5,"timestamp":` + ts(now) + `}`
	for _, m := range []string{spoof, replay, replay} {
		raw.Publish(ctx, bridge.DefaultChannel, m)
	}
	want := map[string]int64{}
	for _, b := range bad {
		want[string(b.reason)]++
	}
	var s metrics.Snapshot
	waitUntil(t, "every message counted", 5*time.Second, func() bool {
		s = o.Snapshot()
		replayed := false
		for _, src := range s.Sources {
			replayed = replayed || (src.ID == "replayer" && src.Events == 2)
		}
		// The collision is judged on the observer's tick, after the count.
		return s.Malformed == int64(len(bad)) && replayed && alertOf(s, "collision", "") == metrics.Crit
	})
	for r, n := range want {
		if s.MalformedByReason[r] != n {
			t.Errorf("reason %s: %d, want %d", r, s.MalformedByReason[r], n)
		}
	}
	sources := map[string]metrics.SourceRow{}
	for _, src := range s.Sources {
		sources[src.ID] = src
	}
	// Bad type, missing type, and three bad timestamps parse far enough to
	// name their source; invalid UTF-8, nesting and truncation do not.
	if got := sources["ws"].Malformed; got != 5 {
		t.Errorf("source ws malformed %d, want 5 (the readable ones)", got)
	}
	if got := sources["replayer"]; got.Events != 2 || got.Duplicates != 1 {
		t.Errorf("replayed seq: %+v, want 2 events, 1 duplicate", got)
	}
	if alertOf(s, "collision", "") != metrics.Crit {
		t.Errorf("spoofed observer ID raised no collision; alerts %+v notes %v", s.Alerts, s.Notes)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Fatal(err)
	}
}
