package metrics

import "time"

// The registry's probes: each one sent, the acks it gathers, and its
// settling on the tick into delivered, lost or void.

// pendingProbe is a probe in flight: when it went out and who acked it.
type pendingProbe struct {
	sentNs int64
	acked  map[string]struct{}
}

// resolvedProbe is a probe settled on a tick, kept until expiry so a late
// ack is counted late, not unknown.
type resolvedProbe struct {
	key    ProbeKey
	expiry int64
}

// ProbeSent records a probe the observer published.
func (r *Registry) ProbeSent(k ProbeKey, sentNs int64) {
	// Sized for every instance's ack, so that Ack, once per instance and
	// probe, never grows it.
	p := &pendingProbe{sentNs: sentNs, acked: make(map[string]struct{}, r.ackHint.Load())}
	r.pmu.Lock()
	r.pending[k] = p
	r.queue = append(r.queue, k)
	r.pmu.Unlock()
}

// ProbeFailed withdraws a probe whose PUBLISH failed: it was never the
// instances' to answer.
func (r *Registry) ProbeFailed(k ProbeKey) {
	r.pmu.Lock()
	delete(r.pending, k)
	r.pmu.Unlock()
}

// Ack records that instance id (boot) acked probe k; nowNs is when the
// observer read the ack, instRecvNs when the instance read the probe.
func (r *Registry) Ack(id, boot string, k ProbeKey, instRecvNs, nowNs int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Unix(0, nowNs)
	in := r.instance(id, boot, now, true) // an ack proves it receives
	if in == nil {
		return
	}
	r.pmu.Lock()
	p := r.pending[k]
	r.pmu.Unlock()
	if p == nil {
		if _, ok := r.resolved[k]; ok {
			in.late++
		}
		return
	}
	// p.acked is only touched under mu (here and in resolve).
	if p.acked == nil {
		p.acked = make(map[string]struct{}, 4)
	}
	n := len(p.acked)
	p.acked[id] = struct{}{}
	if len(p.acked) == n {
		in.dups++ // it was there already: one map operation tells, not a lookup and an insert
		return
	}
	if p.sentNs < in.joinedNs {
		return
	}
	rtt := time.Duration(nowNs - p.sentNs)
	if rtt > r.cfg.LateAfter {
		// Read after its time (the tick that settles it has not run: the
		// observer itself may have been frozen): late, and no sample.
		delete(p.acked, id)
		in.late++
		return
	}
	in.recordRTT(now, rtt)
	if !r.itab.isProven(id) {
		r.itab.prove(id)
		r.updateAckHint()
	}
	r.all.record(now, rtt)
	in.observeOffset(float64(instRecvNs-(p.sentNs+int64(rtt)/2)) / 1e3)
}

// DuplicateAck counts an ack message the bridge saw twice.
func (r *Registry) DuplicateAck(id string) {
	r.mu.Lock()
	if in := r.instances[id]; in != nil {
		in.dups++
	}
	r.mu.Unlock()
}

// maxUnprovenProbed bounds the instances that have not answered a probe yet
// whose probes are settled (acked or lost) for them: a new real instance is
// among them, or proves itself with its first ack, while a thousand forged
// stats senders do not multiply the work of every probe.
const maxUnprovenProbed = 64

// updateAckHint sizes the ack set of the next probes for the proven
// instances: those that ack every probe. An unproven one's first ack grows
// the set once and proves it.
func (r *Registry) updateAckHint() {
	r.ackHint.Store(int32(r.itab.lists[1].n))
}

// resolve settles every probe older than LateAfter: acked or lost for each
// instance that was there when it was sent.
func (r *Registry) resolve(now time.Time) {
	cut := now.Add(-r.cfg.LateAfter).UnixNano()
	sec := now.Unix()
	r.pmu.Lock()
	defer r.pmu.Unlock()
	for len(r.queue) > 0 {
		k := r.queue[0]
		p := r.pending[k]
		if p != nil && p.sentNs > cut {
			break
		}
		r.queue = r.queue[1:]
		delete(r.pending, k)
		if p == nil || r.sight.voids(p.sentNs, r.cfg.LateAfter) {
			continue // withdrawn, or in flight across the observer's own outage: void
		}
		// The proven instances, and the newest of the others: the cost of a
		// probe does not grow with forged rows.
		r.itab.each(maxUnprovenProbed, func(id string) {
			in := r.instances[id]
			if in == nil || in.left || in.awaiting || p.sentNs < in.joinedNs {
				return
			}
			_, ok := p.acked[id]
			in.resolve(sec, ok)
		})
		r.resolved[k] = now.Add(10 * time.Second).UnixNano()
		r.resQueue = append(r.resQueue, resolvedProbe{k, now.Add(10 * time.Second).UnixNano()})
	}
	for len(r.resQueue) > 0 && r.resQueue[0].expiry < now.UnixNano() {
		delete(r.resolved, r.resQueue[0].key)
		r.resQueue = r.resQueue[1:]
	}
}
