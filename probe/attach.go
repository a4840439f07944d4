package probe

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
)

// AttachOptions tune a cooperating instance. The zero value is right for
// production; the Test* fields exist for tests and the demo only.
type AttachOptions struct {
	// Role is shown on the observer's screen: "agent", "bot", "publisher"…
	// Default: derived from the bridge's publish/subscribe settings.
	Role string
	// Interval between stats reports. Default 1s.
	Interval time.Duration

	// TestDropAck, when it returns true, drops that ack: a lossy instance,
	// as the observer should see it.
	TestDropAck func() bool
	// TestAckDelay delays each ack: a slow instance (it delays the handler,
	// as a slow consumer would).
	TestAckDelay func() time.Duration
}

// Agent makes a bridge a cooperating instance: it acks every probe it
// receives and reports its counters on the control channel.
type Agent struct {
	b    *bridge.Bridge
	opt  AttachOptions
	ctl  string
	mu   sync.Mutex
	lat  *metrics.Histogram // one-way latencies since the last report
	acks uint64
	// streams are the one-way latencies per stream since the last report,
	// free the histograms of streams gone silent, for reuse.
	streams map[bridge.StreamKey]*streamLatency
	free    []*metrics.Histogram

	stopped  atomic.Bool // no acks after the final report
	stopOnce sync.Once
	cancel   context.CancelFunc
	done     chan struct{}
}

// DropEvery returns a TestDropAck that drops every nth ack (n ≤ 0: none).
func DropEvery(n int) func() bool {
	var mu sync.Mutex
	k := 0
	return func() bool {
		mu.Lock()
		defer mu.Unlock()
		k++
		return n > 0 && k%n == 0
	}
}

// DropRatio returns a TestDropAck that drops exactly the fraction p of
// acks, spread evenly (p = 0.1 drops every tenth): deterministic, for tests.
func DropRatio(p float64) func() bool {
	var mu sync.Mutex
	acc := 0.0
	return func() bool {
		mu.Lock()
		defer mu.Unlock()
		acc += p
		if acc >= 1 {
			acc--
			return true
		}
		return false
	}
}

// DropFraction returns a TestDropAck that drops each ack with probability p().
func DropFraction(p func() float64) func() bool {
	return func() bool { return rand.Float64() < p() }
}

// Attach makes b a cooperating instance. Call it before b.Start, then Run
// after; Stop sends the final report so the observer sees a graceful leave.
func Attach(b *bridge.Bridge, opt AttachOptions) *Agent {
	if opt.Interval <= 0 {
		opt.Interval = time.Second
	}
	if opt.Role == "" {
		opt.Role = roleOf(b.Config())
	}
	a := &Agent{b: b, opt: opt, ctl: b.Config().ControlChannel(), lat: metrics.NewCoarseHistogram(), done: make(chan struct{}),
		streams: make(map[bridge.StreamKey]*streamLatency)}
	b.HandlePrefix(TypeProbe, a.onProbe)
	b.Handle(a.onEvent)
	return a
}

func roleOf(c bridge.Config) string {
	switch {
	case c.DisablePublishing:
		return "subscriber"
	case c.DisableSubscription:
		return "publisher"
	}
	return "agent"
}

// Run starts the stats reports: one at once (so the observer sees the
// instance join) and then every Interval until Stop.
func (a *Agent) Run() {
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	go a.loop(ctx)
}

func (a *Agent) loop(ctx context.Context) {
	defer close(a.done)
	t := time.NewTicker(a.opt.Interval)
	defer t.Stop()
	for {
		a.report(ctx, false)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Stop ends the reports and sends a final one, so the instance's leaving
// is not taken for a loss. It is safe to call more than once.
func (a *Agent) Stop(ctx context.Context) {
	a.stopOnce.Do(func() {
		a.stopped.Store(true)
		if a.cancel != nil {
			a.cancel()
			<-a.done
		}
		a.report(ctx, true)
	})
}

func (a *Agent) onEvent(ev bridge.Event) {
	if ev.SentNs <= 0 {
		return
	}
	a.mu.Lock()
	a.lat.Record(time.Duration(ev.RecvNs - ev.SentNs))
	if ev.Envelope.Seq > 0 && !ev.Collision {
		a.recordStream(bridge.StreamKey{Source: ev.Source, Boot: ev.Boot, Channel: ev.Channel}, ev.RecvNs-ev.SentNs)
	}
	a.mu.Unlock()
}

// onProbe acks a probe on the control channel.
func (a *Agent) onProbe(ev bridge.Event) {
	if ev.Type != TypeProbe || ev.Collision || a.stopped.Load() {
		return
	}
	if a.opt.TestAckDelay != nil {
		time.Sleep(a.opt.TestAckDelay())
	}
	if a.opt.TestDropAck != nil && a.opt.TestDropAck() {
		return
	}
	ack := AckData{
		Probe:  ProbeRef{Source: ev.Source, Boot: ev.Boot, Seq: ev.Envelope.Seq, Channel: ev.Channel},
		RecvNs: ev.RecvNs,
	}
	if _, err := a.b.Publish(context.Background(), a.ctl, TypeAck, ack); err == nil {
		a.mu.Lock()
		a.acks++
		a.mu.Unlock()
	}
}

func (a *Agent) report(ctx context.Context, final bool) {
	st := a.b.Stats()
	r := StatsReport{
		Role: a.opt.Role, Final: final, IntervalMs: a.opt.Interval.Milliseconds(),
		State: string(st.State), LastError: st.LastError,
		PublishErrors: st.PublishErrors, Received: st.Received, SelfReceived: st.SelfReceived,
		Collisions: st.Collisions, Errors: st.Errors(), Reconnects: st.Reconnects, Drops: st.Drops,
		Malformed: st.Malformed, Gaps: st.Gaps, Duplicates: st.Duplicates, Late: st.Late,
	}
	if st.State == bridge.StateDisconnected {
		r.DisconnectedMs = time.Since(st.StateSince).Milliseconds()
	}
	for ch, n := range st.Published {
		if ch != a.ctl {
			r.Published += n
		}
	}
	a.mu.Lock()
	a.matrixReport(&r, st)
	r.Acks = a.acks
	if a.lat.Count() > 0 {
		r.Latency, _ = a.lat.Encode()
		a.lat.Reset()
	}
	a.mu.Unlock()
	data, _ := json.Marshal(r)
	_, _ = a.b.Publish(ctx, a.ctl, TypeStats, json.RawMessage(data))
}
