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
	// awaiting is set when the observer comes back from an outage of its
	// own (at awaitSince): the instance is unknown until it proves it
	// receives again (an ack, a report of a connected subscription) or
	// rejoinWindow passes, and only probes sent after that are its to answer.
	awaiting   bool
	awaitSince time.Time
	boots      map[string]time.Time // boot → last heard: two live at once is a collision
	bootSeen   time.Time            // when boot (the latest) was last heard; boots lags it by < bootRefresh

	sent, acked, lost, dups, late int64 // probes, session
	// session and rtt are made at the first round trip: an instance that
	// never answered a probe (a forged stats sender) costs no histograms.
	session *Histogram
	rtt     *rttWindow
	gen     uint64  // round trips recorded: tells when the figures are stale
	fig     figures // derived from session and rtt on the tick
	ring    counterRing

	prev         []bootReport   // last report of the latest boots, for deltas
	baselineAt   time.Time      // when the first report was taken as the baseline
	restarts     int64          // new boots after the first
	restartNoted time.Time      // the last restart note in the history
	cum          InstanceReport // increases since the baseline, summed over boots
	disconnected float64        // seconds, as last reported
	reportedAt   time.Time
	offsetUs     float64
	offsetN      int
	omemPct      float64 // output buffer, percent of the limit; see Registry.OutputBuffer
	omemAt       time.Time

	// The delivery matrix: what it reported receiving, per stream (rx), and
	// publishing, per channel (pub); npairs counts its pairs as receiver.
	rx     *receiver
	pub    map[string]*sent
	npairs int
	// oneWay is the one-way latency of its ordinary events per second
	// (raw), oneWaySess the session's, from its reports' histograms.
	oneWay     owRing
	oneWaySess *Histogram
}

func newInstance(id string, now time.Time) *instance {
	return &instance{
		id: id, joinedNs: now.UnixNano(), lastSeen: now,
		boots:    make(map[string]time.Time),
		offsetUs: math.NaN(),
	}
}

// heard notes a message from the instance. A graceful leaver that speaks
// again has rejoined: its probes count from now.
func (in *instance) heard(boot string, now time.Time, subscribed bool) {
	in.lastSeen = now
	if in.left || (in.awaiting && subscribed) {
		in.left, in.awaiting = false, false
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

// reportOutcome is what folding a report in did.
type reportOutcome int

const (
	reportCounted  reportOutcome = iota // increases since the boot's previous report counted
	reportBaseline                      // the instance's first report: a baseline, nothing counted
	reportRestart                       // a new boot of a known instance: a new baseline
	reportBackward                      // a counter went backwards within one boot: refused
)

// maxPrevBoots bounds the boots whose last report is kept for deltas: a
// restarting instance has one live boot and a stale one; a forged stream of
// new boots must not grow the record.
const maxPrevBoots = 4

// report folds a stats report in. Counters are cumulative per boot: only
// the increase since that boot's previous report counts, and the first
// report of a boot is a baseline — a new observer does not inherit an
// instance's past, and a restart starts afresh. A counter lower than the
// boot's previous report is refused (reportBackward): nothing is counted.
func (in *instance) report(boot string, rep InstanceReport, now time.Time) reportOutcome {
	prev, seen := in.prevReport(boot)
	if seen && backwards(rep, prev) {
		return reportBackward
	}
	if rep.Role != "" {
		in.role = rep.Role
	}
	in.disconnected = float64(rep.DisconnectedMs) / 1e3
	in.reportedAt = now
	if rep.Final {
		in.left = true
	}
	in.setPrev(boot, rep)
	if !seen {
		out := reportBaseline
		if !in.baselineAt.IsZero() {
			out = reportRestart
		}
		in.baselineAt = now
		return out
	}
	c := in.ring.at(now.Unix())
	c.self = satInc(c.self, delta(rep.SelfReceived, prev.SelfReceived))
	c.collisions = satInc(c.collisions, delta(rep.Collisions, prev.Collisions))
	c.errors = satInc(c.errors, delta(rep.Errors, prev.Errors))
	in.cum.SelfReceived = satAdd(in.cum.SelfReceived, rep.SelfReceived-prev.SelfReceived)
	in.cum.Collisions = satAdd(in.cum.Collisions, rep.Collisions-prev.Collisions)
	in.cum.Errors = satAdd(in.cum.Errors, rep.Errors-prev.Errors)
	in.cum.Reconnects = satAdd(in.cum.Reconnects, rep.Reconnects-prev.Reconnects)
	in.cum.Drops = satAdd(in.cum.Drops, rep.Drops-prev.Drops)
	in.cum.Malformed = satAdd(in.cum.Malformed, rep.Malformed-prev.Malformed)
	in.cum.Received = satAdd(in.cum.Received, rep.Received-prev.Received)
	in.cum.Published = satAdd(in.cum.Published, rep.Published-prev.Published)
	return reportCounted
}

// delta is cur − old (cur ≥ old), at most maxCount.
func delta(cur, old uint64) int64 { return int64(min(cur-old, maxCount)) }

// backwards reports whether any counter of rep is below prev's.
func backwards(rep, prev InstanceReport) bool {
	return rep.SelfReceived < prev.SelfReceived || rep.Collisions < prev.Collisions || rep.Errors < prev.Errors ||
		rep.Reconnects < prev.Reconnects || rep.Drops < prev.Drops || rep.Malformed < prev.Malformed ||
		rep.Received < prev.Received || rep.Published < prev.Published
}

// maxCount is the largest count the observer keeps: 2^53, the largest
// integer a JSON number carries exactly. Sums saturate there rather than
// wrap into negative figures.
const maxCount = 1 << 53

func satAdd(a, b uint64) uint64 {
	if b > maxCount || a > maxCount-b {
		return maxCount
	}
	return a + b
}

func (in *instance) prevReport(boot string) (InstanceReport, bool) {
	for _, p := range in.prev {
		if p.boot == boot {
			return p.rep, true
		}
	}
	return InstanceReport{}, false
}

func (in *instance) setPrev(boot string, rep InstanceReport) {
	// Only the totals are compared with the next report: the per-stream part
	// is kept, once, in rx.
	rep.Latency, rep.Channels, rep.PublishedChannels, rep.Streams, rep.Other = nil, nil, nil, nil, nil
	for i := range in.prev {
		if in.prev[i].boot == boot {
			in.prev[i].rep = rep
			return
		}
	}
	if len(in.prev) == maxPrevBoots {
		copy(in.prev, in.prev[1:]) // the oldest boot goes
		in.prev = in.prev[:len(in.prev)-1]
	}
	in.prev = append(in.prev, bootReport{boot, rep})
}

type bootReport struct {
	boot string
	rep  InstanceReport
}

// disconnectedFor is how long the instance's own subscription has been
// down, as of now.
func (in *instance) disconnectedFor(now time.Time) float64 {
	if in.disconnected == 0 {
		return 0
	}
	return in.disconnected + now.Sub(in.reportedAt).Seconds()
}

// figures are an instance's latency figures as of their second: what the
// histograms say, derived on the tick once a second (or at once after the
// first sample), so that neither a snapshot nor a tick walks the histograms
// of a thousand instances each time: a snapshot copies these.
type figures struct {
	sec      int64 // the second they were derived for
	gen      uint64
	session  Percentiles
	rtt10    Percentiles
	dist     []Bucket
	latDist  LatencyDist
	chart    Series
	hasChart bool
}

// derive brings the figures up to now's second. The histograms are walked
// only when the second changed and there are new samples since, or the
// window has moved past them: once a second at most per instance.
func (in *instance) derive(now time.Time, scratch *Histogram) {
	sec := now.Unix()
	f := &in.fig
	switch {
	case f.hasChart && in.session == nil:
		return // no round trip yet: nothing to derive, and nothing changes
	case f.hasChart && f.sec == sec:
		return // derived this second: new samples show from the next one
	}
	f.sec, f.gen, f.hasChart = sec, in.gen, true
	f.session = in.session.Summary()
	f.rtt10 = in.rtt.window(sec, scratch)
	f.dist, f.latDist = in.session.Distributions(16)
	f.chart = in.rtt.series(sec)
}

// recordRTT books one round trip, making the histograms on the first.
func (in *instance) recordRTT(now time.Time, rtt time.Duration) {
	if in.session == nil {
		in.session, in.rtt = NewHistogram(), newRTTWindow()
	}
	in.gen++
	in.session.Record(rtt)
	in.rtt.record(now, rtt)
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

// provenRun is how many events in a row, each the next in its stream's
// sequence, prove a source real: a forger repeating or scattering seqs never
// gets there; a publisher does within seconds.
const provenRun = 16

// maxSourceBoots bounds the boots remembered per source (two live at once
// are a collision; more tell nothing new).
const maxSourceBoots = 16

// oneWayAfter is the event from which a source's one-way latency is kept:
// a publisher gets there in a second; a flood of one-shot forged sources
// never costs a histogram (20 KB) each.
const oneWayAfter = 8

// noteOneWay books a report's histogram of one-way latencies: its summary
// into the second's slot, its samples into the session's histogram.
func (in *instance) noteOneWay(h *Histogram, now time.Time) {
	in.oneWay.add(now.Unix(), oneWayOf(h))
	if in.oneWaySess == nil {
		in.oneWaySess = NewCoarseHistogram()
	}
	in.oneWaySess.Merge(h)
}
