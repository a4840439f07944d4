package bridge

import (
	"strconv"
	"testing"
	"time"
)

func TestSeqTracker(t *testing.T) {
	k := StreamKey{"a", "b", "c"}
	tr := newSeqTracker(maxStreams)
	now := time.Now()
	var gaps, dups, late uint64
	for _, seq := range []uint64{1, 2, 3, 6, 4, 4, 7, 7, 2000, 1500} {
		v := tr.observe(k, seq, now, false)
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
	if v := tr.observe(k, 5, now, false); !v.Dup {
		t.Errorf("seq 5 far behind the window: %+v, want Dup", v)
	}
}

func TestSeqTrackerJoinMidStream(t *testing.T) {
	tr := newSeqTracker(maxStreams)
	if v := tr.observe(StreamKey{"a", "b", "c"}, 500, time.Now(), false); v.Gap != 0 {
		t.Errorf("first seq seen counted %d lost; what came before we joined is not ours to count", v.Gap)
	}
}

func TestSeqTrackerBounded(t *testing.T) {
	tr := newSeqTracker(maxStreams)
	base := time.Now()
	for i := 0; i < maxStreams+10; i++ {
		tr.observe(StreamKey{Source: string(rune('a' + i%26)), Boot: time.Duration(i).String()}, 1, base.Add(time.Duration(i)), false)
	}
	if len(tr.streams) != maxStreams {
		t.Errorf("%d streams kept, want the bound %d", len(tr.streams), maxStreams)
	}
}

// checkLists asserts the tracker's lists hold exactly the streams of its map.
func checkLists(t *testing.T, tr *seqTracker) {
	t.Helper()
	n, proven := 0, 0
	for _, l := range []*streamList{&tr.probation, &tr.proven} {
		for s := l.head.next; s != &l.head; s = s.next {
			if tr.streams[s.key] != s || s.proven != (l == &tr.proven) {
				t.Fatalf("stream %+v in the wrong list or not in the map", s.key)
			}
			n++
			if s.proven {
				proven++
			}
		}
	}
	if n != len(tr.streams) || proven != tr.nProven || tr.nProven > tr.maxProven() {
		t.Fatalf("lists hold %d (%d proven, counted %d, share %d), map %d", n, proven, tr.nProven, tr.maxProven(), len(tr.streams))
	}
}

// TestSeqTrackerFloodKeepsProvenStreams: a flood of one-message streams many
// times the table's size evicts only probationary streams; the streams that
// proved themselves with a run of seqs keep their accounting.
func TestSeqTrackerFloodKeepsProvenStreams(t *testing.T) {
	tr := newSeqTracker(maxStreams)
	now := time.Now()
	real := []StreamKey{{"ws", "b1", "bridge:events"}, {"ws", "b1", "bridge:trades"}, {"bot", "b2", "bridge:events"}}
	for _, k := range real {
		for seq := uint64(1); seq <= provenRun; seq++ {
			tr.observe(k, seq, now, false)
		}
		tr.observe(k, provenRun+2, now, false) // one lost: a gap the flood must not erase
	}
	flood := 10 * maxStreams
	for i := range flood {
		tr.observe(StreamKey{Source: "forged-" + strconv.Itoa(i), Boot: "x", Channel: "bridge:events"}, 1, now, false)
	}
	checkLists(t, tr)
	if len(tr.streams) != maxStreams {
		t.Errorf("%d streams kept, want the bound %d", len(tr.streams), maxStreams)
	}
	if want := uint64(len(real) + flood - maxStreams); tr.evicted != want {
		t.Errorf("evicted %d, want %d", tr.evicted, want)
	}
	for _, k := range real {
		s := tr.streams[k]
		if s == nil || s.gaps != 1 || s.received != provenRun+1 {
			t.Errorf("proven stream %+v after the flood: %+v, want its gap and %d received", k, s, provenRun+1)
		}
	}
}

// TestSeqTrackerProvenShare: proven streams hold at most three quarters of
// the table; beyond it the least recently seen is put back on probation, and
// a table of proven streams only still evicts when a new stream comes.
func TestSeqTrackerProvenShare(t *testing.T) {
	const limit = 16
	tr := newSeqTracker(limit)
	now := time.Now()
	for i := range limit {
		k := StreamKey{Source: strconv.Itoa(i)}
		for seq := uint64(1); seq <= provenRun; seq++ {
			tr.observe(k, seq, now, false)
		}
	}
	checkLists(t, tr)
	if tr.nProven != tr.maxProven() {
		t.Errorf("%d proven, want the share %d", tr.nProven, tr.maxProven())
	}
	// The oldest were demoted, so they go first.
	tr.observe(StreamKey{Source: "new"}, 1, now, false)
	checkLists(t, tr)
	if _, ok := tr.streams[StreamKey{Source: "0"}]; ok {
		t.Errorf("the least recently proven stream survived; probation was %d long", limit-tr.nProven)
	}
	if _, ok := tr.streams[StreamKey{Source: strconv.Itoa(limit - 1)}]; !ok {
		t.Errorf("the most recently proven stream was evicted")
	}
}

// TestSeqTrackerEvictionIsO1 would catch an eviction that scans the table
// coming back: a new stream costs the same whether the full table holds 64
// streams or maxStreams (a scan makes the second 64× dearer). It compares two
// benchmarks of the same work as a ratio, the better of three tries, so a
// loaded machine cannot fail it.
func TestSeqTrackerEvictionIsO1(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmarks")
	}
	keys := make([]StreamKey, 4*maxStreams) // more than either table holds: every observe is new
	for i := range keys {
		keys[i] = StreamKey{Source: "src-" + strconv.Itoa(i), Boot: "b", Channel: DefaultChannel}
	}
	cost := func(limit int) float64 {
		r := testing.Benchmark(func(b *testing.B) {
			tr := newSeqTracker(limit)
			now := time.Now()
			for i := range 2 * limit { // full before the clock starts
				tr.observe(keys[i%len(keys)], 1, now, false)
			}
			i := 0
			for b.Loop() {
				tr.observe(keys[i%len(keys)], 1, now, false)
				i++
			}
		})
		return float64(r.NsPerOp())
	}
	best := 0.0
	for try := range 3 {
		small, full := cost(64), cost(maxStreams)
		ratio := full / max(small, 1)
		t.Logf("try %d: new stream with a full table of 64: %.0f ns, of %d: %.0f ns (%.2f×)", try, small, maxStreams, full, ratio)
		if try == 0 || ratio < best {
			best = ratio
		}
		if best <= 2 {
			return
		}
	}
	t.Errorf("a new stream costs %.1f× more with %d streams than with 64: eviction is not O(1)", best, maxStreams)
}

// TestSeqTrackerNewStreamAllocatesNothing: a full table reuses the evicted
// stream's memory for the new one.
func TestSeqTrackerNewStreamAllocatesNothing(t *testing.T) {
	tr := newSeqTracker(64)
	keys := make([]StreamKey, 256)
	for i := range keys {
		keys[i] = StreamKey{Source: strconv.Itoa(i)}
	}
	now := time.Now()
	i := 0
	next := func() { tr.observe(keys[i%len(keys)], 1, now, false); i++ }
	for range 128 {
		next()
	}
	if n := testing.AllocsPerRun(1000, next); n > 0 {
		t.Errorf("%.1f allocations per new stream in a full table, want 0", n)
	}
}
