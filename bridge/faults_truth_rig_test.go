package bridge_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// The ground-truth rig: one publisher that records every attempt with its seq, and
// receivers that record every seq they get. What the publisher's successful attempts
// hold and a receiver lacks is that receiver's loss, exactly; the bridge's own
// accounting (gaps, duplicates, received, state) is checked against it.

const (
	truthPubEvery = 5 * time.Millisecond // 200 events/s
	truthWarm     = 20                   // deliveries each receiver gets before the fault
	truthTail     = 20                   // events published after recovery, all delivered
	truthSlack    = 100 * time.Millisecond
)

// attempt is one Publish as the publisher saw it.
type attempt struct {
	seq uint64
	at  time.Time // just before the call
	ok  bool
	err error
}

// truthPub publishes an event every truthPubEvery until halted, recording each attempt.
type truthPub struct {
	b          *bridge.Bridge
	stop, done chan struct{}
	mu         sync.Mutex
	log        []attempt
}

func startTruthPub(b *bridge.Bridge) *truthPub {
	p := &truthPub{b: b, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(truthPubEvery)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
			p.once()
		}
	}()
	return p
}

func (p *truthPub) once() attempt {
	at := time.Now()
	env, err := p.b.Publish(context.Background(), bridge.DefaultChannel, "ticker", nil)
	a := attempt{seq: env.Seq, at: at, ok: err == nil, err: err}
	p.mu.Lock()
	p.log = append(p.log, a)
	p.mu.Unlock()
	return a
}

func (p *truthPub) halt() {
	close(p.stop)
	<-p.done
}

func (p *truthPub) attempts() []attempt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]attempt(nil), p.log...)
}

// seqRec records the seqs one receiver got from the publisher.
type seqRec struct {
	mu   sync.Mutex
	got  map[uint64]bool
	dups int
	last time.Time // when the last new seq arrived
}

func (r *seqRec) handle(ev bridge.Event) {
	if ev.Source != "pub" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.got[ev.Envelope.Seq] {
		r.dups++
		return
	}
	r.got[ev.Envelope.Seq] = true
	r.last = time.Now()
}

func (r *seqRec) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.got) }
func (r *seqRec) has(seq uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[seq]
}
func (r *seqRec) lastAt() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.last }

// truthRig is one scenario: a server (and a proxy in front of it for the receivers, when
// the fault needs one), a publisher connected straight to the server, two receivers.
type truthRig struct {
	transport string
	srv       *bridgetest.Server
	proxy     *bridgetest.Proxy
	pub       *bridge.Bridge
	subs      []*bridge.Bridge
	recs      []*seqRec
	states    []*stateLog
	tp        *truthPub
}

func truthCfg(transport, url, id string) bridge.Config {
	cfg := fastCfg(url, id)
	cfg.Transport, cfg.DeliverDuplicates = transport, true // the recorder sees duplicates
	return cfg
}

func newTruthRig(t *testing.T, transport string, f truthFault) *truthRig {
	t.Helper()
	var opts []bridgetest.Option
	if transport == bridge.TransportStreams && f.persist {
		opts = append(opts, bridgetest.WithArgs("--appendonly", "yes", "--appendfsync", "always"))
	}
	r := &truthRig{transport: transport, srv: bridgetest.Start(t, opts...)}
	r.srv.RequireReal(t)
	t.Cleanup(func() { awaitDialProbes(t) }) // after every Close below
	subURL := r.srv.URL()
	if f.proxy {
		r.proxy = bridgetest.NewProxy(t, r.srv.Addr())
		subURL = r.proxy.URL()
	}
	for i := range 2 {
		rec := &seqRec{got: map[uint64]bool{}}
		b, err := bridge.New(truthCfg(transport, subURL, fmt.Sprintf("sub-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		b.Handle(rec.handle)
		if err := b.Start(t.Context()); err != nil {
			b.Close()
			t.Fatalf("start sub-%d: %v", i, err)
		}
		t.Cleanup(func() { b.Close() })
		r.subs, r.recs = append(r.subs, b), append(r.recs, rec)
	}
	pubCfg := truthCfg(transport, r.srv.URL(), "pub")
	pubCfg.DisableSubscription = true
	r.pub, _ = startBridge(t, pubCfg)
	for _, b := range r.subs {
		r.states = append(r.states, watchState(b))
	}
	r.tp = startTruthPub(r.pub)
	t.Cleanup(r.stopWatchers)
	waitFor(t, "deliveries before the fault", 5*time.Second, func() bool {
		return r.recs[0].count() >= truthWarm && r.recs[1].count() >= truthWarm
	})
	return r
}

// stopWatchers ends the publisher and the state watchers; idempotent.
func (r *truthRig) stopWatchers() {
	if r.tp != nil {
		r.tp.halt()
		r.tp = nil
	}
	for _, sl := range r.states {
		select {
		case <-sl.stop:
		default:
			close(sl.stop)
		}
		<-sl.done
	}
}

// awaitRecovery waits until every receiver has reconnected, reads again, and is connected.
func (r *truthRig) awaitRecovery(t *testing.T, healed time.Time, within time.Duration) {
	t.Helper()
	recovered := func() bool {
		for i, b := range r.subs {
			st := b.Stats()
			if st.State != bridge.StateConnected || st.Reconnects < 1 || !r.recs[i].lastAt().After(healed) {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(within); !recovered(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			for i, b := range r.subs {
				st := b.Stats()
				t.Logf("sub-%d: state %s since %v, reconnects %d, failures %d, last delivery %v, last error %q", i, st.State,
					st.StateSince.Format(time.StampMilli), st.Reconnects, st.SubscribeFails, r.recs[i].lastAt().Format(time.StampMilli), st.LastError)
			}
			t.Fatalf("receivers not recovered %v after the fault ended at %v", within, healed.Format(time.StampMilli))
		}
	}
}

// finish stops the steady publisher, publishes the tail (which must all arrive: the
// last seq bounds what the receivers could have seen), and waits for the drain.
func (r *truthRig) finish(t *testing.T) []attempt {
	t.Helper()
	tp := r.tp
	r.tp = nil
	tp.halt()
	var last uint64
	for range truthTail {
		a := tp.once()
		// A pooled connection from before a kill can fail one PUBLISH after
		// recovery (the bridge never retries one: it could land twice); the
		// verdict counts a failed attempt, and the next must succeed.
		for try := 1; !a.ok && try < 3; try++ {
			t.Logf("publish %d after recovery failed (%v); publishing again", a.seq, a.err)
			a = tp.once()
		}
		if !a.ok {
			t.Fatalf("publish %d after recovery failed three times: %v", a.seq, a.err)
		}
		last = a.seq
	}
	log := tp.attempts()
	waitFor(t, "the tail at every receiver", 5*time.Second, func() bool {
		return r.recs[0].has(last) && r.recs[1].has(last)
	})
	time.Sleep(3 * fastCfg("", "").PingInterval) // a late or duplicate delivery would show now
	return log
}

// truthVerdict is one receiver's account of a scenario.
type truthVerdict struct {
	published, failed int // the publisher's successful and failed attempts
	received          int // successful attempts received: published − lost
	lost              int
	failedLanded      int // failed attempts received anyway (the command timed out, not the write)
	dups              int
	outside           []uint64 // lost seqs sent outside the fault's window
	detect, recover   time.Duration
	reconnects        uint64
}

// verdict computes receiver i's account and checks the bridge's own against it.
func (r *truthRig) verdict(t *testing.T, i int, log []attempt, from, healed time.Time) truthVerdict {
	t.Helper()
	seen, down := r.states[i].halt()
	detectAt, upAt := outage(seen, from)
	rec := r.recs[i]
	rec.mu.Lock()
	defer rec.mu.Unlock()
	v := truthVerdict{dups: rec.dups, detect: detectAt.Sub(from), recover: upAt.Sub(healed)}
	var failedLost uint64
	for _, a := range log {
		switch got := rec.got[a.seq]; {
		case a.ok && got:
			v.published++
			v.received++
		case a.ok:
			v.published++
			v.lost++
			if a.at.Before(from.Add(-truthSlack)) || a.at.After(upAt.Add(truthSlack)) {
				v.outside = append(v.outside, a.seq)
			}
		case got:
			v.failed++
			v.failedLanded++
		default:
			v.failed++
			failedLost++
		}
	}
	st := r.subs[i].Stats()
	v.reconnects = st.Reconnects
	// The bridge sees a gap for every seq it lacks: lost, or never written.
	if st.Gaps != uint64(v.lost)+failedLost || st.Duplicates != uint64(v.dups) ||
		st.Received != uint64(v.received+v.failedLanded+v.dups) || st.Trimmed != 0 {
		t.Errorf("sub-%d: bridge counts gaps %d duplicates %d received %d trimmed %d; truth: lost %d + unwritten %d, duplicates %d, received %d",
			i, st.Gaps, st.Duplicates, st.Received, st.Trimmed, v.lost, failedLost, v.dups, v.received+v.failedLanded)
	}
	if detectAt.IsZero() || upAt.IsZero() {
		t.Errorf("sub-%d: the outage never showed in its state: %v (down %v)", i, seen, down)
	}
	return v
}

// outage finds the first state other than connected at or after from, and the return to
// connected after it.
func outage(seen []stateAt, from time.Time) (down, up time.Time) {
	for _, s := range seen {
		switch {
		case s.at.Before(from.Add(-truthSlack)):
		case s.state != bridge.StateConnected && down.IsZero():
			down = s.at
		case s.state == bridge.StateConnected && !down.IsZero():
			up = s.at
		}
	}
	return down, up
}

// truthRow is one line of the summary table.
type truthRow struct {
	transport, fault string
	v                []truthVerdict
}

var (
	truthMu   sync.Mutex
	truthRows []truthRow
)

func recordTruth(row truthRow) {
	truthMu.Lock()
	truthRows = append(truthRows, row)
	truthMu.Unlock()
}

// logTruthTable prints every scenario run so far: detection, recovery and loss per
// receiver.
func logTruthTable(t *testing.T) {
	truthMu.Lock()
	defer truthMu.Unlock()
	sort.SliceStable(truthRows, func(i, j int) bool { return truthRows[i].fault < truthRows[j].fault })
	t.Logf("%-12s %-8s %-22s %-22s %-9s %-7s %-9s %s", "fault", "transp.", "detect (sub0/sub1)", "recover (sub0/sub1)",
		"published", "lost", "failed", "landed/dups/reconnects")
	for _, row := range truthRows {
		a, b := row.v[0], row.v[1]
		t.Logf("%-12s %-8s %-22s %-22s %-9d %-7s %-9d %d,%d/%d,%d/%d,%d", row.fault, row.transport,
			ms(a.detect)+" / "+ms(b.detect), ms(a.recover)+" / "+ms(b.recover), a.published,
			fmt.Sprintf("%d/%d", a.lost, b.lost), a.failed, a.failedLanded, b.failedLanded, a.dups, b.dups, a.reconnects, b.reconnects)
	}
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }
