package bridge_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// streamsCfg is fastCfg on the Streams transport.
func streamsCfg(url, id string) bridge.Config {
	cfg := fastCfg(url, id)
	cfg.Transport = bridge.TransportStreams
	return cfg
}

func TestStreamsConfigRefusesWhatStreamsCannotDo(t *testing.T) {
	cases := map[string]func(*bridge.Config){
		"transport":  func(c *bridge.Config) { c.Transport = "carrier-pigeon" },
		"patterns":   func(c *bridge.Config) { c.Channels = []string{"bridge:market:*"} },
		"sharded":    func(c *bridge.Config) { c.Sharded = true },
		"block":      func(c *bridge.Config) { c.StreamBlock = time.Microsecond },
		"max length": func(c *bridge.Config) { c.StreamMaxLen = -1 },
		"batch":      func(c *bridge.Config) { c.StreamBatch = -5 },
	}
	for want, mutate := range cases {
		cfg := streamsCfg("redis://127.0.0.1:1", "x")
		mutate(&cfg)
		_, err := bridge.New(cfg)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: New said %v", want, err)
		}
	}
	b, err := bridge.New(streamsCfg("redis://127.0.0.1:1", "x"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c := b.Config()
	if c.StreamMaxLen != bridge.DefaultStreamMaxLen || c.StreamBatch != bridge.DefaultStreamBatch || c.StreamBlock != c.PingInterval {
		t.Errorf("defaults: maxlen %d batch %d block %v", c.StreamMaxLen, c.StreamBatch, c.StreamBlock)
	}
	if got := c.StreamName("bridge:events"); got != "bridge:stream:bridge:events" {
		t.Errorf("stream name %q", got)
	}
	d, err := bridge.New(bridge.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Config().Transport != bridge.TransportPubSub {
		t.Errorf("default transport %q, want pubsub", d.Config().Transport)
	}
}

// TestStreamsDelivery: every instance reads every entry, its own filtered as echoes;
// entries written before Start are not replayed (the start is the stream's end, not 0).
// Runs on miniredis too: it serves XADD, XREAD BLOCK and XINFO STREAM.
func TestStreamsDelivery(t *testing.T) {
	srv := bridgetest.Start(t)
	key := streamsCfg("", "").StreamName(bridge.DefaultChannel)
	raw := srv.Client(t)
	for i := 0; i < 7; i++ { // history from before anybody started
		raw.XAdd(context.Background(), &redis.XAddArgs{Stream: key, Values: []any{bridge.StreamField, `{"type":"old","source":"past"}`}})
	}
	a, recA := startBridge(t, streamsCfg(srv.URL(), "a"))
	b, recB := startBridge(t, streamsCfg(srv.URL(), "b"))
	c, recC := startBridge(t, streamsCfg(srv.URL(), "c"))
	publish(t, a, 40)
	publish(t, b, 25)
	waitFor(t, "deliveries", 5*time.Second, func() bool {
		return recA.count() == 25 && recB.count() == 40 && recC.count() == 65
	})
	// Idle past a whole liveness deadline: an XREAD BLOCK that times out with nil is
	// the server answering, never a dead link. Anything late or replayed shows too.
	time.Sleep(c.Config().StreamBlock + c.Config().PingTimeout + 200*time.Millisecond)
	for _, ev := range recC.snapshot() {
		if ev.Type == "old" || ev.Seq.Gap != 0 || ev.Seq.Dup {
			t.Fatalf("c got %+v", ev)
		}
	}
	for id, br := range map[string]*bridge.Bridge{"a": a, "b": b, "c": c} {
		st := br.Stats()
		if st.Duplicates != 0 || st.Gaps != 0 || st.Trimmed != 0 || st.Malformed != 0 || st.State != bridge.StateConnected ||
			st.Reconnects != 0 || st.SubscribeFails != 0 {
			t.Errorf("%s: %+v", id, st)
		}
	}
	if st := a.Stats(); st.Echoes != 40 || st.Published[bridge.DefaultChannel] != 40 {
		t.Errorf("a: echoes %d published %v", st.Echoes, st.Published)
	}
	if n := raw.XLen(context.Background(), key).Val(); n != 7+65 {
		t.Errorf("stream length %d, want %d", n, 7+65)
	}
}

// TestStreamsControlAndMalformed: control messages go by stream too and reach only the
// control handlers; an entry without the envelope field, or with garbage, is malformed.
func TestStreamsControlAndMalformed(t *testing.T) {
	srv := bridgetest.Start(t)
	obs, _ := startBridge(t, streamsCfg(srv.URL(), "observer"))
	agent, rec := startBridge(t, streamsCfg(srv.URL(), "agent"))
	ctx := context.Background()
	if _, err := obs.Publish(ctx, bridge.DefaultChannel, "bridgescope.probe", map[string]int{"id": 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := obs.Publish(ctx, obs.Config().ControlChannel(), "bridgescope.stats", map[string]int{"x": 1}); err != nil {
		t.Fatal(err)
	}
	raw := srv.Client(t)
	key := agent.Config().StreamName(bridge.DefaultChannel)
	raw.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{"other", "field"}})
	raw.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{bridge.StreamField, "nope"}})
	publish(t, obs, 1)
	waitFor(t, "control, ordinary and malformed", 5*time.Second, func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return len(rec.control) == 2 && len(rec.events) == 1 && len(rec.malformed) == 2
	})
	if st := agent.Stats(); st.Malformed != 2 || st.Control != 2 || st.Received != 1 {
		t.Errorf("agent stats %+v", st)
	}
}

// TestStreamsTrimmedCountedAsLoss: a reader stalled behind a full queue while MAXLEN
// trims the stream loses the entries trimmed under it; Trimmed counts exactly those,
// and they are the seq gaps.
func TestStreamsTrimmedCountedAsLoss(t *testing.T) {
	srv := bridgetest.Start(t, bridgetest.WithArgs("--stream-node-max-entries", "10"))
	srv.RequireReal(t) // miniredis has no entries-added
	pubCfg := streamsCfg(srv.URL(), "pub")
	pubCfg.DisableSubscription, pubCfg.StreamMaxLen = true, 20
	pub, _ := startBridge(t, pubCfg)
	subCfg := streamsCfg(srv.URL(), "sub")
	subCfg.QueueSize, subCfg.StreamBatch = 2, 5
	sub, err := bridge.New(subCfg)
	if err != nil {
		t.Fatal(err)
	}
	gate, got := make(chan struct{}), make(chan uint64, 1000)
	sub.Handle(func(ev bridge.Event) {
		<-gate
		got <- ev.Envelope.Seq
	})
	if err := sub.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	const n = 400
	publish(t, pub, n)
	close(gate) // the handler, stuck on its first event, lets everything through
	waitFor(t, "the last entry", 5*time.Second, func() bool {
		for _, s := range sub.Stats().Streams {
			if s.MaxSeq == n {
				return true
			}
		}
		return false
	})
	time.Sleep(100 * time.Millisecond)
	st := sub.Stats()
	received := uint64(len(got))
	if st.Trimmed == 0 || st.Trimmed != n-received || st.Gaps != st.Trimmed || st.Duplicates != 0 {
		t.Errorf("published %d, received %d: trimmed %d, gaps %d, duplicates %d; want trimmed = gaps = %d",
			n, received, st.Trimmed, st.Gaps, st.Duplicates, n-received)
	}
	t.Logf("published %d with MAXLEN ~20 behind a stalled reader: received %d, trimmed %d", n, received, st.Trimmed)
}

// TestStreamsCluster: streams on keys of every master, each read on its owner; the
// publisher's XADDs are routed by slot.
func TestStreamsCluster(t *testing.T) {
	t.Cleanup(func() { awaitDialProbes(t) })
	cl := bridgetest.StartCluster(t, 3)
	byNode := map[string]string{}
	probe := streamsCfg("", "")
	for i := 0; len(byNode) < len(cl.Nodes) && i < 100; i++ {
		ch := fmt.Sprintf("bridge:market:%d", i)
		owner := cl.Owner(t, cl.KeySlot(t, probe.StreamName(ch))).Addr()
		if _, ok := byNode[owner]; !ok {
			byNode[owner] = ch
		}
	}
	var channels []string
	for _, ch := range byNode {
		channels = append(channels, ch)
	}
	subCfg := clusterCfg(cl, "sub", false, channels)
	subCfg.Transport = bridge.TransportStreams
	sub, rec := startBridge(t, subCfg)
	pubCfg := clusterCfg(cl, "pub", false, nil)
	pubCfg.Transport, pubCfg.DisableSubscription = bridge.TransportStreams, true
	pub, _ := startBridge(t, pubCfg)
	publishEach(t, pub, channels, 5)
	waitFor(t, "deliveries on every node", 10*time.Second, func() bool { return rec.count() == 5*len(channels) })
	st := sub.Stats()
	if len(st.Shards) != len(cl.Nodes) || st.Gaps != 0 || st.Duplicates != 0 {
		t.Errorf("rows %+v gaps %d dups %d, want one row per master", st.Shards, st.Gaps, st.Duplicates)
	}
	for _, row := range st.Shards {
		if _, ok := byNode[row.Addr]; !ok || row.State != bridge.StateConnected {
			t.Errorf("row %+v is not a master carrying a stream", row)
		}
	}
}
