package probe

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

// forgedStats is a stats report as any client may publish it on the control
// channel: a well-formed envelope under a made-up source and boot.
func forgedStats(source, boot string, seq int) string {
	return fmt.Sprintf(`{"type":"bridgescope.stats","source":%q,"boot":%q,"seq":%d,"timestamp":%d,"data":{"role":"agent","intervalMs":1000,"state":"connected"}}`,
		source, boot, seq, time.Now().UnixMilli())
}

// publishAll publishes msgs on ch through a pipeline, in batches.
func publishAll(t *testing.T, c *redis.Client, ch string, msgs []string) {
	t.Helper()
	ctx := context.Background()
	for len(msgs) > 0 {
		n := min(len(msgs), 500)
		pipe := c.Pipeline()
		for _, m := range msgs[:n] {
			pipe.Publish(ctx, ch, m)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		msgs = msgs[n:]
	}
}

// liveHeap is the bytes the Go heap still holds after a full collection:
// what the observer retains, free of the garbage earlier tests left, of
// the race detector's shadow memory and of pages the runtime has not yet
// returned, all of which made RSS read 257 MiB idle under -race.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC() // a second cycle frees what the first one's finalizers let go
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// stopAgent stops an agent startAgent started when the test ends.
func stopAgent(t *testing.T, b *bridge.Bridge, a *Agent) {
	t.Cleanup(func() {
		a.Stop(context.Background())
		_ = b.Close()
	})
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestForgedFloodDoesNotBlind (issue 11.1, against a real redis-server):
// 1,100 forged stats senders and 1,100 forged event sources fill the
// observer's tables; a real agent that joins afterwards is listed and
// probed, and a real publisher's 50 events are all counted.
func TestForgedFloodDoesNotBlind(t *testing.T) {
	srv := bridgetest.Start(t)
	o := startObserver(t, ObserverConfig{Conn: bridge.ConnConfig{URL: srv.URL()}})
	defer o.Stop()
	raw := srv.Client(t)
	var stats, events []string
	for i := range 1100 {
		stats = append(stats, forgedStats(fmt.Sprintf("forged-%d", i), "b", 1))
		events = append(events, fmt.Sprintf(`{"type":"ticker","source":"forged-src-%d","boot":"b","seq":1,"timestamp":%d}`, i, time.Now().UnixMilli()))
	}
	publishAll(t, raw, "bridge:bridgescope", stats)
	publishAll(t, raw, bridge.DefaultChannel, events)
	if s, ok := waitSnapshot(t, o, 10*time.Second, func(s metrics.Snapshot) bool {
		return s.Tables.Instances.Evicted+int64(s.Tables.Instances.Rows) >= 1100 && s.Tables.Sources.Rows == 1024
	}); !ok {
		t.Fatalf("the flood did not fill the tables: %+v", s.Tables)
	}
	ab, aa := startAgent(t, srv.URL(), "real-agent", AttachOptions{})
	stopAgent(t, ab, aa)
	pub, err := bridge.New(fastBridge(srv.URL(), "real-pub"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	for k := range 50 {
		if _, err := pub.Publish(context.Background(), bridge.DefaultChannel, "ticker", map[string]int{"k": k}); err != nil {
			t.Fatal(err)
		}
	}
	s, ok := waitSnapshot(t, o, 15*time.Second, func(s metrics.Snapshot) bool {
		in, listed := rowOf(s, "real-agent")
		var events int64
		for _, src := range s.Sources {
			if src.ID == "real-pub" {
				events = src.Events
			}
		}
		return listed && in.ProbesSent >= 20 && in.Delivery10s == 100 && events == 50
	})
	if !ok {
		in, listed := rowOf(s, "real-agent")
		t.Errorf("after the flood: real agent listed %v, probes %d, delivery %.1f; tables %+v; notes %q", listed, in.ProbesSent, in.Delivery10s, s.Tables, s.Notes)
	}
	if !strings.Contains(strings.Join(s.Notes, " "), "table full") {
		t.Errorf("no note says the tables are full: %q", s.Notes)
	}
}

// TestForgedReportsStayBounded (issue 11.2 and 11.6, against a real
// redis-server): 100,000 stats reports each with a new 200-character boot,
// then 1,100 forged instances under 1,000 probes a second: the live heap of
// the running observer stays within 16 MiB of what it was before after the
// boots (measured 5 MiB; 100,000 kept boots would be 20 MB of strings
// alone) and within 32 MiB with the forged instances (measured 15 MiB: the
// full table's 1,024 rows of about 6.5 KB each), and the forged instances
// do not multiply the CPU the observer spends.
func TestForgedReportsStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("publishes 100,000 messages")
	}
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	busy := func(forged int) (cpu time.Duration, heap int64) {
		o := startObserver(t, ObserverConfig{Conn: bridge.ConnConfig{URL: srv.URL()}, ProbeRate: 1000})
		defer o.Stop()
		b, a := startAgent(t, srv.URL(), fmt.Sprintf("real-%d", forged), AttachOptions{})
		defer func() { a.Stop(context.Background()); _ = b.Close() }()
		raw := srv.Client(t)
		var msgs []string
		for i := range forged {
			msgs = append(msgs, forgedStats(fmt.Sprintf("forged-%d", i), "b", 1))
		}
		publishAll(t, raw, "bridge:bridgescope", msgs)
		time.Sleep(time.Second)
		c0 := cpuTime()
		for range 3 { // the forged keep speaking, so they stay in the table
			publishAll(t, raw, "bridge:bridgescope", msgs)
			time.Sleep(time.Second)
		}
		cpu = cpuTime() - c0
		heap = liveHeap()
		runtime.KeepAlive(o)
		return cpu, heap
	}
	idle := liveHeap()
	o := startObserver(t, ObserverConfig{Conn: bridge.ConnConfig{URL: srv.URL()}})
	boot := strings.Repeat("b", 192)
	var msgs []string
	for i := range 100_000 {
		msgs = append(msgs, forgedStats("rebooter", fmt.Sprintf("%s%08d", boot, i), 1))
	}
	publishAll(t, srv.Client(t), "bridge:bridgescope", msgs)
	msgs = nil
	if s, ok := waitSnapshot(t, o, 60*time.Second, func(s metrics.Snapshot) bool {
		in, _ := rowOf(s, "rebooter")
		return in.Restarts >= 99_000
	}); !ok {
		in, _ := rowOf(s, "rebooter")
		t.Fatalf("the observer took in %d of 100,000 reports", in.Restarts+1)
	}
	afterBoots := liveHeap()
	o.Stop()
	quiet, _ := busy(0)
	loud, heap := busy(1100)
	const bootsBudget, forgedBudget = 16 << 20, 32 << 20
	t.Logf("live heap idle %.1f MiB, after 100k new boots %.1f MiB, with 1,100 forged at 1,000 probes/s %.1f MiB; CPU over 3 s: %v alone, %v with the forged",
		mib(idle), mib(afterBoots), mib(heap), quiet.Round(time.Millisecond), loud.Round(time.Millisecond))
	if afterBoots-idle > bootsBudget {
		t.Errorf("100,000 new boots grew the live heap by %.1f MiB, past the budget of 16 MiB: boots are kept", mib(afterBoots-idle))
	}
	if heap-idle > forgedBudget {
		t.Errorf("1,100 forged instances grew the live heap by %.1f MiB, past the budget of 32 MiB", mib(heap-idle))
	}
	if loud > 2*quiet+time.Second { // the forged messages themselves cost something to read
		t.Errorf("1,100 forged instances multiplied the observer's CPU: %v vs %v", loud, quiet)
	}
}
