package metrics

import (
	"time"
)

// The delivery matrix: for each publisher that numbers its events (seq) and
// each cooperating receiver that reports its streams, what the receiver
// should have received, what it did, its duplicates and its one-way latency.
// A pair is (sender, receiver, channel); the matrix's cells and the
// pair_delivery rule sum a (sender, receiver)'s channels.
const (
	// maxPairs bounds the pair table: a fleet of 64 instances all hearing
	// each other on one channel is 4,032 pairs. A pair costs about 2.5 KB
	// (sixty seconds of counts and latency summaries), so 10 MB at most.
	maxPairs = 4096
	// maxPairsPerReceiver bounds what one receiver's reports may create: a
	// report names at most 64 streams, and a restarting fleet doubles that
	// for a while; a forged report cannot take the table.
	maxPairsPerReceiver = 256
	// maxReceiverStreams bounds the streams whose last report is kept per
	// receiver for deltas: four reports' worth of 64, so a stream that
	// leaves a busy receiver's top 64 for a while is not counted afresh
	// when it comes back.
	maxReceiverStreams = 256
	// maxRowChannels bounds the channels kept per instance and per source
	// (listened to, published on): bots use a handful.
	maxRowChannels = 64
	// OtherSender is the matrix row of the streams a receiver summed
	// instead of listing (beyond the 64 busiest): a row, not a sender.
	OtherSender = "(other)"
	// PairArrow joins a pair's sender and receiver in the pair_delivery
	// rule's subject: "ws-host→bot-3".
	PairArrow = "→"
)

// StreamCount is what a receiver reported of one (source, boot, channel)
// stream: counters cumulative since the receiver's boot, and the stream's
// one-way latency in the report's interval (raw: the two clocks').
type StreamCount struct {
	Source, Boot, Channel                    string
	MaxSeq, Received, Gaps, Duplicates, Late uint64
	Latency                                  OneWay
}

// OtherCount sums the streams a report did not list.
type OtherCount struct {
	Streams, Received, Gaps, Duplicates, Late uint64
}

// ChannelCount is what an instance published on one channel since its boot.
type ChannelCount struct {
	Channel   string
	Published uint64
}

// pair is the registry's record of one (sender, receiver, channel).
type pair struct {
	from, to, channel string
	other             bool
	otherStreams      uint64
	ring              [chartSecs]pairSlot
	sess              pairSum
	// lastP is the sender's published count (pubTotal) when the receiver
	// last reported: for a sender the receiver did not hear at all, what
	// was published since is what it should have received.
	lastP    uint64
	hasLastP bool
	active   time.Time // the last report that moved it
}

type pairSlot struct {
	sec                int64
	expected, received uint32
	dups               uint32
	lat                owSlot
}

// pairSum is a pair's counts over a window.
type pairSum struct{ expected, received, dups int64 }

func (p *pair) add(sec int64, exp, recv, dup int64, lat OneWay, now time.Time) {
	s := &p.ring[sec%chartSecs]
	if s.sec != sec {
		*s = pairSlot{sec: sec}
	}
	s.expected, s.received, s.dups = addU32(s.expected, exp), addU32(s.received, recv), addU32(s.dups, dup)
	s.lat.add(lat)
	p.sess.expected, p.sess.received, p.sess.dups = satInc(p.sess.expected, exp), satInc(p.sess.received, recv), satInc(p.sess.dups, dup)
	if exp > 0 || recv > 0 {
		p.active = now
	}
}

func addU32(a uint32, d int64) uint32 { return clampU32(int64(a) + d) }

// window sums the last n seconds up to nowSec.
func (p *pair) window(nowSec, n int64) (pairSum, OneWay) {
	var c pairSum
	var l OneWay
	for i := range p.ring {
		s := &p.ring[i]
		if s.sec > nowSec-n && s.sec <= nowSec {
			c.expected += int64(s.expected)
			c.received += int64(s.received)
			c.dups += int64(s.dups)
			l.merge(s.lat.oneWay())
		}
	}
	return c, l
}

func pairID(from, to, channel string, other bool) string {
	id := from + "\x00" + to + "\x00" + channel
	if other {
		id += "\x00other"
	}
	return id
}

// receiver is what the registry keeps of a receiver's reports for deltas:
// its boot, the channels it listens to, its streams' last counters.
type receiver struct {
	boot     string
	channels []string
	streams  map[streamKey]streamPrev
	other    OtherCount
	hasOther bool
}

type streamKey struct{ source, boot, channel string }

type streamPrev struct {
	maxSeq, received, dups uint64
	at                     time.Time
}

// sent is what a cooperating instance says it published on a channel:
// total counts up every boot's increases (a restart adds its own count).
type sent struct {
	boot        string
	last, total uint64
}

// pubTotal is how many events from on channel should have reached its
// receivers so far, by the best count the observer has: the instance's own
// reports, else its seq as the observer saw it passively.
func (r *Registry) pubTotal(from, channel string) (uint64, bool) {
	if in := r.instances[from]; in != nil {
		if s, ok := in.pub[channel]; ok {
			return s.total, true
		}
	}
	if s := r.sources[from]; s != nil {
		if c, ok := s.chans[channel]; ok {
			return c.total, true
		}
	}
	return 0, false
}

// notePublished folds a report's per-channel published counts in.
func (in *instance) notePublished(boot string, chans []ChannelCount) {
	if in.pub == nil {
		in.pub = make(map[string]*sent)
	}
	for _, c := range chans {
		s := in.pub[c.Channel]
		switch {
		case s == nil:
			if len(in.pub) >= maxRowChannels {
				continue
			}
			in.pub[c.Channel] = &sent{boot: boot, last: c.Published} // first sight: a baseline
		case s.boot != boot:
			s.boot, s.last, s.total = boot, c.Published, satAdd(s.total, c.Published)
		case c.Published >= s.last:
			s.total, s.last = satAdd(s.total, c.Published-s.last), c.Published
		}
	}
}

// matrixReport folds a receiver's report into its pairs: outcome says
// whether the report counts or is a baseline (the first of a boot).
func (r *Registry) matrixReport(in *instance, boot string, rep InstanceReport, counted bool, now time.Time) {
	in.notePublished(boot, rep.PublishedChannels)
	if !rep.Matrix {
		return // an older agent: totals only
	}
	rx := in.rx
	if !counted || rx == nil || rx.boot != boot {
		in.rx = &receiver{boot: boot, streams: make(map[streamKey]streamPrev, len(rep.Streams))}
		in.rx.remember(rep, now)
		return
	}
	sec := now.Unix()
	heard := make(map[[2]string]bool, len(rep.Streams))
	for _, e := range rep.Streams {
		if e.Source == in.id || e.Source == r.cfg.Observer {
			continue
		}
		heard[[2]string{e.Source, e.Channel}] = true
		k := streamKey{e.Source, e.Boot, e.Channel}
		exp, recv, dup := int64(min(e.Received+e.Gaps, maxCount)), int64(min(e.Received, maxCount)), int64(min(e.Duplicates, maxCount))
		if prev, ok := rx.streams[k]; ok && e.MaxSeq >= prev.maxSeq && e.Received >= prev.received && e.Duplicates >= prev.dups {
			exp, recv, dup = delta(e.MaxSeq, prev.maxSeq), delta(e.Received, prev.received), delta(e.Duplicates, prev.dups)
		}
		// else: new since the last report, counted over the receiver's own
		// range of it; what it missed before its first event is not known.
		if p := r.pair(e.Source, in.id, e.Channel, false, now); p != nil {
			p.add(sec, exp, recv, dup, e.Latency, now)
			p.lastP, p.hasLastP = r.pubTotal(e.Source, e.Channel)
		}
	}
	r.matrixOther(in, rx, rep, sec, now)
	if rep.Other == nil && len(rep.Channels) > 0 {
		r.matrixUnheard(in, rep.Channels, heard, sec, now)
	}
	rx.remember(rep, now)
}

// matrixOther books the streams a report summed (an approximation: which
// streams are in the sum changes, so only increases of the sums count).
func (r *Registry) matrixOther(in *instance, rx *receiver, rep InstanceReport, sec int64, now time.Time) {
	o := rep.Other
	if o == nil {
		return
	}
	prev := rx.other
	if !rx.hasOther {
		prev = OtherCount{}
	}
	recv := delta(max(o.Received, prev.Received), prev.Received)
	exp := max(delta(max(o.Received+o.Gaps, prev.Received+prev.Gaps), prev.Received+prev.Gaps), recv)
	dup := delta(max(o.Duplicates, prev.Duplicates), prev.Duplicates)
	if p := r.pair(OtherSender, in.id, "", true, now); p != nil {
		p.otherStreams = o.Streams
		p.add(sec, exp, recv, dup, OneWay{}, now)
	}
}

// matrixUnheard books, for every proven publisher on a channel the receiver
// listens to whose stream it did not report at all, what was published since
// its last report as expected and not received: a bot that never got a
// single event from a sender is the worst pair, not an absent one. Only when
// the receiver listed every stream it has (no Other): a stream summed there
// is not unheard.
func (r *Registry) matrixUnheard(in *instance, channels []string, heard map[[2]string]bool, sec int64, now time.Time) {
	r.stab.each(0, func(from string) {
		s := r.sources[from]
		if s == nil || from == in.id || from == r.cfg.Observer {
			return
		}
		for ch := range s.chans {
			if heard[[2]string{from, ch}] || !matchesAny(channels, ch) {
				continue
			}
			total, ok := r.pubTotal(from, ch)
			if !ok {
				continue
			}
			p := r.pair(from, in.id, ch, false, now)
			if p == nil {
				continue
			}
			if p.hasLastP && total >= p.lastP {
				p.add(sec, int64(min(total-p.lastP, maxCount)), 0, 0, OneWay{}, now)
			}
			p.lastP, p.hasLastP = total, true
		}
	})
}

// remember keeps the report's counters for the next one's deltas.
func (rx *receiver) remember(rep InstanceReport, now time.Time) {
	rx.channels = append(rx.channels[:0], rep.Channels[:min(len(rep.Channels), maxRowChannels)]...)
	for _, e := range rep.Streams {
		k := streamKey{e.Source, e.Boot, e.Channel}
		if _, ok := rx.streams[k]; !ok && len(rx.streams) >= maxReceiverStreams {
			rx.dropOldest()
		}
		rx.streams[k] = streamPrev{maxSeq: e.MaxSeq, received: e.Received, dups: e.Duplicates, at: now}
	}
	if rep.Other != nil {
		rx.other, rx.hasOther = *rep.Other, true
	}
}

// dropOldest forgets the stream reported longest ago. O(n) over at most
// maxReceiverStreams, and only when a receiver has more streams than that.
func (rx *receiver) dropOldest() {
	var oldest streamKey
	var at time.Time
	first := true
	for k, p := range rx.streams {
		if first || p.at.Before(at) {
			oldest, at, first = k, p.at, false
		}
	}
	delete(rx.streams, oldest)
}

// pair finds or adds a pair; nil when the tables are full of proven pairs
// or the receiver has its share (counted in Tables.Pairs).
func (r *Registry) pair(from, to, channel string, other bool, now time.Time) *pair {
	id := pairID(from, to, channel, other)
	if p := r.pairs[id]; p != nil {
		r.ptab.touch(id, now)
		if !r.ptab.isProven(id) && p.sess.received > 0 && r.itab.isProven(to) {
			r.ptab.prove(id) // a real receiver that got events on it
		}
		return p
	}
	in := r.instances[to]
	if in == nil || in.npairs >= maxPairsPerReceiver {
		r.ptab.refused++
		return nil
	}
	evict, ok := r.ptab.admit(id, now)
	if !ok {
		return nil
	}
	if evict != "" {
		r.dropPair(evict)
	}
	p := &pair{from: from, to: to, channel: channel, other: other, active: now}
	r.pairs[id] = p
	in.npairs++
	return p
}

func (r *Registry) dropPair(id string) {
	p := r.pairs[id]
	if p == nil {
		return
	}
	delete(r.pairs, id)
	r.ptab.remove(id)
	if in := r.instances[p.to]; in != nil {
		in.npairs--
	}
}

// dropPairsTo forgets every pair of receiver id (forgotten or evicted).
func (r *Registry) dropPairsTo(id string) {
	for pid, p := range r.pairs {
		if p.to == id {
			r.dropPair(pid)
		}
	}
}

// prunePairs forgets pairs that moved no count for ForgetAfter: a sender
// long gone, a channel no longer used.
func (r *Registry) prunePairs(now time.Time) {
	if r.cfg.ForgetAfter <= 0 {
		return
	}
	for id, p := range r.pairs {
		if now.Sub(p.active) > r.cfg.ForgetAfter {
			r.dropPair(id)
		}
	}
}
