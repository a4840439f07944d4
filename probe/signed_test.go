package probe

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

var sharedKey = []byte("a shared control key, 32+ bytes long")

// capture records the control messages of one source as they were on the wire.
type capture struct {
	mu   sync.Mutex
	msgs map[string][]string // by type
}

func captureControl(t *testing.T, srv *bridgetest.Server, source string) *capture {
	t.Helper()
	c := &capture{msgs: map[string][]string{}}
	ps := srv.Client(t).Subscribe(context.Background(), bridge.Config{}.ControlChannel())
	if _, err := ps.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for m := range ps.Channel() {
			env, r := bridge.Decode(m.Payload, bridge.DefaultMaxPayload, time.Now().UnixMilli())
			if r == "" && env.Source == source {
				c.mu.Lock()
				c.msgs[env.Type] = append(c.msgs[env.Type], m.Payload)
				c.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { ps.Close(); wg.Wait() })
	return c
}

// find returns the first captured message of typ that has want in it.
func (c *capture) find(typ, want string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.msgs[typ] {
		if strings.Contains(m, want) {
			return m, true
		}
	}
	return "", false
}

func keyedAgent(t *testing.T, url, id string, key []byte) (*bridge.Bridge, *Agent) {
	t.Helper()
	cfg := fastBridge(url, id)
	cfg.ControlKey = key
	b, err := bridge.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := Attach(b, AttachOptions{Interval: 200 * time.Millisecond})
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.Run()
	t.Cleanup(func() { a.Stop(context.Background()); b.Close() })
	return b, a
}

// TestSignedControl: with a shared key, an agent with the key is listed and
// probed; agents without it or with another key, and a plain client forging
// a stats report, are never listed, and are counted as unsigned and
// bad_signature. A replayed ack counts as a duplicate, never as a late ack,
// and a replayed stats report is not counted again.
func TestSignedControl(t *testing.T) {
	srv := bridgetest.Start(t)
	th := metrics.DefaultThresholds()
	o, err := NewObserver(ObserverConfig{Conn: bridge.ConnConfig{URL: srv.URL()}, ID: "obs", ControlKey: sharedKey,
		ProbeRate: 20, Refresh: 100 * time.Millisecond, LateAfter: 300 * time.Millisecond, Thresholds: th,
		Bridge: fastBridge(srv.URL(), "obs")})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer o.Stop()
	cap := captureControl(t, srv, "agent")
	keyedAgent(t, srv.URL(), "agent", sharedKey)
	keyedAgent(t, srv.URL(), "nokey", nil)
	keyedAgent(t, srv.URL(), "wrongkey", []byte("another key, also 32 bytes long.."))
	raw := srv.Client(t)
	ctx := context.Background()
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	forged := `{"type":"bridgescope.stats","data":{"role":"agent","state":"connected"},"timestamp":` + ts + `,"source":"forged","seq":1,"boot":"b"}`
	if err := raw.Publish(ctx, bridge.Config{}.ControlChannel(), forged).Err(); err != nil {
		t.Fatal(err)
	}
	malformedAtAgent(t, raw, 3)
	var s metrics.Snapshot
	waitUntil(t, "the keyed agent acking, the others refused", 10*time.Second, func() bool {
		s = o.Snapshot()
		row, ok := rowOf(s, "agent")
		_, reported := cap.find(TypeStats, `"malformed":3`)
		return ok && row.Acked > 0 && row.Malformed == 3 && reported &&
			s.MalformedByReason[string(bridge.ReasonUnsigned)] >= 2 && s.MalformedByReason[string(bridge.ReasonBadSignature)] >= 1
	})
	if s.Control != "signed" {
		t.Errorf("snapshot control %q, want signed", s.Control)
	}
	for _, id := range []string{"nokey", "wrongkey", "forged"} {
		if _, ok := rowOf(s, id); ok {
			t.Errorf("%s is listed as an instance: its control messages were not refused", id)
		}
	}
	checkReplays(t, o, cap, raw)
	if b, err := json.Marshal(o.Snapshot()); err != nil || strings.Contains(string(b), string(sharedKey)) {
		t.Errorf("the snapshot holds the key (or does not marshal: %v)", err)
	}
}

// checkReplays replays an ack of the agent's whose probe resolved long ago,
// and one of its older stats reports: the acks are duplicates, not late, and
// the report is not counted again.
func checkReplays(t *testing.T, o *Observer, cap *capture, raw *redis.Client) {
	t.Helper()
	ctx := context.Background()
	oldStats, _ := cap.find(TypeStats, `"malformed":3`)
	malformedAtAgent(t, raw, 3)
	waitUntil(t, "the agent's malformed count moving on", 5*time.Second, func() bool {
		row, _ := rowOf(o.Snapshot(), "agent")
		return row.Malformed == 6
	})
	oldAck, ok := cap.find(TypeAck, `"source":"obs"`)
	if !ok {
		t.Fatal("no ack captured")
	}
	time.Sleep(600 * time.Millisecond) // past LateAfter: the ack's probe is resolved
	before, _ := rowOf(o.Snapshot(), "agent")
	const replays = 20
	for range replays {
		raw.Publish(ctx, bridge.Config{}.ControlChannel(), oldAck)
		raw.Publish(ctx, bridge.Config{}.ControlChannel(), oldStats)
	}
	waitUntil(t, "the replayed acks counted", 5*time.Second, func() bool {
		row, _ := rowOf(o.Snapshot(), "agent")
		return row.Duplicates >= before.Duplicates+replays
	})
	time.Sleep(300 * time.Millisecond) // a replayed stats report would have landed too
	after, _ := rowOf(o.Snapshot(), "agent")
	if after.Duplicates != before.Duplicates+replays || after.Late != before.Late {
		t.Errorf("%d replayed acks: duplicates %d→%d, late %d→%d; want +%d duplicates, no late",
			replays, before.Duplicates, after.Duplicates, before.Late, after.Late, replays)
	}
	if after.Malformed != 6 {
		t.Errorf("a replayed older report was counted: malformed %d, want 6", after.Malformed)
	}
}

// malformedAtAgent publishes n messages every bridge refuses on the data channel.
func malformedAtAgent(t *testing.T, raw *redis.Client, n int) {
	t.Helper()
	for range n {
		if err := raw.Publish(context.Background(), bridge.DefaultChannel, "not json").Err(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestUnsignedControlIsSaid(t *testing.T) {
	o, err := NewObserver(ObserverConfig{Conn: bridge.ConnConfig{URL: "redis://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Stop()
	if c := o.Snapshot().Control; c != "unsigned" {
		t.Errorf("without a key, control %q, want unsigned", c)
	}
}
