package probe

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

// plainSubscriber is a go-redis subscriber with no bridgescope code, named
// as a TypeScript bot might be, confirmed subscribed.
func plainSubscriber(t *testing.T, srv *bridgetest.Server, name string, channels ...string) (*redis.Client, *redis.PubSub) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), ClientName: name})
	ps := c.Subscribe(context.Background(), channels...)
	for range channels {
		if _, err := ps.Receive(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = ps.Close(); _ = c.Close() })
	return c, ps
}

// TestEverySubscriber is issue 12's test of passive subscribers: one
// cooperating agent and two plain go-redis subscribers show as one matched
// connection and two passive rows; killing one drops its row within the hold
// and raises --expect-subscribers 3's WARN; a stalled plain subscriber
// raises the output-buffer alert while Redis still holds its connection.
func TestEverySubscriber(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	th := metrics.DefaultThresholds()
	th.Hold = metrics.Duration(time.Second)
	th.ExpectSubscribers = metrics.SubscriberExpectation{Total: 3}
	o, err := NewObserver(ObserverConfig{Conn: bridge.ConnConfig{URL: srv.URL()}, ID: "obs", Thresholds: th,
		BufferPoll: 300 * time.Millisecond, Refresh: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer o.Stop()
	b, err := bridge.New(bridge.Config{Conn: bridge.ConnConfig{URL: srv.URL()}, InstanceID: "coop"})
	if err != nil {
		t.Fatal(err)
	}
	a := Attach(b, AttachOptions{Interval: 200 * time.Millisecond})
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.Run()
	defer func() { a.Stop(context.Background()); b.Close() }()
	_, ts1 := plainSubscriber(t, srv, "ts-bot-1", bridge.DefaultChannel)
	plainSubscriber(t, srv, "ts-bot-2", bridge.DefaultChannel)

	passive := func(s metrics.Snapshot) map[string]metrics.InstanceRow {
		out := map[string]metrics.InstanceRow{}
		for _, in := range s.Instances {
			if in.Passive {
				out[strings.Split(in.ID, "@")[0]] = in
			}
		}
		return out
	}
	var s metrics.Snapshot
	waitUntil(t, "two passive rows and the agent's connection matched", 5*time.Second, func() bool {
		s = o.Snapshot()
		matched := false
		for _, sub := range s.Subscribers {
			matched = matched || sub.Instance == "coop"
		}
		return len(passive(s)) == 2 && matched && len(s.Subscribers) == 3
	})
	if p := passive(s)["ts-bot-1"]; p.Role != metrics.PassiveRole || metrics.Finite(p.Delivery10s) {
		t.Errorf("passive row %+v: want role %q, delivery unknown", p, metrics.PassiveRole)
	}
	if len(s.SubscriberCounts) != 1 || s.SubscriberCounts[0].Count != 3 {
		t.Errorf("NUMSUB %+v, want 3 on %s (the observer's own left out)", s.SubscriberCounts, bridge.DefaultChannel)
	}

	_ = ts1.Close() // a bot goes away
	killed := time.Now()
	waitUntil(t, "the closed subscriber's row gone", th.Hold.Std(), func() bool {
		_, there := passive(o.Snapshot())["ts-bot-1"]
		return !there
	})
	t.Logf("row gone %v after the close", time.Since(killed).Round(time.Millisecond))
	waitUntil(t, "--expect-subscribers 3 WARN", 3*th.Hold.Std()+time.Second, func() bool {
		for _, al := range o.Snapshot().Alerts {
			if al.Rule == "subscribers" && al.Level == metrics.Warn {
				return true
			}
		}
		return false
	})

	// A stalled plain subscriber: it never reads, Redis buffers for it.
	srv.Do(t, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 16mb 0 0")
	plainSubscriber(t, srv, "ts-slow", "slow:flood")
	pub := srv.Client(t)
	chunk := strings.Repeat("x", 64<<10)
	alerted := false
	for i := 0; i < 2000 && !alerted; i++ {
		if err := pub.Publish(context.Background(), "slow:flood", chunk).Err(); err != nil {
			t.Fatal(err)
		}
		if i%4 == 3 {
			time.Sleep(50 * time.Millisecond) // about 5 MB/s: the poll sees it rise
		}
		for _, al := range o.Snapshot().Alerts {
			alerted = alerted || (al.Rule == "output_buffer" && strings.HasPrefix(al.Instance, "ts-slow@"))
		}
	}
	if !alerted {
		t.Fatalf("no output_buffer alert for the stalled subscriber: %+v", o.Snapshot().Alerts)
	}
	if list := srv.Do(t, "CLIENT", "LIST", "TYPE", "pubsub").(string); !strings.Contains(list, "name=ts-slow") {
		t.Errorf("Redis disconnected the stalled subscriber before the alert:\n%s", list)
	}
}
