package harness

import (
	"slices"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// collect turns the closed run's counts into the report's input. ran is
// how long the run published; it is reported instead of Duration only when
// the run was cut short.
func (h *harness) collect(ran time.Duration) report.ValidateInput {
	n := len(h.bridges)
	dur := h.cfg.Duration
	if ran < dur {
		dur = ran.Truncate(time.Millisecond)
	}
	in := report.ValidateInput{
		Redis:     h.cfg.Conn.Redacted(),
		Instances: slices.Clone(h.ids), Duration: dur, Drain: h.cfg.Drain,
		Rate: h.cfg.Rate, SharedID: h.cfg.SharedID,
		Published: h.pubs.counts(), Failed: h.pubs.failedCounts(), InFlight: make([]int64, n),
		Outages: h.pubs.outages.report(), Matrix: make([][]int64, n),
		Duplicates: make([]int64, n), SelfReceived: make([]int64, n), Collisions: make([]int64, n),
		Errors: make([]int64, n), Malformed: make([]int64, n),
		Latency: metrics.NewHistogram(),
	}
	in.Transport, in.TLS = transport(h.bridges[0].Config())
	for s := range in.Matrix {
		in.Matrix[s] = make([]int64, n)
	}
	var foreign int64
	for i, r := range h.recv {
		for s := range r.from {
			in.Matrix[s][i] = r.from[s].Count() - r.inFlight[s]
			in.InFlight[i] += r.inFlight[s]
		}
		in.Duplicates[i], in.SelfReceived[i] = r.dups, r.self
		in.Latency.Merge(r.lat)
		foreign += r.foreign
		st := h.bridges[i].Stats()
		// Stats.Errors includes the failed publishes: the bridge counts them.
		in.Collisions[i], in.Errors[i], in.Malformed[i] = int64(st.Collisions), int64(st.Errors()), int64(st.Malformed)
		h.logf("instance %d (%s, boot %s): published %d, failed %d, received %d (+%d in flight), duplicates %d, self-received %d, "+
			"reconnects %d, subscribe failures %d, publish errors %d, drops %d",
			i, h.ids[i], st.Boot, in.Published[i], in.Failed[i], r.received.Load(), in.InFlight[i], r.dups, r.self,
			st.Reconnects, st.SubscribeFails, st.PublishErrors, st.Drops)
	}
	if foreign > 0 {
		h.logf("ignored %d events on %s from outside this run", foreign, h.cfg.Channel)
	}
	in.CollisionIDs = h.collisionIDs()
	return in
}

// collisionIDs lists the instance IDs seen with more than one boot: the
// boots of this run's instances, plus the other boots each bridge saw
// bearing its own ID.
func (h *harness) collisionIDs() []string {
	boots := map[string]map[string]bool{}
	add := func(id, boot string) {
		if boots[id] == nil {
			boots[id] = map[string]bool{}
		}
		boots[id][boot] = true
	}
	for i, b := range h.bridges {
		add(h.ids[i], b.Boot())
		for _, boot := range b.Stats().CollidingBoots {
			add(h.ids[i], boot)
		}
	}
	var ids []string
	for id, set := range boots {
		if len(set) > 1 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}
