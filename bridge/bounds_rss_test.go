package bridge_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// rssBudget is how far above its idle figure the process may grow while the
// bridge reads the floods below (issue 11: what anyone can publish must not
// grow memory without limit; before the byte caps they took it past 1 GiB).
const rssBudget = 64 << 20

// TestWireTextIsBoundedByBytes drives every piece of wire text the bridge
// keeps past its cap through a real redis-server and asserts the process's
// peak RSS stays within rssBudget of its idle figure:
//   - 4,000 messages on distinct 256 KiB channel names (PSUBSCRIBE bridge:*),
//     half valid envelopes with a seq (the tracker's keys), half not JSON
//     (the malformed-by-channel map): past MaxChannelLen;
//   - 5,000 streams, more than the tracker keeps, with 256-byte sources and
//     boots (MaxIDLen) in 64 KiB payloads (past maxPinnedPayload);
//   - 2,000 malformed channels of MaxChannelLen bytes, past the map's count.
func TestWireTextIsBoundedByBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes 1.3 GiB through redis-server")
	}
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	// This test is about our memory, not Redis's verdict on a slow reader.
	srv.Do(t, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 0 0")
	b, err := bridge.New(bridge.Config{Conn: bridge.ConnConfig{URL: srv.URL()}, InstanceID: "rss",
		Channels: []string{"bridge:*"}, MaxPayload: 128 << 10})
	if err != nil {
		t.Fatal(err)
	}
	var delivered atomic.Int64
	b.Handle(func(bridge.Event) { delivered.Add(1) })
	ctx := context.Background()
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	idle := settledRSS(t)
	peak, stop := sampleRSS(t)
	sent := publishFloods(t, srv)
	waitFor(t, "every message accounted for", 2*time.Minute, func() bool {
		st := b.Stats()
		return int64(st.Received+st.Malformed+st.Duplicates) >= sent
	})
	stop()
	st := b.Stats()
	t.Logf("sent %d: received %d, malformed %d %v, %d streams kept (%d evicted), %d malformed rows",
		sent, st.Received, st.Malformed, st.MalformedByReason, len(st.Streams), st.StreamsEvicted, len(st.MalformedByChannel))
	grew := peak() - idle
	t.Logf("RSS idle %d MiB, peak %d MiB (+%d MiB; budget +%d MiB)", idle>>20, peak()>>20, grew>>20, rssBudget>>20)
	if grew > rssBudget {
		t.Errorf("RSS grew by %d MiB reading the floods, above the %d MiB budget", grew>>20, rssBudget>>20)
	}
	runtime.KeepAlive(b)
}

// publishFloods publishes the floods of TestWireTextIsBoundedByBytes one at
// a time (each PUBLISH waits for its reply) and returns how many it sent.
func publishFloods(t *testing.T, srv *bridgetest.Server) int64 {
	c := srv.Client(t)
	ctx := context.Background()
	var n int64
	pub := func(ch, msg string) {
		if err := c.Publish(ctx, ch, msg).Err(); err != nil {
			t.Fatalf("publish %d: %v", n, err)
		}
		n++
	}
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	pad := strings.Repeat("n", 256<<10)
	for i := range 4000 {
		ch := "bridge:" + strconv.Itoa(i) + ":" + pad
		if i%2 == 0 {
			pub(ch, `{"type":"ticker","source":"ws","seq":1,"timestamp":`+ts+`}`)
		} else {
			pub(ch, "not json")
		}
	}
	id := strings.Repeat("i", bridge.MaxIDLen-8)
	data := strings.Repeat("d", 64<<10)
	for i := range 5000 {
		u := fmt.Sprintf("%08d", i)
		pub("bridge:events", `{"type":"ticker","source":"`+id+u+`","boot":"`+id+u+`","seq":1,"timestamp":`+ts+`,"data":"`+data+`"}`)
	}
	chPad := strings.Repeat("m", bridge.MaxChannelLen-16)
	for i := range 2000 {
		pub(fmt.Sprintf("bridge:%s%08d", chPad, i), "{")
	}
	return n
}

// settledRSS is the process's RSS once the garbage of earlier tests is
// collected and returned.
func settledRSS(t *testing.T) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	return vmRSS(t)
}

// sampleRSS samples VmRSS every 10 ms until stop; peak is the highest seen.
func sampleRSS(t *testing.T) (peak func() int64, stop func()) {
	var top atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if v := vmRSS(t); v > top.Load() {
				top.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return top.Load, func() { once.Do(func() { close(done); wg.Wait() }) }
}

// vmRSS reads VmRSS from /proc/self/status, in bytes.
func vmRSS(t *testing.T) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
