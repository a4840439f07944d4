package bridge_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder collects what a bridge hands to its handlers.
type recorder struct {
	mu        sync.Mutex
	events    []bridge.Event
	control   []bridge.Event
	malformed []bridge.Malformed
}

func (r *recorder) handle(ev bridge.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}
func (r *recorder) handleCtl(ev bridge.Event) {
	r.mu.Lock()
	r.control = append(r.control, ev)
	r.mu.Unlock()
}
func (r *recorder) handleMal(m bridge.Malformed) {
	r.mu.Lock()
	r.malformed = append(r.malformed, m)
	r.mu.Unlock()
}
func (r *recorder) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.events) }
func (r *recorder) snapshot() []bridge.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bridge.Event(nil), r.events...)
}
func (r *recorder) malformedCopy() []bridge.Malformed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bridge.Malformed(nil), r.malformed...)
}

// fastCfg is a config with a quick liveness check and backoff, for fault tests.
func fastCfg(url, id string) bridge.Config {
	return bridge.Config{
		Conn: bridge.ConnConfig{URL: url}, InstanceID: id,
		PingInterval: 200 * time.Millisecond, BackoffMin: 50 * time.Millisecond, BackoffMax: 300 * time.Millisecond,
		DialTimeout: time.Second, CommandTimeout: time.Second,
	}
}

func startBridge(t *testing.T, cfg bridge.Config) (*bridge.Bridge, *recorder) {
	t.Helper()
	b, err := bridge.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	b.Handle(rec.handle)
	b.HandlePrefix(bridge.ControlTypePrefix, rec.handleCtl)
	b.AddChannel(cfg.ControlChannel())
	b.OnMalformed(rec.handleMal)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Start(ctx); err != nil {
		b.Close()
		t.Fatalf("start %s: %v", cfg.InstanceID, err)
	}
	t.Cleanup(func() { b.Close() })
	return b, rec
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func publish(t *testing.T, b *bridge.Bridge, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := b.Publish(context.Background(), bridge.DefaultChannel, "ticker", map[string]int{"n": i}); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
}

func TestDeliveryAndSelfFiltering(t *testing.T) {
	srv := bridgetest.Start(t)
	a, recA := startBridge(t, fastCfg(srv.URL(), "a"))
	b, recB := startBridge(t, fastCfg(srv.URL(), "b"))
	publish(t, a, 50)
	publish(t, b, 30)
	waitFor(t, "deliveries", 5*time.Second, func() bool { return recA.count() == 30 && recB.count() == 50 })
	for i, ev := range recB.snapshot() {
		if ev.Source != "a" || ev.Boot != a.Boot() || ev.Seq.Gap != 0 || ev.Envelope.Seq != uint64(i+1) {
			t.Fatalf("event %d at b: %+v", i, ev)
		}
		var data struct{ N int }
		if err := json.Unmarshal(ev.Data, &data); err != nil || data.N != i {
			t.Fatalf("event %d data %s", i, ev.Data)
		}
		if ev.RecvNs < ev.SentNs {
			t.Fatalf("received before sent: %d < %d", ev.RecvNs, ev.SentNs)
		}
	}
	time.Sleep(100 * time.Millisecond) // anything late would show now
	sa := a.Stats()
	if recA.count() != 30 || sa.Echoes != 50 || sa.SelfReceived != 0 || sa.Collisions != 0 || sa.Published[bridge.DefaultChannel] != 50 {
		t.Errorf("a: got %d events, stats %+v", recA.count(), sa)
	}
}

func TestCollisionIsDeliveredAndCounted(t *testing.T) {
	srv := bridgetest.Start(t)
	a, _ := startBridge(t, fastCfg(srv.URL(), "same-id"))
	b, recB := startBridge(t, fastCfg(srv.URL(), "same-id"))
	publish(t, a, 5)
	waitFor(t, "collision deliveries", 5*time.Second, func() bool { return recB.count() == 5 })
	for _, ev := range recB.snapshot() {
		if !ev.Collision {
			t.Fatalf("event from another process with our ID not flagged: %+v", ev)
		}
	}
	st := b.Stats()
	if st.Collisions != 5 || st.SelfReceived != 5 || len(st.CollidingBoots) != 1 || st.CollidingBoots[0] != a.Boot() {
		t.Errorf("stats %+v, want 5 collisions from boot %s", st, a.Boot())
	}
}

func TestSeedEnvelopeAndMalformedFromPlainClient(t *testing.T) {
	srv := bridgetest.Start(t)
	b, rec := startBridge(t, fastCfg(srv.URL(), "bot-1"))
	raw := srv.Client(t)
	ctx := context.Background()
	seed := `{"type":"trade","data":{"p":"1.5"},"timestamp":` + jsonNow() + `,"source":48211}`
	bad := map[string]bridge.Reason{
		`nope`:                                  bridge.ReasonNotJSON,
		`{"type":"t","source":"x"`:              bridge.ReasonNotJSON,
		`{"source":"x"}`:                        bridge.ReasonMissingType,
		`{"type":"t","source":"x","seq":"1"}`:   bridge.ReasonBadSeq,
		"{\"type\":\"t\xfe\",\"source\":\"x\"}": bridge.ReasonInvalidUTF8,
		`{"type":"t","source":"\u001b[31mred"}`: bridge.ReasonBadSource,
	}
	for msg := range bad {
		raw.Publish(ctx, bridge.DefaultChannel, msg)
	}
	raw.Publish(ctx, bridge.DefaultChannel, seed)
	waitFor(t, "the seed envelope", 5*time.Second, func() bool { return rec.count() == 1 })
	ev := rec.snapshot()[0]
	if ev.Source != "48211" || ev.Type != "trade" || ev.Envelope.Seq != 0 {
		t.Errorf("seed envelope delivered as %+v", ev)
	}
	waitFor(t, "malformed callbacks", 5*time.Second, func() bool { return len(rec.malformedCopy()) == len(bad) })
	st := b.Stats()
	byReason := map[bridge.Reason]uint64{}
	for _, r := range bad {
		byReason[r]++
	}
	for r, n := range byReason {
		if st.MalformedByReason[r] != n || st.MalformedByChannel[bridge.DefaultChannel][r] != n {
			t.Errorf("reason %s: counted %d (channel %d), want %d", r, st.MalformedByReason[r], st.MalformedByChannel[bridge.DefaultChannel][r], n)
		}
	}
	if st.Malformed != uint64(len(bad)) || st.Received != 1 {
		t.Errorf("malformed %d received %d, want %d and 1", st.Malformed, st.Received, len(bad))
	}
}

func jsonNow() string { b, _ := json.Marshal(time.Now().UnixMilli()); return string(b) }

func TestControlMessagesSkipOrdinaryHandlers(t *testing.T) {
	srv := bridgetest.Start(t)
	a, _ := startBridge(t, fastCfg(srv.URL(), "observer"))
	_, rec := startBridge(t, fastCfg(srv.URL(), "agent"))
	ctl := a.Config().ControlChannel()
	if _, err := a.Publish(context.Background(), bridge.DefaultChannel, "bridgescope.probe", map[string]int{"id": 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Publish(context.Background(), ctl, "bridgescope.stats", map[string]int{"x": 1}); err != nil {
		t.Fatal(err)
	}
	publish(t, a, 1)
	waitFor(t, "control and ordinary events", 5*time.Second, func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return len(rec.control) == 2 && len(rec.events) == 1
	})
	if ev := rec.snapshot()[0]; ev.Type != "ticker" {
		t.Errorf("ordinary handler got %q", ev.Type)
	}
}

func TestPatternSubscription(t *testing.T) {
	srv := bridgetest.Start(t)
	pub, _ := startBridge(t, fastCfg(srv.URL(), "pub"))
	cfg := fastCfg(srv.URL(), "sub")
	cfg.Channels = []string{"bridge:market:*"}
	_, rec := startBridge(t, cfg)
	for _, ch := range []string{"bridge:market:btc", "bridge:market:eth", "bridge:other"} {
		if _, err := pub.Publish(context.Background(), ch, "ticker", nil); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "pattern deliveries", 5*time.Second, func() bool { return rec.count() == 2 })
	for _, ev := range rec.snapshot() {
		if ev.Pattern != "bridge:market:*" || !strings.HasPrefix(ev.Channel, "bridge:market:") {
			t.Errorf("pattern event %+v", ev)
		}
	}
}

func TestStartFailsClearlyWithoutRedis(t *testing.T) {
	cfg := fastCfg("redis://:s3cret@127.0.0.1:1", "x")
	b, err := bridge.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	start := time.Now()
	err = b.Start(context.Background())
	if err == nil {
		t.Fatal("Start succeeded with no Redis")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error leaks the password: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Start took %v to fail", time.Since(start))
	}
	if st := b.Stats(); st.State != bridge.StateDisconnected || st.LastError == "" {
		t.Errorf("state %s, last error %q", st.State, st.LastError)
	}
	// The dashboard shows LastError as its connection note: one line a
	// person reads, as the command line says it (bridge.Explain).
	want := "cannot use Redis at redis://:xxxxx@127.0.0.1:1: nothing listens at that address (is Redis running there? check the host and port) (connection refused)"
	if st := b.Stats(); st.LastError != want {
		t.Errorf("last error %q, want %q", st.LastError, want)
	}
	if got := bridge.Explain(err); got != want {
		t.Errorf("Explain(Start's error) = %q, want %q", got, want)
	}
}
