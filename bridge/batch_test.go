package bridge_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// TestBatchedReadKeepsOrderAndReceiveTimes: a burst published in one
// pipeline reaches the handler complete and in order, every receive time is
// between the publish and the handler's own clock (batching never moves a
// message's receive time later than it ran, nor earlier than it was sent),
// and messages taken from one socket read share its time: the reader
// batched them.
// startHandling starts a bridge named id on a private Redis with h as its
// handler, and returns a plain client of that Redis to publish with.
func startHandling(t *testing.T, id string, h bridge.Handler) *redis.Client {
	t.Helper()
	srv := bridgetest.Start(t)
	b, err := bridge.New(fastCfg(srv.URL(), id))
	if err != nil {
		t.Fatal(err)
	}
	b.Handle(h)
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return srv.Client(t)
}

// publishBurst publishes events from..from+n−1 (their data is the number)
// in one pipeline: they arrive in as few socket reads as Redis makes.
func publishBurst(t *testing.T, raw *redis.Client, from, n int) {
	t.Helper()
	ctx := context.Background()
	pipe := raw.Pipeline()
	for k := from; k < from+n; k++ {
		pipe.Publish(ctx, bridge.DefaultChannel, `{"type":"t","data":`+strconv.Itoa(k)+`,"timestamp":1,"source":"pub"}`)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestBatchedReadKeepsOrderAndReceiveTimes(t *testing.T) {
	const n = 2000
	var mu sync.Mutex
	var seqs []int
	var recv, handled []int64
	raw := startHandling(t, "bot-batch", func(ev bridge.Event) {
		now := time.Now().UnixNano()
		k, _ := strconv.Atoi(string(ev.Data))
		mu.Lock()
		seqs, recv, handled = append(seqs, k), append(recv, ev.RecvNs), append(handled, now)
		mu.Unlock()
	})
	sent := time.Now().UnixNano()
	publishBurst(t, raw, 0, n)
	waitFor(t, "the burst", 10*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(seqs) == n })
	mu.Lock()
	defer mu.Unlock()
	distinct := map[int64]bool{}
	for i := range n {
		if seqs[i] != i {
			t.Fatalf("delivery %d is event %d: out of order", i, seqs[i])
		}
		if recv[i] < sent || recv[i] > handled[i] {
			t.Errorf("event %d: received at %d, outside [publish %d, handler %d]", i, recv[i], sent, handled[i])
		}
		if i > 0 && recv[i] < recv[i-1] {
			t.Errorf("event %d received at %d, before event %d (%d)", i, recv[i], i-1, recv[i-1])
		}
		distinct[recv[i]] = true
	}
	if len(distinct) >= n/2 {
		t.Errorf("%d distinct receive times for %d events from one pipeline: the reader did not batch", len(distinct), n)
	}
}

// TestSlowHandlerSwitchesToQueueInOrder: handlers that sometimes take
// longer than the inline budget send the reader back to the queue and
// later let it deliver again; across those switches every event arrives
// once, in order.
func TestSlowHandlerSwitchesToQueueInOrder(t *testing.T) {
	const rounds, per = 30, 100
	var mu sync.Mutex
	var seqs []int
	raw := startHandling(t, "bot-slow", func(ev bridge.Event) {
		k, _ := strconv.Atoi(string(ev.Data))
		if k%per == 0 {
			time.Sleep(3 * time.Millisecond) // past the inline budget
		}
		mu.Lock()
		seqs = append(seqs, k)
		mu.Unlock()
	})
	ctx := context.Background()
	for r := range rounds {
		publishBurst(t, raw, r*per, per)
		if r%3 == 0 { // single events too: batches of one
			raw.Publish(ctx, bridge.DefaultChannel, `{"type":"t","data":-1,"timestamp":1,"source":"pub"}`)
		}
	}
	waitFor(t, "every event", 20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seqs) == rounds*per+(rounds+2)/3
	})
	mu.Lock()
	defer mu.Unlock()
	next := 0
	for i, k := range seqs {
		if k == -1 {
			continue
		}
		if k != next {
			t.Fatalf("delivery %d is event %d, want %d", i, k, next)
		}
		next++
	}
}
