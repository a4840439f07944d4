package metrics

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"
)

// Tick moves the registry's time to now: it settles the probes due, counts
// raw-lane events unread for too long as lost, forgets stale boots and feeds
// every alert rule its value. The observer calls it on its own refresh tick,
// and nothing else does: alert timing must not depend on who is reading.
func (r *Registry) Tick(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sight.observe(now, r.conn, r.connSince, r.grace(now)) {
		// Back from an outage of our own: every instance is unknown until
		// it speaks again, and its silence counts from now.
		for _, in := range r.instances {
			if !in.left {
				in.awaiting, in.awaitSince, in.lastSeen = true, now, now
			}
		}
	}
	r.resolve(now)
	r.resolveBaseline(now)
	r.prunePairs(now)
	for _, s := range r.sources {
		s.pruneBoots(now)
	}
	for _, in := range r.instances {
		in.derive(now, r.scratch)
	}
	for id, in := range r.instances {
		in.pruneBoots(now)
		if silent := now.Sub(in.lastSeen); r.cfg.ForgetAfter > 0 && silent > r.cfg.ForgetAfter && !r.sight.blind() {
			r.forget(id, "silent for "+silent.Round(time.Second).String(), now)
		}
	}
	r.evaluate(now)
}

// Snapshot returns an immutable view of everything the registry knows, as
// of now, with the levels the last Tick decided. It is a pure read: calling
// it any number of times between two ticks changes no alert, hold, window
// or count.
func (r *Registry) Snapshot(now time.Time) Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Snapshot{
		At: now, Started: r.started, Observer: r.cfg.Observer, Redis: r.cfg.Redis, Transport: r.cfg.Transport,
		Conn: r.conn, ConnSince: r.connSince, ProbeRate: r.probeRate, Paused: r.paused,
		ProbeChannels: slices.Clone(r.cfg.ProbeChannels), Channels: slices.Clone(r.cfg.Channels),
		Alerts: r.engine.Active(now), History: r.engine.History(), Transitions: r.engine.Transitions(),
		Chart: r.all.series(now.Unix()), Malformed: r.malformed, MalformedByReason: maps.Clone(r.malformedBy),
		Baseline: r.baselineRow(now), Shards: slices.Clone(r.shards),
		Thresholds: r.cfg.Thresholds, Control: "unsigned",
		// Empty lists are [] in JSON, never null: a consumer's jq '.alerts[]'
		// must not fail on a quiet system.
		Instances: []InstanceRow{}, Sources: []SourceRow{},
	}
	s.Matrix = r.matrixRows(now)
	if r.cfg.Signed {
		s.Control = "signed"
	}
	s.Tables = TableStats{Instances: r.itab.stat(), Sources: r.stab.stat(), Pairs: r.ptab.stat()}
	for _, k := range slices.Sorted(maps.Keys(r.notes)) {
		s.Notes = append(s.Notes, r.notes[k])
	}
	for _, t := range []struct {
		name string
		st   TableStat
	}{{"instance", s.Tables.Instances}, {"source", s.Tables.Sources}, {"pair", s.Tables.Pairs}} {
		if t.st.Evicted+t.st.Refused > 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("%s table full (%d rows): %d evicted, %d refused; "+
				"the least recently heard of those that never proved real go first", t.name, t.st.Cap, t.st.Evicted, t.st.Refused))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.info)) {
		s.Info = append(s.Info, r.info[k])
	}
	s.Blind = r.sight.why
	for _, id := range slices.Sorted(maps.Keys(r.instances)) {
		row := r.instanceRow(r.instances[id], now, s.History)
		r.oneWayRow(r.instances[id], &row, s.Matrix, now)
		s.Instances = append(s.Instances, row)
	}
	for _, id := range slices.Sorted(maps.Keys(r.passive)) {
		s.Instances = append(s.Instances, r.passiveRow(id, r.passive[id], now))
	}
	s.Subscribers, s.SubscriberCounts = r.subscriberRows()
	if s.Blind != "" {
		markUnknown(&s)
	}
	for i := range s.Alerts {
		if in := r.instances[s.Alerts[i].Instance]; in != nil && in.awaiting {
			s.Alerts[i].Unknown = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(r.sources)) {
		s.Sources = append(s.Sources, r.sources[id].row(now))
	}
	return s
}

func (r *Registry) instanceRow(in *instance, now time.Time, history []AlertChange) InstanceRow {
	sec := now.Unix()
	w10, w60 := in.ring.sum(sec, windowSecs), in.ring.sum(sec, chartSecs)
	row := InstanceRow{
		ID: in.id, Boot: in.boot, Role: in.role,
		Delivery: nanIfNone(in.acked, in.sent), Delivery10s: nanIfNone(w10.acked, w10.resolved),
		Delivery1m: nanIfNone(w60.acked, w60.resolved), ProbesSent: in.sent, Acked: in.acked,
		RTT: in.fig.session, RTT10s: in.fig.rtt10, Dist: in.fig.dist, LatencyDist: in.fig.latDist,
		Chart: in.fig.chart, Lost: in.lost, Duplicates: in.dups, Late: in.late,
		SelfReceived: int64(in.cum.SelfReceived), Collisions: int64(in.cum.Collisions),
		Errors: int64(in.cum.Errors), Reconnects: int64(in.cum.Reconnects), Drops: int64(in.cum.Drops),
		Malformed: int64(in.cum.Malformed), Received: int64(in.cum.Received), Published: int64(in.cum.Published),
		ClockOffsetUs: in.offsetUs, OutputBufferPct: in.omemPct,
		CountingSince: in.baselineAt, Lost10s: w10.lost, Restarts: in.restarts,
		LastSeen: in.lastSeen, LastSeenMs: now.Sub(in.lastSeen).Milliseconds(), Left: in.left,
		Rules: r.engine.Judgements(in.id, now),
	}
	row.Status = worst(row.Rules)
	row.State = row.Status.Level
	if in.awaiting && row.Rules["silent"].Level == OK {
		markRowUnknown(&row)
	}
	for _, c := range history {
		if c.Instance == in.id && len(row.Recent) < 10 {
			row.Recent = append(row.Recent, c)
		}
	}
	return row
}

func (s *source) row(now time.Time) SourceRow {
	sec := now.Unix()
	w := s.ring.sum(sec, windowSecs)
	live := 0
	for _, at := range s.boots {
		if now.Sub(at) <= liveBoot {
			live++
		}
	}
	return SourceRow{
		ID: s.id, Events: s.events, RatePerSec: float64(w.events) / windowSecs,
		Gaps: s.gaps, Duplicates: s.dups, Reorders: s.reorders, Malformed: s.malformed,
		Boots: live, OneWay: s.oneWay.Summary(), OneWayDist: s.oneWay.LatencyDist(), HasSeq: s.hasSeq, LastSeen: s.lastSeen,
	}
}

// evaluate feeds every rule its current value. Windowed values (last 10 s)
// let an alert clear once the condition has passed; a rule with no data
// this tick keeps its state.
func (r *Registry) evaluate(now time.Time) {
	e := r.engine
	if r.conn == "connected" {
		e.Observe(now, "redis_disconnected", "", 0)
	} else {
		e.Observe(now, "redis_disconnected", "", now.Sub(r.connSince).Seconds())
	}
	recent := 0.0
	if r.selfCollisions > 0 && now.Sub(r.selfCollisionsAt) < windowSecs*time.Second {
		recent = 1
	}
	e.Observe(now, "collision", "", recent)
	e.Observe(now, "observer_stalled", "", r.sight.stalledFor(now))
	r.evaluatePairs(now)
	r.evaluateSubscribers(now)
	if r.sight.blind() {
		for id := range r.instances {
			e.SkipSubject(id) // held: neither raised nor cleared by what we could not see
		}
		return
	}
	sec := now.Unix()
	ids := slices.Sorted(maps.Keys(r.instances))
	for _, id := range ids {
		in := r.instances[id]
		if in.left {
			continue
		}
		if in.awaiting && now.Sub(in.awaitSince) > rejoinWindow {
			in.awaiting, in.joinedNs = false, now.UnixNano() // past the reconnect backoff: its own again
		}
		if in.awaiting {
			// Not back since the observer's outage: held, but a silence
			// long enough still says it is gone.
			e.SkipSubject(id)
			e.Observe(now, "silent", id, now.Sub(in.lastSeen).Seconds())
			continue
		}
		w := in.ring.sum(sec, windowSecs)
		observeOrSkip(e, now, "delivery", id, nanIfNone(w.acked, w.resolved))
		p99 := math.NaN()
		if rtt := in.fig.rtt10; rtt.Count > 0 {
			p99 = rtt.P99
		}
		observeOrSkip(e, now, "p99", id, p99)
		e.Observe(now, "self_received", id, float64(w.self))
		coll := float64(w.collisions)
		if in.liveBoots(now) > 1 {
			coll++ // two processes answer to this ID right now
		}
		e.Observe(now, "collision", id, coll)
		e.Observe(now, "errors", id, float64(w.errors))
		e.Observe(now, "silent", id, now.Sub(in.lastSeen).Seconds())
		e.Observe(now, "redis_disconnected", id, in.disconnectedFor(now))
		if now.Sub(in.omemAt) < 10*time.Second {
			e.Observe(now, "output_buffer", id, in.omemPct)
		} else {
			e.Skip("output_buffer", id)
		}
	}
}

func observeOrSkip(e *Engine, now time.Time, rule, subject string, v float64) {
	if math.IsNaN(v) {
		e.Skip(rule, subject)
		return
	}
	e.Observe(now, rule, subject, v)
}

// markUnknown marks every instance's judgements and alerts as held while
// the observer is blind: the levels shown are the last ones judged.
func markUnknown(s *Snapshot) {
	for i := range s.Instances {
		markRowUnknown(&s.Instances[i])
	}
	for i := range s.Alerts {
		if s.Alerts[i].Instance != "" {
			s.Alerts[i].Unknown = true
		}
	}
}

// grace is how long instances wait to be judged after an outage of the
// observer: one probe round trip (the last 10 s's p99, or minGraceRTT) and
// the ack timeout, so that the first probes after it can be answered.
func (r *Registry) grace(now time.Time) time.Duration {
	rtt := minGraceRTT
	if p := r.all.window(now.Unix(), r.scratch); p.Count > 0 {
		rtt = max(rtt, time.Duration(p.P99*float64(time.Microsecond)))
	}
	return rtt + r.cfg.LateAfter
}

func markRowUnknown(in *InstanceRow) {
	for k, j := range in.Rules {
		j.Unknown = true
		in.Rules[k] = j
	}
	in.Status.Unknown = true
}
