package bridge

import "time"

// provenRun is how many seqs in a row, each the one after the last, prove a
// stream real: a publisher at one event a second does it in three seconds,
// while a flood of forged streams with a message or two each never does.
const provenRun = 4

// seqTracker follows every stream, at most limit of them. It is used by one
// goroutine (the dispatcher) under the stats lock.
//
// Eviction is O(1), a segmented LRU: a new stream enters the probation list;
// one that proves itself (provenRun) moves to the proven list, which holds
// at most three quarters of the table. A full table evicts the least recently
// seen probationary stream, and a proven one only when none is left: a flood
// of new streams churns probation and leaves the real ones their state.
type seqTracker struct {
	streams   map[StreamKey]*stream
	limit     int
	probation streamList
	proven    streamList
	nProven   int
	evicted   uint64 // streams dropped to make room: a full table is counted
}

func newSeqTracker(limit int) *seqTracker {
	t := &seqTracker{streams: make(map[StreamKey]*stream), limit: max(limit, 1)}
	t.probation.init()
	t.proven.init()
	return t
}

// maxProven is the proven list's share of the table.
func (t *seqTracker) maxProven() int { return t.limit - t.limit/4 }

func (t *seqTracker) observe(k StreamKey, seq uint64, now time.Time, control bool) SeqVerdict {
	s := t.streams[k]
	if s == nil {
		s = t.admit(k)
	}
	v := s.observe(seq, now)
	if control && !v.Dup {
		s.control++
	}
	switch {
	case s.proven:
		t.proven.moveToFront(s)
	case s.run >= provenRun:
		t.promote(s)
	default:
		t.probation.moveToFront(s)
	}
	return v
}

// admit makes room if the table is full, reusing the evicted stream's
// memory, and enters k on probation.
func (t *seqTracker) admit(k StreamKey) *stream {
	var s *stream
	if len(t.streams) >= t.limit {
		s = t.probation.back()
		if s == nil {
			s = t.proven.back()
			t.nProven--
		}
		unlink(s)
		delete(t.streams, s.key)
		t.evicted++
		*s = stream{}
	} else {
		s = new(stream)
	}
	s.key = k
	t.streams[k] = s
	t.probation.pushFront(s)
	return s
}

// promote moves s to the proven list; when that list is over its share,
// its least recently seen stream goes back on probation.
func (t *seqTracker) promote(s *stream) {
	unlink(s)
	s.proven = true
	t.proven.pushFront(s)
	t.nProven++
	if t.nProven > t.maxProven() {
		d := t.proven.back()
		unlink(d)
		d.proven, d.run = false, 0
		t.nProven--
		t.probation.pushFront(d)
	}
}

// streamList is a doubly linked list of streams through their prev and next,
// most recently seen first, around a sentinel.
type streamList struct{ head stream }

func (l *streamList) init() { l.head.prev, l.head.next = &l.head, &l.head }

func (l *streamList) pushFront(s *stream) {
	s.prev, s.next = &l.head, l.head.next
	l.head.next.prev = s
	l.head.next = s
}

func (l *streamList) moveToFront(s *stream) {
	if l.head.next != s {
		unlink(s)
		l.pushFront(s)
	}
}

// back is the least recently seen stream, or nil.
func (l *streamList) back() *stream {
	if l.head.prev == &l.head {
		return nil
	}
	return l.head.prev
}

func unlink(s *stream) {
	s.prev.next, s.next.prev = s.next, s.prev
	s.prev, s.next = nil, nil
}
