package bridge

import (
	"testing"
	"time"
)

func TestSeqTracker(t *testing.T) {
	k := StreamKey{"a", "b", "c"}
	tr := newSeqTracker()
	now := time.Now()
	var gaps, dups, late uint64
	for _, seq := range []uint64{1, 2, 3, 6, 4, 4, 7, 7, 2000, 1500} {
		v := tr.observe(k, seq, now)
		gaps += v.Gap
		if v.Dup {
			dups++
		}
		if v.Late {
			late++
		}
	}
	s := tr.streams[k]
	// 6 skips 4,5; 4 arrives late; 2000 skips 8..1999 (1992); 1500 arrives late.
	if gaps != 2+1992 || dups != 2 || late != 2 {
		t.Errorf("gaps %d dups %d late %d, want 1994 2 2", gaps, dups, late)
	}
	if s.gaps != 1994-2 || s.received != 8 {
		t.Errorf("outstanding gaps %d received %d, want 1992 8", s.gaps, s.received)
	}
	// Far behind the window: cannot be told apart, never counted twice.
	if v := tr.observe(k, 5, now); !v.Dup {
		t.Errorf("seq 5 far behind the window: %+v, want Dup", v)
	}
}

func TestSeqTrackerJoinMidStream(t *testing.T) {
	tr := newSeqTracker()
	if v := tr.observe(StreamKey{"a", "b", "c"}, 500, time.Now()); v.Gap != 0 {
		t.Errorf("first seq seen counted %d lost; what came before we joined is not ours to count", v.Gap)
	}
}

func TestSeqTrackerBounded(t *testing.T) {
	tr := newSeqTracker()
	base := time.Now()
	for i := 0; i < maxStreams+10; i++ {
		tr.observe(StreamKey{Source: string(rune('a' + i%26)), Boot: time.Duration(i).String()}, 1, base.Add(time.Duration(i)))
	}
	if len(tr.streams) != maxStreams {
		t.Errorf("%d streams kept, want the bound %d", len(tr.streams), maxStreams)
	}
}
