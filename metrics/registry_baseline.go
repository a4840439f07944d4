package metrics

import (
	"slices"
	"time"
)

// baselineLane is the registry's record of the raw-Redis lane: events in
// flight by number, then their latencies windowed as the instances' are.
type baselineLane struct {
	channel    string
	pending    map[uint32]struct{} // event numbers in flight
	queue      []baselineSent      // pending events in send order
	session    *Histogram
	rtt        *rttWindow
	sent, lost int64
}

type baselineSent struct {
	seq    uint32
	sentNs int64
}

func newBaselineLane(channel string) *baselineLane {
	return &baselineLane{channel: channel, pending: make(map[uint32]struct{}, 64), session: NewHistogram(), rtt: newRTTWindow()}
}

// SetBaseline turns the raw lane's rows on (on channel) or, with channel
// "", off. Turning it on again starts it afresh.
func (r *Registry) SetBaseline(channel string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.base = nil
	if channel != "" {
		r.base = newBaselineLane(channel)
	}
}

// BaselineSent records raw event seq, about to be published at sentNs (its
// age decides when it is lost; its latency is timed by BaselineSample).
// Call it before the PUBLISH: the event may be read back before the reply.
func (r *Registry) BaselineSent(seq uint32, sentNs int64) {
	r.mu.Lock()
	if b := r.base; b != nil {
		b.pending[seq] = struct{}{}
		b.queue = append(b.queue, baselineSent{seq, sentNs})
		b.sent++
	}
	r.mu.Unlock()
}

// BaselineFailed withdraws raw event seq, whose PUBLISH failed.
func (r *Registry) BaselineFailed(seq uint32) {
	r.mu.Lock()
	if b := r.base; b != nil {
		if _, ok := b.pending[seq]; ok {
			delete(b.pending, seq)
			b.sent--
		}
	}
	r.mu.Unlock()
}

// BaselineSample records that raw event seq, sent at sentNs, was read at
// recvNs (both on this process's clock). An event already settled as lost,
// or read twice, is not a sample.
func (r *Registry) BaselineSample(seq uint32, sentNs, recvNs int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.base
	if b == nil {
		return
	}
	if _, ok := b.pending[seq]; !ok {
		return
	}
	delete(b.pending, seq)
	d := time.Duration(recvNs - sentNs)
	b.session.Record(d)
	b.rtt.record(time.Unix(0, recvNs), d)
}

// SetShards records the observer's subscription connections (nil on a
// single server).
func (r *Registry) SetShards(rows []ShardRow) {
	r.mu.Lock()
	r.shards = slices.Clone(rows)
	r.mu.Unlock()
}

// resolveBaseline counts raw events unread after LateAfter as lost.
func (r *Registry) resolveBaseline(now time.Time) {
	b := r.base
	if b == nil {
		return
	}
	cut := now.Add(-r.cfg.LateAfter).UnixNano()
	i := 0
	for ; i < len(b.queue) && b.queue[i].sentNs <= cut; i++ {
		if _, ok := b.pending[b.queue[i].seq]; ok {
			delete(b.pending, b.queue[i].seq)
			b.lost++
		}
	}
	b.queue = b.queue[i:]
}

// baselineRow is the lane's row of a snapshot; nil when the lane is off.
func (r *Registry) baselineRow(now time.Time) *BaselineRow {
	b := r.base
	if b == nil {
		return nil
	}
	sec := now.Unix()
	return &BaselineRow{
		Channel: b.channel, RTT: b.session.Summary(), RTT10s: b.rtt.window(sec, r.scratch), LatencyDist: b.session.LatencyDist(),
		Chart: b.rtt.series(sec), Sent: b.sent, Lost: b.lost,
	}
}

// resetBaseline forgets the lane's measurements; it stays on.
func (r *Registry) resetBaseline() {
	if r.base != nil {
		r.base = newBaselineLane(r.base.channel)
	}
}
