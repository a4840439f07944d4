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
// grow memory without limit. 4,096 is hundreds of times the streams a bridge
// carries (instances × channels) and, with every key's strings capped
// (MaxIDLen, MaxChannelLen, maxPinnedPayload), a few MiB at most. Eviction
// is O(1); see seqtrack_table.go for which stream goes.
const maxStreams = 4096

// SeqVerdict is what the sequence tracker made of one message.
type SeqVerdict struct {
	Gap  uint64 // seqs skipped just before this one (provisional loss)
	Dup  bool   // this seq was seen already
	Late bool   // arrived after a higher seq: reordered, fills an earlier gap
}

type stream struct {
	key        StreamKey
	prev, next *stream // in the tracker's probation or proven list
	proven     bool    // in the proven list
	run        uint32  // seqs in a row, each the one after the last

	max      uint64
	seen     [seqWindow / 64]uint64 // bit (seq % seqWindow) set once seq ≤ max was seen
	received uint64
	gaps     uint64 // seqs currently missing
	dups     uint64
	late     uint64
	control  uint64 // control messages (probes on a data channel) among received
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
		switch {
		case s.max == 0 || v.Gap > 0:
			s.run = 1
		case s.run < provenRun:
			s.run++ // saturates: only reaching provenRun matters
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
