package probe

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

// eventually polls cond every 20ms for up to limit.
func eventually(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// plainEnvelope is a valid envelope from source with seq (none if 0) and
// about n bytes of data: only its size may be wrong.
func plainEnvelope(source string, seq, n int) string {
	s := `{"type":"ticker","source":"` + source + `","timestamp":1760700000123,`
	if seq > 0 {
		s += `"seq":` + strconv.Itoa(seq) + `,`
	}
	return s + `"data":"` + strings.Repeat("x", n) + `"}`
}

// smallLimit is the MaxPayload of the payload tests' bridges.
const smallLimit = 64 << 10

// payloadRig is an observer and a subscriber, both refusing messages above
// smallLimit, on a private server, with a plain client to publish anything.
type payloadRig struct {
	srv      *bridgetest.Server
	o        *Observer
	sub      *bridge.Bridge
	events   []bridge.Event     // the subscriber's handler; read after Close
	refused  []bridge.Malformed // its malformed callback; read after Close
	plainPub func(payload string) int64
}

func newPayloadRig(t *testing.T) *payloadRig {
	t.Helper()
	rig := &payloadRig{srv: bridgetest.Start(t)}
	rig.srv.RequireReal(t)
	obc := fastBridge("", "")
	obc.MaxPayload = smallLimit
	o, err := NewObserver(ObserverConfig{Conn: bridge.ConnConfig{URL: rig.srv.URL()}, ID: "obs", ProbeRate: 5,
		Thresholds: metrics.DefaultThresholds(), Bridge: obc})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Stop)
	cfg := fastBridge(rig.srv.URL(), "small")
	cfg.MaxPayload = smallLimit
	sub, err := bridge.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sub.Handle(func(ev bridge.Event) { rig.events = append(rig.events, ev) })
	sub.OnMalformed(func(m bridge.Malformed) { rig.refused = append(rig.refused, m) })
	if err := sub.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	rig.o, rig.sub = o, sub
	plain := rig.srv.Client(t)
	rig.plainPub = func(payload string) int64 {
		n, err := plain.Publish(context.Background(), bridge.DefaultChannel, payload).Result()
		if err != nil {
			t.Fatalf("plain PUBLISH of %d bytes: %v", len(payload), err)
		}
		return n
	}
	return rig
}

// TestOversizeIsCounted (issue 4, fault 7): a message above MaxPayload from
// a plain client is counted as "oversize" by the subscriber and the
// observer and reaches no handler; the bridge refuses to publish one.
func TestOversizeIsCounted(t *testing.T) {
	rig := newPayloadRig(t)
	if n := rig.plainPub(plainEnvelope("fat-publisher", 0, 100<<10)); n != 2 {
		t.Fatalf("100 KiB publish reached %d subscribers, want 2", n)
	}
	eventually(t, "oversize counted", 3*time.Second, func() bool {
		return rig.sub.Stats().MalformedByReason["oversize"] == 1 && rig.o.Snapshot().MalformedByReason["oversize"] == 1
	})
	_, err := rig.sub.Publish(context.Background(), bridge.DefaultChannel, "ticker", strings.Repeat("x", 100<<10))
	if !errors.Is(err, bridge.ErrTooLarge) {
		t.Errorf("publishing above MaxPayload: %v, want ErrTooLarge", err)
	}
	if err := rig.sub.Close(); err != nil {
		t.Fatal(err)
	}
	if len(rig.events) != 0 || len(rig.refused) != 1 || rig.refused[0].Reason != "oversize" || rig.refused[0].Size < 100<<10 {
		t.Errorf("handlers: %d events, malformed %+v; want none and one oversize", len(rig.events), rig.refused)
	}
}

// Test34MBPublish (issue 4, fault 7): a 34 MB PUBLISH passes Redis
// (proto-max-bulk-len is 512 MB) but not the subscribers' 32 MB pubsub
// output-buffer limit: Redis disconnects every subscriber at once and the
// message is lost. The bridges count the disconnection, resubscribe, and
// count the loss as a gap in the publisher's seq once its next message
// arrives. Nothing crashes, nothing is counted as oversize: it never
// arrived.
func Test34MBPublish(t *testing.T) {
	rig := newPayloadRig(t)
	sub, o := rig.sub, rig.o
	rig.plainPub(plainEnvelope("plain-publisher", 1, 10))
	eventually(t, "the first plain event", 3*time.Second, func() bool { return sub.Stats().Received == 1 })
	if n := rig.plainPub(plainEnvelope("plain-publisher", 2, 34<<20)); n != 2 {
		t.Fatalf("34 MB publish: %d receivers, want 2 (Redis counts them before it buffers)", n)
	}
	for name, b := range map[string]*bridge.Bridge{"subscriber": sub, "observer": o.b} {
		eventually(t, "the "+name+" disconnected and back", 5*time.Second, func() bool {
			st := b.Stats()
			return st.Reconnects == 1 && st.SubscribeFails == 1 && st.State == bridge.StateConnected
		})
	}
	rig.plainPub(plainEnvelope("plain-publisher", 3, 10))
	var s metrics.Snapshot
	eventually(t, "the gap, seen by both", 3*time.Second, func() bool {
		s = o.Snapshot()
		for _, src := range s.Sources {
			if src.ID == "plain-publisher" {
				return src.Gaps == 1 && src.Events == 2 && sub.Stats().Received == 2
			}
		}
		return false
	})
	st := sub.Stats()
	if st.Gaps != 1 || st.Malformed != 0 || st.HandlerPanics != 0 || s.Malformed != 0 {
		t.Errorf("subscriber: gaps %d (want 1: seq 2), malformed %d, panics %d; observer malformed %d",
			st.Gaps, st.Malformed, st.HandlerPanics, s.Malformed)
	}
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	if len(rig.events) != 2 || len(rig.refused) != 0 {
		t.Errorf("handlers: %d events, malformed %+v; want the two small events only", len(rig.events), rig.refused)
	}
	t.Logf("34 MB publish: subscriber disconnected by Redis (%s), resubscribed, one gap", st.LastError)
}
