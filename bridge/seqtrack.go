package bridge

import "time"

// StreamKey names one ordered stream of messages: what one process (source
// and boot) published on one channel. seq counts from 1 within it.
type StreamKey struct {
	Source, Boot, Channel string
}

// seqWindow is how far behind the newest seq a message is still told apart
// as late (reordered) or duplicate; older ones count as duplicates.
const seqWindow = 1024

// maxStreams bounds the tracker: hostile input with random sources must not
// grow memory without limit. The stream seen least recently is evicted.
const maxStreams = 4096

// SeqVerdict is what the sequence tracker made of one message.
type SeqVerdict struct {
	Gap  uint64 // seqs skipped just before this one (provisional loss)
	Dup  bool   // this seq was seen already
	Late bool   // arrived after a higher seq: reordered, fills an earlier gap
}

type stream struct {
	max      uint64
	seen     [seqWindow / 64]uint64 // bit (seq % seqWindow) set once seq ≤ max was seen
	received uint64
	gaps     uint64 // seqs currently missing
	dups     uint64
	late     uint64
	lastSeen time.Time
}

func (s *stream) bit(seq uint64) (word int, mask uint64) {
	i := seq % seqWindow
	return int(i / 64), 1 << (i % 64)
}

// observe records seq. It must be called with seq > 0.
func (s *stream) observe(seq uint64, now time.Time) SeqVerdict {
	s.lastSeen = now
	var v SeqVerdict
	switch {
	case seq > s.max:
		if s.max > 0 { // the first seq seen may follow ones sent before we joined
			v.Gap = seq - s.max - 1
		}
		s.advance(seq)
		s.gaps += v.Gap
	case s.max-seq >= seqWindow:
		v.Dup = true // too old to tell; never counted as delivery twice
		s.dups++
		return v
	default:
		w, m := s.bit(seq)
		if s.seen[w]&m != 0 {
			v.Dup = true
			s.dups++
			return v
		}
		s.seen[w] |= m
		v.Late = true
		s.late++
		if s.gaps > 0 {
			s.gaps--
		}
	}
	s.received++
	return v
}

// advance moves the window to seq, clearing the bits of skipped seqs.
func (s *stream) advance(seq uint64) {
	if seq-s.max >= seqWindow {
		s.seen = [seqWindow / 64]uint64{}
	} else {
		for q := s.max + 1; q < seq; q++ {
			w, m := s.bit(q)
			s.seen[w] &^= m
		}
	}
	w, m := s.bit(seq)
	s.seen[w] |= m
	s.max = seq
}

// seqTracker follows every stream. It is used by one goroutine (the
// dispatcher) under the stats lock.
type seqTracker struct {
	streams map[StreamKey]*stream
}

func newSeqTracker() *seqTracker {
	return &seqTracker{streams: make(map[StreamKey]*stream)}
}

func (t *seqTracker) observe(k StreamKey, seq uint64, now time.Time) SeqVerdict {
	s := t.streams[k]
	if s == nil {
		if len(t.streams) >= maxStreams {
			t.evictOldest()
		}
		s = &stream{}
		t.streams[k] = s
	}
	return s.observe(seq, now)
}

func (t *seqTracker) evictOldest() {
	var oldest StreamKey
	var at time.Time
	first := true
	for k, s := range t.streams {
		if first || s.lastSeen.Before(at) {
			oldest, at, first = k, s.lastSeen, false
		}
	}
	delete(t.streams, oldest)
}
