package metrics

import (
	"testing"
	"time"
)

// TestRecycledSourceStartsClean: a row recycled for a newcomer (a flood
// evicting rows) keeps only its allocations: no count, channel, boot or
// second of the evicted source shows in the newcomer's figures, even in
// the very second the old source last wrote.
func TestRecycledSourceStartsClean(t *testing.T) {
	now := time.Unix(1_760_700_000, 0)
	s := &source{id: "old", boots: make(map[string]time.Time), ring: new(counterRing)}
	for i := range 200 {
		at := now.Add(time.Duration(i) * 100 * time.Millisecond)
		for _, ch := range []string{"a", "b"} {
			s.observe(SourceEvent{Source: "old", Boot: "b1", Channel: ch, Seq: uint64(i + 1), HasSeq: true,
				OneWay: time.Millisecond}, at)
		}
	}
	last := now.Add(199 * 100 * time.Millisecond)
	s.recycle("new")
	if s.id != "new" || s.events != 0 || s.run != 0 || s.hasSeq || len(s.chans) != 0 || len(s.boots) != 0 ||
		!s.lastSeen.IsZero() || s.first == nil || s.oneWay == nil || !s.oneWayStale {
		t.Fatalf("recycled row: %+v", s)
	}
	if c := s.ring.sum(last.Unix(), chartSecs); c != (counts{}) {
		t.Fatalf("the recycled ring still sums %+v", c)
	}
	s.observe(SourceEvent{Source: "new", Boot: "b2", Channel: "c", Seq: 7, HasSeq: true}, last)
	if c := s.ring.sum(last.Unix(), chartSecs); c != (counts{events: 1}) {
		t.Errorf("one event in the old source's last second sums %+v, want 1 event", c)
	}
	if c := s.chans["c"]; c == nil || c != s.first || c.max != 7 || c.total != 0 || c.boot != "b2" {
		t.Errorf("the newcomer's channel: %+v (first %p), want a fresh baseline at 7 in the kept record", c, s.first)
	}
	if len(s.chans) != 1 {
		t.Errorf("channels %v, want only c", s.chans)
	}
}
