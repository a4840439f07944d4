package probe

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

func TestParseClientList(t *testing.T) {
	list := "id=3 addr=127.0.0.1:1 name=bot-1 sub=1 psub=0 omem=20480 cmd=subscribe\n" +
		"id=4 addr=127.0.0.1:2 name=bot-1 sub=0 psub=0 omem=999999 cmd=publish\n" +
		"id=5 addr=127.0.0.1:3 name=bot_2 sub=0 psub=2 omem=0 cmd=psubscribe\n"
	got := SubscriberRows(list, "n1:6379")
	if len(got) != 2 || got[0].Name != "bot-1" || got[0].OmemBytes != 20480 || got[1].Name != "bot_2" ||
		got[1].Subscriptions != 2 || got[1].Node != "n1:6379" || got[1].Addr != "127.0.0.1:3" {
		t.Errorf("SubscriberRows = %+v", got)
	}
	if n, ok := parsePubsubLimit("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"); !ok || n != 33554432 {
		t.Errorf("parsePubsubLimit = %d %v", n, ok)
	}
}

// TestSlowConsumerIsSeenBeforeRedisActs: a subscriber whose handler stalls
// lets Redis buffer its messages; the observer warns from CLIENT LIST while
// omem passes half the limit, Redis then disconnects it, the bridge counts
// the reconnect and the loss, and recovers once the handler moves again.
func TestSlowConsumerIsSeenBeforeRedisActs(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	srv.Do(t, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 2mb 0 0")
	th := metrics.DefaultThresholds()
	th.Hold = metrics.Duration(0)
	o, err := NewObserver(ObserverConfig{Conn: bridge.ConnConfig{URL: srv.URL()}, ID: "obs", Thresholds: th, BufferPoll: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer o.Stop()

	cfg := fastBridge(srv.URL(), "slowpoke")
	cfg.QueueSize = 4
	slow, err := bridge.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	stall := make(chan struct{})
	slow.Handle(func(bridge.Event) { <-stall })
	a := Attach(slow, AttachOptions{Interval: 200 * time.Millisecond})
	if err := slow.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.Run()
	defer func() { a.Stop(context.Background()); slow.Close() }()
	unstall := func() {
		select {
		case <-stall:
		default:
			close(stall)
		}
	}
	defer unstall()

	pub, err := bridge.New(fastBridge(srv.URL(), "firehose"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	payload := map[string]string{"pad": strings.Repeat("x", 4000)}
	// About 1 MB/s: omem climbs over a few seconds, as it would in production.
	flood := func(until func() bool, d time.Duration) {
		deadline := time.Now().Add(d)
		for !until() && time.Now().Before(deadline) {
			for i := 0; i < 5; i++ {
				_, _ = pub.Publish(context.Background(), bridge.DefaultChannel, "ticker", payload)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	subscribed := func() bool { // does Redis still hold slowpoke's subscription?
		for _, l := range strings.Split(srv.Do(t, "CLIENT", "LIST").(string), "\n") {
			if strings.Contains(l, "name=slowpoke ") && strings.Contains(l, "cmd=subscribe") {
				return true
			}
		}
		return false
	}
	flood(func() bool { return alertOf(o.Snapshot(), "output_buffer", "slowpoke") != metrics.OK }, 15*time.Second)
	if alertOf(o.Snapshot(), "output_buffer", "slowpoke") == metrics.OK {
		t.Fatalf("no output_buffer alert; slowpoke row %+v, notes %v", o.Snapshot().Instances, o.Snapshot().Notes)
	}
	if !subscribed() {
		t.Fatal("the warning came only after Redis had disconnected the subscriber")
	}
	flood(func() bool { return !subscribed() }, 15*time.Second)
	if subscribed() {
		t.Fatal("Redis never disconnected the stalled subscriber")
	}
	unstall()
	waitUntil(t, "the reconnect", 10*time.Second, func() bool {
		st := slow.Stats()
		return st.Reconnects > 0 && st.State == bridge.StateConnected
	})
	if _, err := pub.Publish(context.Background(), bridge.DefaultChannel, "ticker", nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the loss to be counted", 5*time.Second, func() bool { return slow.Stats().Gaps > 0 })
	t.Logf("stalled subscriber: %d reconnects, %d events lost", slow.Stats().Reconnects, slow.Stats().Gaps)
}

func waitUntil(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
