package metrics

import (
	"math"
	"time"
)

// instance is the registry's record of one cooperating instance.
type instance struct {
	id, boot, role string
	joinedNs       int64 // probes sent before the observer heard of it are not its to answer
	lastSeen       time.Time
	left           bool
	boots          map[string]time.Time // boot → last heard: two live at once is a collision
	bootSeen       time.Time            // when boot (the latest) was last heard; boots lags it by < bootRefresh

	sent, acked, lost, dups, late int64 // probes, session
	session                       *Histogram
	rtt                           *rttWindow
	ring                          counterRing

	prev         map[string]InstanceReport // last report per boot, for deltas
	cum          InstanceReport            // summed over boots
	disconnected float64                   // seconds, as last reported
	reportedAt   time.Time
	offsetUs     float64
	offsetN      int
	omemPct      float64 // output buffer, percent of the limit; see Registry.OutputBuffer
	omemAt       time.Time
}

func newInstance(id string, now time.Time) *instance {
	return &instance{
		id: id, joinedNs: now.UnixNano(), lastSeen: now,
		boots: make(map[string]time.Time), session: NewHistogram(), rtt: newRTTWindow(),
		prev: make(map[string]InstanceReport), offsetUs: math.NaN(),
	}
}

// heard notes a message from the instance. A graceful leaver that speaks
// again has rejoined: its probes count from now.
func (in *instance) heard(boot string, now time.Time) {
	in.lastSeen = now
	if in.left {
		in.left = false
		in.joinedNs = now.UnixNano()
	}
	if boot == "" {
		return
	}
	if d := now.Sub(in.bootSeen); boot == in.boot && d >= 0 && d < bootRefresh {
		in.bootSeen = now // the map write is the costly part of an ack: skip it
		return
	}
	in.boot, in.bootSeen = boot, now
	if len(in.boots) < 16 {
		in.boots[boot] = now
	}
}

// bootRefresh is how stale boots may be for the current boot: far below
// the 3 s that makes a boot live, and bootSeen is exact anyway.
const bootRefresh = 500 * time.Millisecond

// liveBoot is how recently a boot must have been heard to count as live:
// two live boots mean two processes share one instance ID. staleBoot is when
// a boot is forgotten.
const (
	liveBoot  = 3 * time.Second
	staleBoot = time.Minute
)

// liveBoots counts boots heard from within liveBoot. It is a read.
func (in *instance) liveBoots(now time.Time) int {
	n := 0
	for b, at := range in.boots {
		if b == in.boot && in.bootSeen.After(at) {
			at = in.bootSeen
		}
		if now.Sub(at) <= liveBoot {
			n++
		}
	}
	return n
}

// pruneBoots forgets boots not heard for staleBoot (Tick calls it).
func (in *instance) pruneBoots(now time.Time) {
	for b, at := range in.boots {
		if b == in.boot && in.bootSeen.After(at) {
			at = in.bootSeen
		}
		if now.Sub(at) > staleBoot {
			delete(in.boots, b)
		}
	}
}

func (in *instance) resolve(sec int64, acked bool) {
	c := in.ring.at(sec)
	c.resolved++
	in.sent++
	if acked {
		c.acked++
		in.acked++
	} else {
		c.lost++
		in.lost++
	}
}

// report folds a stats report in: counters are cumulative per boot, so
// the increase since that boot's previous report goes to this second.
func (in *instance) report(boot string, rep InstanceReport, now time.Time) {
	if rep.Role != "" {
		in.role = rep.Role
	}
	prev := in.prev[boot]
	in.prev[boot] = rep
	d := func(cur, old uint64) int64 {
		if cur < old {
			return int64(cur)
		}
		return int64(cur - old)
	}
	c := in.ring.at(now.Unix())
	c.self += d(rep.SelfReceived, prev.SelfReceived)
	c.collisions += d(rep.Collisions, prev.Collisions)
	c.errors += d(rep.Errors, prev.Errors)
	in.cum.SelfReceived += uint64(d(rep.SelfReceived, prev.SelfReceived))
	in.cum.Collisions += uint64(d(rep.Collisions, prev.Collisions))
	in.cum.Errors += uint64(d(rep.Errors, prev.Errors))
	in.cum.Reconnects += uint64(d(rep.Reconnects, prev.Reconnects))
	in.cum.Drops += uint64(d(rep.Drops, prev.Drops))
	in.cum.Malformed += uint64(d(rep.Malformed, prev.Malformed))
	in.disconnected = float64(rep.DisconnectedMs) / 1e3
	in.reportedAt = now
	if rep.Final {
		in.left = true
	}
}

// disconnectedFor is how long the instance's own subscription has been
// down, as of now.
func (in *instance) disconnectedFor(now time.Time) float64 {
	if in.disconnected == 0 {
		return 0
	}
	return in.disconnected + now.Sub(in.reportedAt).Seconds()
}

// observeOffset smooths the clock-offset estimate (instance minus observer).
func (in *instance) observeOffset(us float64) {
	if in.offsetN == 0 {
		in.offsetUs = us
	} else {
		in.offsetUs += (us - in.offsetUs) / 8
	}
	in.offsetN++
}

// source is the registry's passive record of one publisher.
type source struct {
	id                           string
	events, gaps, dups, reorders int64
	malformed                    int64
	hasSeq, tsOnly               bool
	oneWay                       *Histogram
	boots                        map[string]time.Time
	ring                         counterRing
	lastSeen                     time.Time
}

func (s *source) observe(ev SourceEvent, now time.Time) {
	s.events++
	s.lastSeen = now
	s.ring.at(now.Unix()).events++
	if ev.HasSeq {
		s.hasSeq = true
	}
	s.gaps += int64(ev.Gap)
	switch {
	case ev.Dup:
		s.dups++
	case ev.Late:
		s.reorders++
		if s.gaps > 0 {
			s.gaps--
		}
	}
	if ev.OneWay > 0 {
		s.oneWay.Record(ev.OneWay)
		s.tsOnly = ev.FromTimestamp
	}
	if ev.Boot != "" && len(s.boots) < 16 {
		s.boots[ev.Boot] = now
	}
}
