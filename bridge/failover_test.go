package bridge_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// ticker publishes one event every interval on channel until stopped, and counts.
type ticker struct {
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	ok   int
	errs int
}

func startTicker(b *bridge.Bridge, channel string, interval time.Duration) *ticker {
	tk := &ticker{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(tk.done)
		for {
			select {
			case <-tk.stop:
				return
			case <-time.After(interval):
			}
			_, err := b.Publish(context.Background(), channel, "ticker", nil)
			tk.mu.Lock()
			if err != nil {
				tk.errs++
			} else {
				tk.ok++
			}
			tk.mu.Unlock()
		}
	}()
	return tk
}

func (tk *ticker) halt() (ok, errs int) {
	close(tk.stop)
	<-tk.done
	return tk.ok, tk.errs
}

// stateLog samples a bridge's state every millisecond and keeps the transitions.
type stateLog struct {
	stop chan struct{}
	done chan struct{}
	seen []stateAt
}

type stateAt struct {
	state bridge.ConnState
	at    time.Time
}

func watchState(b *bridge.Bridge) *stateLog {
	sl := &stateLog{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(sl.done)
		last := bridge.ConnState("")
		for {
			if st := b.Stats().State; st != last {
				sl.seen = append(sl.seen, stateAt{st, time.Now()})
				last = st
			}
			select {
			case <-sl.stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return sl
}

// halt returns the transitions and the total time spent in other states than connected.
func (sl *stateLog) halt() ([]stateAt, time.Duration) {
	close(sl.stop)
	<-sl.done
	var down time.Duration
	for i, s := range sl.seen {
		if s.state != bridge.StateConnected && i+1 < len(sl.seen) {
			down += sl.seen[i+1].at.Sub(s.at)
		}
	}
	return sl.seen, down
}

// maxGap is the longest silence between two consecutive deliveries.
func maxGap(evs []bridge.Event) time.Duration {
	var gap time.Duration
	for i := 1; i < len(evs); i++ {
		gap = max(gap, time.Duration(evs[i].RecvNs-evs[i-1].RecvNs))
	}
	return gap
}

func sentinelCfg(set *bridgetest.SentinelSet, id string) bridge.Config {
	cfg := fastCfg("", id)
	cfg.Conn.SentinelMaster, cfg.Conn.SentinelAddrs = set.Name, set.SentinelAddrs()
	return cfg
}

// TestSentinelFailover: SENTINEL FAILOVER mid-stream. The subscriber's connection must
// move to the new master (go-redis would leave it on the old one), the publisher's
// too, delivery must resume, and the outage must show in Stats as state changes.
// Without the bridge's own watch the subscription stays on the old master until the
// sentinels reconfigure it, about 10s later: the 3s bound below catches that.
func TestSentinelFailover(t *testing.T) {
	set := bridgetest.StartSentinel(t)
	sub, rec := startBridge(t, sentinelCfg(set, "sub"))
	pubCfg := sentinelCfg(set, "pub")
	pubCfg.DisableSubscription = true
	pub, _ := startBridge(t, pubCfg)
	old := set.MasterAddr(t)
	if st := sub.Stats(); len(st.Shards) != 1 || st.Shards[0].Addr != old {
		t.Fatalf("subscription rows %+v, want one on the master %s", st.Shards, old)
	}
	tk := startTicker(pub, bridge.DefaultChannel, 5*time.Millisecond)
	waitFor(t, "deliveries before the failover", 5*time.Second, func() bool { return rec.count() >= 20 })
	states := watchState(sub)
	failStart := time.Now()
	addr := set.Failover(t)
	waitFor(t, "the subscription to follow the new master", 3*time.Second, func() bool {
		st := sub.Stats()
		return len(st.Shards) == 1 && st.Shards[0].Addr == addr && st.State == bridge.StateConnected
	})
	n := rec.count()
	waitFor(t, "delivery to resume", 5*time.Second, func() bool { return rec.count() >= n+20 })
	ok, errs := tk.halt()
	seen, down := states.halt()
	publish(t, pub, 10) // after the failover settled nothing may be lost
	want := uint64(ok + errs + 10)
	waitFor(t, "the final deliveries", 5*time.Second, func() bool {
		evs := rec.snapshot()
		return evs[len(evs)-1].Envelope.Seq == want
	})

	st := sub.Stats()
	if st.SetNameRefused || pub.Stats().SetNameRefused {
		t.Error("CLIENT SETNAME refused on a master or a sentinel with the default user")
	}
	// A switch faster than watchState's sampling shows as the new row's
	// since-time and the reconnect count, not as a sampled transition.
	moved := len(st.Shards) == 1 && st.Shards[0].StateSince.After(failStart)
	if st.Reconnects < 1 || (len(seen) < 2 && !moved) {
		t.Errorf("the outage is invisible: reconnects %d, states %v, rows %+v", st.Reconnects, seen, st.Shards)
	}
	evs := rec.snapshot()
	for _, ev := range evs[len(evs)-10:] {
		if ev.Seq.Gap != 0 {
			t.Errorf("event %d after the failover settled follows a gap of %d", ev.Envelope.Seq, ev.Seq.Gap)
		}
	}
	t.Logf("failover %s -> %s: subscription not connected for %v (%d transitions), longest delivery gap %v; "+
		"published %d (%d failed), received %d, lost %d, reconnects %d",
		old, addr, down.Round(time.Millisecond), len(seen), maxGap(evs).Round(time.Millisecond),
		want, errs, len(evs), st.Gaps, st.Reconnects)
}
