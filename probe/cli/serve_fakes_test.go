package cli

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/probe"
)

// logBuffer collects the server's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines are the log lines that contain every one of subs.
func (l *logBuffer) lines(subs ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.b.String(), "\n") {
		if hasAll(line, subs...) {
			out = append(out, line)
		}
	}
	return out
}

func hasAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// ackCounter counts, on the control channel, the acks one agent sends and
// which observers' probes they answer.
type ackCounter struct {
	mu        sync.Mutex
	n         int
	observers map[string]bool
}

func countAcks(t *testing.T, url, agent string) *ackCounter {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	ps := rc.Subscribe(context.Background(), "bridge:bridgescope")
	if _, err := ps.Receive(context.Background()); err != nil { // subscribed before counting
		t.Fatal(err)
	}
	c := &ackCounter{observers: map[string]bool{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m := range ps.Channel() {
			var env struct {
				Type, Source string
				Data         struct{ Probe struct{ Source string } }
			}
			if json.Unmarshal([]byte(m.Payload), &env) != nil || env.Type != probe.TypeAck || env.Source != agent {
				continue
			}
			c.mu.Lock()
			c.n++
			c.observers[env.Data.Probe.Source] = true
			c.mu.Unlock()
		}
	}()
	t.Cleanup(func() { _ = ps.Close(); <-done; _ = rc.Close() })
	return c
}

// over counts the acks of the next d: per second, and the observers whose
// probes they answered.
func (c *ackCounter) over(d time.Duration) (perSec float64, observers int) {
	c.mu.Lock()
	c.n, c.observers = 0, map[string]bool{}
	c.mu.Unlock()
	time.Sleep(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	return float64(c.n) / d.Seconds(), len(c.observers)
}

// fakeObserver stands in for the observer where Redis is not the point:
// a tui.Controller that records its calls, and a snapshot every 100 ms.
type fakeObserver struct {
	mu     sync.Mutex
	paused bool
	rate   float64
	calls  []string
	snaps  chan metrics.Snapshot
}

func newFakeObserver(t *testing.T) *fakeObserver {
	o := &fakeObserver{rate: 10, snaps: make(chan metrics.Snapshot, 1)}
	done := make(chan struct{})
	stopped := make(chan struct{})
	started := time.Now()
	go func() {
		defer close(stopped)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				o.mu.Lock()
				s := metrics.Snapshot{At: now, Started: started, Observer: "fake-observer", Redis: "redis://127.0.0.1:1",
					Conn: "connected", ConnSince: started, ProbeRate: o.rate, Paused: o.paused,
					Instances: []metrics.InstanceRow{{ID: "bot-1", Role: "agent"}, {ID: "bot-2", Role: "agent"}}}
				o.mu.Unlock()
				select {
				case o.snaps <- s:
				case <-done:
					return
				}
			}
		}
	}()
	t.Cleanup(func() { close(done); <-stopped })
	return o
}

func (o *fakeObserver) record(c string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, c)
}

func (o *fakeObserver) Calls() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.calls...)
}

func (o *fakeObserver) SetPaused(p bool) {
	o.mu.Lock()
	o.paused = p
	o.mu.Unlock()
	o.record("SetPaused")
}

func (o *fakeObserver) Paused() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.paused
}

func (o *fakeObserver) SetProbeRate(r float64) float64 {
	o.record("SetProbeRate")
	return o.ProbeRate()
}
func (o *fakeObserver) ProbeRate() float64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.rate
}
func (o *fakeObserver) StepProbeRate(int) float64 { o.record("StepProbeRate"); return o.ProbeRate() }
func (o *fakeObserver) ResetProbeRate() float64   { o.record("ResetProbeRate"); return o.ProbeRate() }
func (o *fakeObserver) ResetWindows()             { o.record("ResetWindows") }
func (o *fakeObserver) Forget(string)             { o.record("Forget") }
