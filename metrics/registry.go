package metrics

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// RegistryConfig configures a Registry.
type RegistryConfig struct {
	Observer, Redis, Transport string
	// Signed says control messages are authenticated with a shared key.
	Signed                  bool
	Channels, ProbeChannels []string
	Thresholds              Thresholds
	// LateAfter is how long an instance has to ack a probe; an ack after
	// that counts as late and the probe as lost. Default 2s.
	LateAfter time.Duration
	// ForgetAfter forgets an instance silent this long (its row and its
	// alerts; the history says so); it comes back if it speaks again.
	// Default DefaultForgetAfter; negative never forgets.
	ForgetAfter time.Duration
}

// ProbeKey identifies one probe the observer sent.
type ProbeKey struct {
	Channel string
	Seq     uint64
}

// InstanceReport is one stats report of a cooperating instance, with
// cumulative counters (since that instance's boot).
type InstanceReport struct {
	Role                             string
	Final                            bool
	State                            string
	DisconnectedMs                   int64
	SelfReceived, Collisions, Errors uint64
	Reconnects, Drops, Malformed     uint64
	// Received counts ordinary events handed to its handlers, Published
	// those it sent (the data channels'): the totals the matrix adds up to.
	Received, Published uint64

	// Latency is the one-way latency of every ordinary event it received
	// in the report's interval (raw: its clock minus each sender's); nil
	// when none came with a send time.
	Latency *Histogram
	// Matrix says the report has the per-stream part (an agent of this
	// version): Channels listened to, PublishedChannels, Streams, Other.
	Matrix            bool
	Channels          []string
	PublishedChannels []ChannelCount
	Streams           []StreamCount
	Other             *OtherCount
}

// SourceEvent is one ordinary event seen passively on a data channel.
type SourceEvent struct {
	Source, Boot  string
	Channel       string
	Seq           uint64 // 0 for the seed's envelopes
	HasSeq        bool
	Gap           uint64
	Dup, Late     bool
	OneWay        time.Duration // publisher clock to ours; 0 when unknown
	FromTimestamp bool          // OneWay comes from the ms timestamp only
}

// Registry accumulates everything the observer learns. Every Add-like call
// is O(1) under one lock; derived values are computed in Snapshot.
type Registry struct {
	mu      sync.Mutex
	cfg     RegistryConfig
	started time.Time
	engine  *Engine
	// pmu guards pending and queue alone, under mu where both are held:
	// ProbeSent runs between stamping a probe and sending it, and must not
	// wait for a snapshot being built, or that wait counts as latency.
	pmu       sync.Mutex
	pending   map[ProbeKey]*pendingProbe
	queue     []ProbeKey   // pending probes in send order
	ackHint   atomic.Int32 // instances known: the size of a probe's ack set
	resolved  map[ProbeKey]int64
	resQueue  []resolvedProbe
	instances map[string]*instance
	sources   map[string]*source
	itab      *lru             // the instances' order and class, for eviction and probing
	stab      *lru             // the sources'
	pairs     map[string]*pair // the delivery matrix, by pairID
	ptab      *lru             // the pairs'
	// pairSubjects are the pair_delivery rule's subjects judged at the last
	// tick: one that is gone is forgotten by the engine.
	pairSubjects map[string]bool
	// passive are the subscribers that do not cooperate, by PassiveID;
	// subPoll is the last reading of CLIENT LIST and NUMSUB, at subAt.
	passive map[string]*passiveSub
	subPoll SubscriberPoll
	subAt   time.Time

	all     *rttWindow
	scratch *Histogram
	base    *baselineLane // nil unless the raw lane is on
	shards  []ShardRow

	conn        string
	connSince   time.Time
	probeRate   float64
	paused      bool
	malformed   int64
	malformedBy map[string]int64
	notes       map[string]string
	info        map[string]string

	sight sight // the observer's own outages

	selfCollisions   uint64    // messages bearing the observer's own ID from another process
	selfCollisionsAt time.Time // when that count last grew
}

// maxRows bounds instances and sources: hostile input must not grow memory.
const maxRows = 1024

// DefaultForgetAfter is how long an instance may be silent before the
// observer forgets it: long past any alert (silent WARN at 10 s), short
// enough that a fleet's replaced instances do not crowd the table for hours.
const DefaultForgetAfter = 10 * time.Minute

// NewRegistry returns an empty registry.
func NewRegistry(cfg RegistryConfig, now time.Time) *Registry {
	if cfg.LateAfter <= 0 {
		cfg.LateAfter = 2 * time.Second
	}
	if cfg.ForgetAfter == 0 {
		cfg.ForgetAfter = DefaultForgetAfter
	}
	r := &Registry{cfg: cfg, started: now, engine: NewEngine(cfg.Thresholds.Rules(), DefaultHistoryCap)}
	r.clear()
	r.conn, r.connSince = "connecting", now
	return r
}

func (r *Registry) clear() {
	r.pmu.Lock()
	r.pending = make(map[ProbeKey]*pendingProbe)
	r.queue = nil
	r.pmu.Unlock()
	r.ackHint.Store(0)
	r.resolved = make(map[ProbeKey]int64)
	r.resQueue = nil
	r.instances = make(map[string]*instance)
	r.sources = make(map[string]*source)
	r.itab, r.stab = newLRU(maxRows), newLRU(maxRows)
	r.pairs, r.ptab, r.pairSubjects = make(map[string]*pair), newLRU(maxPairs), make(map[string]bool)
	r.passive = make(map[string]*passiveSub)
	r.all = newRTTWindow()
	r.scratch = NewCoarseHistogram()
	r.malformed = 0
	r.malformedBy = make(map[string]int64)
	r.resetBaseline()
	if r.notes == nil {
		r.notes, r.info = make(map[string]string), make(map[string]string)
	}
}

// Forget drops instance id: its row and its alert states, without any
// alert change; the history records why. Probes still pending are no
// longer its to answer. It comes back if it speaks again. It reports whether
// there was such an instance.
func (r *Registry) Forget(id, why string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.forget(id, why, now)
}

func (r *Registry) forget(id, why string, now time.Time) bool {
	if _, ok := r.instances[id]; !ok {
		return false
	}
	level := r.engine.Level(id)
	r.dropPairsTo(id)
	delete(r.instances, id)
	r.itab.remove(id)
	r.updateAckHint()
	r.engine.Forget(id)
	r.engine.Record(AlertChange{At: now, Rule: "forgotten", Instance: id, From: level, To: level, Note: why})
	return true
}

// Reset forgets every measurement and alert: a fresh start of the windows.
// Connection state, shards, notes and whether the raw lane is on stay.
func (r *Registry) Reset(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clear()
	r.engine.Reset()
	r.started = now
}

// SetConn records the observer's own subscription state.
func (r *Registry) SetConn(state string, since time.Time) {
	r.mu.Lock()
	r.conn, r.connSince = state, since
	r.mu.Unlock()
}

// SetProbing records the probe rate and pause state, for the header.
func (r *Registry) SetProbing(rate float64, paused bool) {
	r.mu.Lock()
	r.probeRate, r.paused = rate, paused
	r.mu.Unlock()
}

// Note sets (or, with text "", clears) a note shown to the user under key:
// a trouble to act on (Snapshot.Notes).
func (r *Registry) Note(key, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	setText(r.notes, key, text)
}

// Info sets (or, with text "", clears) a fact shown to the user under key
// that calls for no action (Snapshot.Info).
func (r *Registry) Info(key, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	setText(r.info, key, text)
}

func setText(m map[string]string, key, text string) {
	if text == "" {
		delete(m, key)
		return
	}
	m[key] = text
}

// ObserverCollisions records the observer bridge's collision count: another
// process publishes with the observer's own instance ID.
func (r *Registry) ObserverCollisions(n uint64, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n > r.selfCollisions {
		r.selfCollisions, r.selfCollisionsAt = n, now
	}
}

// Report records a stats report of instance id (boot).
func (r *Registry) Report(id, boot string, rep InstanceReport, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// A report proves it is back when its own subscription is.
	in := r.instance(id, boot, now, rep.State == "" || rep.State == "connected")
	if in == nil {
		return
	}
	outcome := in.report(boot, rep, now)
	if outcome == reportBackward {
		r.countMalformed(id, "bad_stats", now)
		return
	}
	r.matrixReport(in, boot, rep, outcome == reportCounted, now)
	if rep.Latency.Count() > 0 {
		in.noteOneWay(rep.Latency, now)
	}
	switch outcome {
	case reportRestart:
		in.restarts++
		// One note a minute at most: an instance (or a forger) changing its
		// boot in every report must not push real changes out of the history.
		if now.Sub(in.restartNoted) >= restartNoteEvery {
			in.restartNoted = now
			lvl := r.engine.Level(id)
			r.engine.Record(AlertChange{At: now, Rule: "baseline", Instance: id, From: lvl, To: lvl,
				Note: "restarted (a new boot): its counters count from a new baseline"})
		}
	}
	if rep.Final {
		r.engine.Forget(id)
	}
}

// InstanceIDs lists the instances known, in no particular order.
func (r *Registry) InstanceIDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := make([]string, 0, len(r.instances))
	for id := range r.instances {
		ids = append(ids, id)
	}
	return ids
}

// OutputBuffer records the largest Redis output buffer (omem, bytes) of
// instance id's subscriptions, as CLIENT LIST shows it, against limit.
func (r *Registry) OutputBuffer(id string, omem, limit int64, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if in := r.instances[id]; in != nil && limit > 0 {
		in.omemPct = 100 * float64(omem) / float64(limit)
		in.omemAt = now
	}
}

// Malformed counts a refused message; source is "" when unreadable.
func (r *Registry) Malformed(source, reason string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.countMalformed(source, reason, now)
}

func (r *Registry) countMalformed(source, reason string, now time.Time) {
	r.malformed++
	if len(r.malformedBy) < maxRows {
		r.malformedBy[reason]++
	}
	if source != "" {
		if s := r.source(source, now); s != nil {
			s.malformed++
		}
	}
}

// Event records an ordinary event seen on a data channel.
func (r *Registry) Event(ev SourceEvent, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.source(ev.Source, now)
	if s == nil {
		return
	}
	if s.observe(ev, now) {
		r.stab.prove(ev.Source)
	}
}

// instance finds or adds instance id, heard from now; subscribed says the
// message proves it receives (an ack, a report of a connected subscription).
func (r *Registry) instance(id, boot string, now time.Time, subscribed bool) *instance {
	in := r.instances[id]
	if in == nil {
		evict, ok := r.itab.admit(id, now)
		if !ok {
			return nil // full of proven, recently heard instances: refused, and counted
		}
		if evict != "" {
			r.dropPairsTo(evict)
			delete(r.instances, evict)
			r.engine.Forget(evict)
		}
		in = newInstance(id, now)
		r.instances[id] = in
		r.updateAckHint()
	} else {
		r.itab.touch(id, now)
	}
	in.heard(boot, now, subscribed)
	return in
}

// restartNoteEvery is the least time between two restart notes of one
// instance in the history (every restart is counted in the row).
const restartNoteEvery = time.Minute

func (r *Registry) source(id string, now time.Time) *source {
	s := r.sources[id]
	if s == nil {
		evict, ok := r.stab.admit(id, now)
		if !ok {
			return nil
		}
		if evict != "" {
			// The evicted row serves the newcomer, its maps and histogram
			// too: a flood of new sources allocates nothing per event.
			if old := r.sources[evict]; old != nil {
				s = old
				s.recycle(id)
			}
			delete(r.sources, evict)
		}
		if s == nil {
			s = &source{id: id, boots: make(map[string]time.Time), ring: new(counterRing)}
		}
		r.sources[id] = s
	} else {
		r.stab.touch(id, now)
	}
	return s
}

func nanIfNone(num, den int64) float64 {
	if den == 0 {
		return math.NaN()
	}
	return 100 * float64(num) / float64(den)
}
