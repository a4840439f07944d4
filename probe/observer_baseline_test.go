package probe

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

func startObserver(t *testing.T, cfg ObserverConfig) *Observer {
	t.Helper()
	th := metrics.DefaultThresholds()
	th.P99Warn, th.P99Crit = metrics.Duration(5*time.Second), metrics.Duration(10*time.Second)
	br := fastBridge("", "")
	br.Sharded = cfg.Bridge.Sharded
	cfg.ID, cfg.Thresholds, cfg.Bridge = "obs", th, br
	if cfg.ProbeRate == 0 {
		cfg.ProbeRate = 50
	}
	o, err := NewObserver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return o
}

// waitSnapshot polls the observer until ok holds or d passes, and returns
// the last snapshot.
func waitSnapshot(t *testing.T, o *Observer, d time.Duration, ok func(metrics.Snapshot) bool) (metrics.Snapshot, bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		s := o.Snapshot()
		if ok(s) || time.Now().After(deadline) {
			return s, ok(s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestObserverBaseline (watch --baseline): the raw lane runs beside the
// probes at the probe rate on a channel under the prefix; its latency is
// present, loss-free, and no more than the bridge's round trip, which
// crosses Redis twice where the lane crosses it once.
func TestObserverBaseline(t *testing.T) {
	srv := bridgetest.Start(t)
	o := startObserver(t, ObserverConfig{Conn: bridge.ConnConfig{URL: srv.URL()}, Baseline: true})
	defer o.Stop()
	b, a := startAgent(t, srv.URL(), "good", AttachOptions{})
	defer func() { a.Stop(context.Background()); b.Close() }()

	s, ok := waitSnapshot(t, o, 10*time.Second, func(s metrics.Snapshot) bool {
		g, _ := rowOf(s, "good")
		return s.Baseline != nil && s.Baseline.RTT.Count >= 100 && g.RTT.Count >= 100
	})
	if !ok {
		t.Fatalf("no 100 raw and bridge samples in 10s: baseline %+v, notes %q", s.Baseline, s.Notes)
	}
	bl := s.Baseline
	g, _ := rowOf(s, "good")
	t.Logf("raw Redis: p50 %.0fµs p99 %.0fµs (%d); bridge RTT: p50 %.0fµs p99 %.0fµs (%d)",
		bl.RTT.P50, bl.RTT.P99, bl.RTT.Count, g.RTT.P50, g.RTT.P99, g.RTT.Count)
	if !strings.HasPrefix(bl.Channel, "bridge:bridgescope:baseline:") {
		t.Errorf("lane channel %q, want one under the prefix, where a bridge-only ACL user may publish", bl.Channel)
	}
	if bl.RTT10s.Count == 0 || bl.RTT10s.P50 <= 0 || bl.RTT.P50 <= 0 || bl.RTT.Max > 1e6 {
		t.Errorf("raw latency not sane: session %+v, 10s %+v", bl.RTT, bl.RTT10s)
	}
	if bl.RTT.P50 > g.RTT.P50 {
		t.Errorf("raw Redis p50 %.0fµs above the bridge round trip's p50 %.0fµs", bl.RTT.P50, g.RTT.P50)
	}
	if bl.Lost != 0 || bl.Sent < bl.RTT.Count {
		t.Errorf("sent %d, lost %d, samples %d: want no loss", bl.Sent, bl.Lost, bl.RTT.Count)
	}
	if s.Malformed != 0 || len(s.Shards) != 0 {
		t.Errorf("malformed %d, shards %v: the lane must stay off the data channels, a server has no shard rows", s.Malformed, s.Shards)
	}
	// Paused probes pause the lane too.
	o.SetPaused(true)
	time.Sleep(300 * time.Millisecond)
	sent := o.Snapshot().Baseline.Sent
	time.Sleep(500 * time.Millisecond)
	if now := o.Snapshot().Baseline.Sent; now != sent {
		t.Errorf("lane sent %d events while paused", now-sent)
	}
}

func TestObserverBaselineOffByDefault(t *testing.T) {
	srv := bridgetest.Start(t)
	o := startObserver(t, ObserverConfig{Conn: bridge.ConnConfig{URL: srv.URL()}})
	defer o.Stop()
	time.Sleep(300 * time.Millisecond)
	if s := o.Snapshot(); s.Baseline != nil || o.lane != nil {
		t.Errorf("Baseline = %+v without the flag, want nil and no lane", s.Baseline)
	}
}

// TestObserverBaselineACL: a user whose ACL lacks the lane's channel
// still watches; the lane is off with a note saying why.
func TestObserverBaselineACL(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	srv.Do(t, "ACL", "SETUSER", "narrow", "reset", "on", ">pw", "resetchannels", "&bridge:events", "&bridge:bridgescope",
		"-@all", "+publish", "+subscribe", "+psubscribe", "+unsubscribe", "+punsubscribe", "+ping")
	o := startObserver(t, ObserverConfig{Conn: bridge.ConnConfig{URL: "redis://narrow:pw@" + srv.Addr()}, Baseline: true})
	defer o.Stop()
	b, a := startAgent(t, srv.URL(), "good", AttachOptions{})
	defer func() { a.Stop(context.Background()); b.Close() }()
	s, ok := waitSnapshot(t, o, 5*time.Second, func(s metrics.Snapshot) bool {
		g, _ := rowOf(s, "good")
		return g.RTT.Count > 10
	})
	if !ok || s.Conn != "connected" {
		t.Fatalf("the watch did not go on without the lane: conn %s, instances %+v", s.Conn, s.Instances)
	}
	if s.Baseline != nil {
		t.Errorf("Baseline = %+v, want nil when the lane could not start", s.Baseline)
	}
	t.Logf("notes: %q", s.Notes)
	if !hasNote(s, "raw Redis lane off", "NOPERM") {
		t.Errorf("notes %q, want one saying the lane is off (NOPERM)", s.Notes)
	}
	for _, n := range s.Notes {
		if strings.Contains(n, "pw") && strings.Contains(n, "narrow:") {
			t.Errorf("a note holds the credentials: %q", n)
		}
	}
}

// TestBaselineChannelAvoidsWatchedPatterns: a watched pattern that would
// take in the lane's binary payloads (as malformed events) moves the lane
// out from under the prefix.
func TestBaselineChannelAvoidsWatchedPatterns(t *testing.T) {
	for _, c := range []struct {
		channels []string
		prefixed bool
	}{
		{[]string{"bridge:events"}, true},
		{[]string{"bridge:market:*", "bridge:events"}, true},
		{[]string{"bridge:*"}, false},
		{[]string{"bridge:events", "*"}, false},
	} {
		o, err := NewObserver(ObserverConfig{Conn: bridge.ConnConfig{URL: "redis://127.0.0.1:1"}, Channels: c.channels,
			ProbeChannels: []string{"bridge:events"}})
		if err != nil {
			t.Fatal(err)
		}
		ch := o.baselineChannel()
		o.Stop()
		if got := strings.HasPrefix(ch, "bridge:"); got != c.prefixed || !strings.Contains(ch, "bridgescope:baseline:") {
			t.Errorf("channels %q: lane on %q, want prefixed=%v", c.channels, ch, c.prefixed)
		}
	}
}

// TestObserverShardsCluster: on a 3-master cluster with sharded pub/sub the
// snapshot has one row per shard, all connected; a killed master shows as
// not connected with its error, and the raw lane works there too.
func TestObserverShardsCluster(t *testing.T) {
	t.Cleanup(func() { awaitDialProbes(t) })
	cl := bridgetest.StartCluster(t, 3)
	var channels []string
	owners := map[string]bool{}
	for i := 0; len(owners) < 3 && i < 100; i++ {
		ch := fmt.Sprintf("bridge:market:%d", i)
		if o := cl.Owner(t, cl.KeySlot(t, ch)).Addr(); !owners[o] {
			owners[o] = true
			channels = append(channels, ch)
		}
	}
	cfg := ObserverConfig{Conn: bridge.ConnConfig{ClusterAddrs: cl.Addrs()[:1]}, Channels: channels, Baseline: true,
		ProbeRate: 20, Bridge: bridge.Config{Sharded: true}}
	o := startObserver(t, cfg)
	defer o.Stop()
	connected := func(s metrics.Snapshot) int {
		n := 0
		for _, sh := range s.Shards {
			if sh.State == "connected" {
				n++
			}
		}
		return n
	}
	s, ok := waitSnapshot(t, o, 10*time.Second, func(s metrics.Snapshot) bool {
		return connected(s) == 3 && s.Baseline != nil && s.Baseline.RTT.Count > 5
	})
	if !ok {
		t.Fatalf("shards %+v, baseline %+v, notes %q", s.Shards, s.Baseline, s.Notes)
	}
	for _, sh := range s.Shards {
		if !owners[sh.Addr] {
			t.Errorf("shard row %+v is not one of the masters %v", sh, cl.Addrs())
		}
	}
	if s.Baseline.Lost != 0 || s.Baseline.RTT.P50 <= 0 {
		t.Errorf("raw lane on the cluster: %+v", s.Baseline)
	}

	victim := channels[0]
	node := cl.Owner(t, cl.KeySlot(t, victim))
	node.Kill(t)
	s, ok = waitSnapshot(t, o, 10*time.Second, func(s metrics.Snapshot) bool {
		for _, sh := range s.Shards {
			if sh.Addr == node.Addr() && sh.State != "connected" && sh.LastError != "" {
				return true
			}
		}
		return false
	})
	if !ok {
		t.Errorf("killed master %s: shard rows %+v, want it not connected, with its error", node.Addr(), s.Shards)
	}
	if n := connected(s); n != 2 {
		t.Errorf("%d shards connected after killing one of 3, want 2: %+v", n, s.Shards)
	}
}

// awaitDialProbes waits for go-redis's background dial probes (started for
// nodes that went away) to end, so goleak does not count them.
func awaitDialProbes(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(3 * time.Second)
	for strings.Contains(string(buf[:runtime.Stack(buf, true)]), "(*ConnPool).tryDial") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}
