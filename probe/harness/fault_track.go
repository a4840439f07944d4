package harness

import (
	"sync"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
)

// faultPoll is how often a fault run reads every instance's subscription
// state: a loss and a reconnect both within one poll are still seen (the
// reconnect count rises), and the leaving time is then known to within it.
const faultPoll = 20 * time.Millisecond

// faultStall is how long a publish may take before it counts as a sign of
// a fault (a paused or black-holed server answers nothing).
const faultStall = 250 * time.Millisecond

// pubRecord is one publish attempt: when it was stamped (the envelope's
// sentNs) and when Publish returned, both since publishing began.
type pubRecord struct {
	sent, done time.Duration
	ok         bool // Redis acknowledged it: it counts as published
	attempted  bool // false for a seq whose publish was never recorded
}

// senderLog is one instance's publish attempts, indexed by seq − 1.
type senderLog struct {
	mu   sync.Mutex
	recs []pubRecord
}

// stateSpan is one time an instance's subscription was not connected:
// from left until back (back < 0: not back yet).
type stateSpan struct{ left, back time.Duration }

// stateLog is one instance's subscription over the run; only the poller
// writes it, and it is read after the poller stopped.
type stateLog struct {
	spans      []stateSpan
	open       bool
	reconnects uint64
	lastPoll   time.Duration
}

// faultTracker records what the fault accounting needs while a run goes
// on: every publish attempt by (sender, seq), and each instance's
// subscription state over time.
type faultTracker struct {
	start  time.Time
	pubs   []senderLog
	states []stateLog
}

func newFaultTracker(n int, start time.Time) *faultTracker {
	return &faultTracker{start: start, pubs: make([]senderLog, n), states: make([]stateLog, n)}
}

// published is the publishers' track hook. A publish refused before it was
// numbered (seq 0) published nothing and left no gap.
func (t *faultTracker) published(i int, env bridge.Envelope, err error) {
	done := time.Since(t.start)
	if env.Seq == 0 || env.Seq > maxHarnessSeq {
		return
	}
	rec := pubRecord{sent: time.Duration(env.SentNs - t.start.UnixNano()), done: done, ok: err == nil, attempted: true}
	l := &t.pubs[i]
	l.mu.Lock()
	defer l.mu.Unlock()
	if need := int(env.Seq); need > len(l.recs) {
		l.recs = append(l.recs, make([]pubRecord, need-len(l.recs))...)
	}
	l.recs[env.Seq-1] = rec
}

// poll reads every bridge's state each faultPoll until stop is called;
// stop waits for the poller to end.
func (t *faultTracker) poll(bridges []*bridge.Bridge) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(faultPoll)
		defer tick.Stop()
		for {
			for i, b := range bridges {
				t.states[i].observe(b.Stats(), time.Since(t.start), t.start)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// observe books one reading of an instance's state. A subscription lost
// and back between two readings shows as a higher reconnect count: it
// left after the previous reading.
func (s *stateLog) observe(st bridge.Stats, now time.Duration, start time.Time) {
	since := st.StateSince.Sub(start)
	down := st.State != bridge.StateConnected
	switch {
	case down && !s.open:
		s.spans = append(s.spans, stateSpan{left: max(since, s.lastPoll), back: -1})
		s.open = true
	case !down && s.open:
		s.spans[len(s.spans)-1].back = since
		s.open = false
	case !down && st.Reconnects > s.reconnects:
		s.spans = append(s.spans, stateSpan{left: s.lastPoll, back: since})
	}
	s.reconnects, s.lastPoll = st.Reconnects, now
}
