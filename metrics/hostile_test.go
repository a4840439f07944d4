package metrics

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestFullTablesNeverBlind (issue 11.1): after 1,100 forged stats senders
// fill the instance table, a real agent that joins is listed and probed;
// after 1,100 forged sources, a real publisher's 50 events are all counted;
// a full table says so, in the tables' counters and in a note.
func TestFullTablesNeverBlind(t *testing.T) {
	s := newSim()
	for i := range 1100 {
		s.r.Report(fmt.Sprintf("forged-%d", i), "b", InstanceReport{}, s.now)
		s.r.Event(SourceEvent{Source: fmt.Sprintf("forged-src-%d", i), Boot: "b"}, s.now)
	}
	s.now = s.now.Add(time.Second)
	s.healthy(50, 0, "real") // joins, reports, acks every probe for 5 s
	for k := range 50 {
		s.r.Event(SourceEvent{Source: "real-pub", Boot: "b", HasSeq: true}, s.now.Add(time.Duration(k)*time.Millisecond))
	}
	snap := s.snap(s.now)
	real, ok := InstanceRow{}, false
	for _, in := range snap.Instances {
		if in.ID == "real" {
			real, ok = in, true
		}
	}
	if !ok || real.Acked == 0 || real.Delivery != 100 {
		t.Errorf("a real agent joining a full table: listed %v, acked %d, delivery %.1f", ok, real.Acked, real.Delivery)
	}
	var pub SourceRow
	for _, src := range snap.Sources {
		if src.ID == "real-pub" {
			pub = src
		}
	}
	if pub.Events != 50 {
		t.Errorf("a real publisher after 1,100 forged sources: %d events counted, want 50", pub.Events)
	}
	ti, ts := snap.Tables.Instances, snap.Tables.Sources
	if ti.Rows != maxRows || ti.Evicted == 0 || ti.Proven != 1 || ts.Evicted == 0 || ts.Rows != maxRows {
		t.Errorf("tables %+v", snap.Tables)
	}
	notes := strings.Join(snap.Notes, "\n")
	if !strings.Contains(notes, "instance table full") || !strings.Contains(notes, "source table full") {
		t.Errorf("no note says the tables are full: %q", notes)
	}
	// A proven, recently heard instance is never evicted by newcomers:
	// they are refused instead.
	for i := range 2000 {
		s.r.Report(fmt.Sprintf("flood-%d", i), "b", InstanceReport{}, s.now)
	}
	if _, still := s.r.instances["real"]; !still {
		t.Error("a flood of newcomers evicted the proven instance")
	}
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestBoundedByBytes (issue 11.2, the registry's part): a stats sender
// with a new 256-byte boot in every report, forged senders and sources by
// the thousand, each past its cap: the registry's heap stays within a
// fixed budget however long it goes on.
func TestBoundedByBytes(t *testing.T) {
	s := newSim()
	s.healthy(10, 0, "real")
	base := heapInUse()
	const budget = 64 << 20
	boot := strings.Repeat("b", 250)
	for i := range 300_000 {
		s.r.Report("rebooter", fmt.Sprintf("%s%06d", boot, i), InstanceReport{Errors: uint64(i)}, s.now)
		if i%100 == 0 {
			s.r.Report(fmt.Sprintf("%s-forged-%d", boot, i), boot, InstanceReport{}, s.now)
			s.r.Event(SourceEvent{Source: fmt.Sprintf("%s-src-%d", boot, i), Boot: fmt.Sprintf("%s%d", boot, i), OneWay: time.Millisecond}, s.now)
			s.r.Malformed(fmt.Sprintf("%s-mal-%d", boot, i), "bad_json", s.now)
		}
		if i%10_000 == 0 {
			s.now = s.now.Add(time.Second)
			s.r.Tick(s.now)
		}
	}
	if grown := int64(heapInUse()) - int64(base); grown > budget {
		t.Errorf("the registry's heap grew %d MiB, budget %d MiB", grown>>20, budget>>20)
	} else {
		t.Logf("heap grew %.1f MiB over 300,000 reports with new boots and 3,000 forged rows", float64(grown)/(1<<20))
	}
}

// TestProbeCostIgnoresForgedInstances (issue 11.6): a thousand forged
// stats senders do not multiply what each probe costs: the bytes allocated
// per probe sent and settled stay within 2× of a registry with one real
// instance.
func TestProbeCostIgnoresForgedInstances(t *testing.T) {
	cost := func(forged int) float64 {
		s := newSim()
		s.healthy(20, 0, "real")
		for i := range forged {
			s.r.Report(fmt.Sprintf("forged-%d", i), "b", InstanceReport{}, s.now)
		}
		s.r.Tick(s.now) // their alert states are made once, here
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		// 1,000 probes a second, the observer ticking 4 times a second.
		const probes = 2000
		for i := range probes {
			s.seq++
			k := ProbeKey{"bridge:events", s.seq}
			s.r.ProbeSent(k, s.now.UnixNano())
			s.r.Ack("real", "boot-real", k, s.now.UnixNano(), s.now.Add(time.Millisecond).UnixNano())
			s.now = s.now.Add(time.Millisecond)
			if i%250 == 0 {
				s.r.Tick(s.now)
			}
		}
		runtime.ReadMemStats(&after)
		return float64(after.TotalAlloc-before.TotalAlloc) / probes
	}
	one, many := cost(0), cost(1100)
	t.Logf("bytes allocated per probe: %.0f with one instance, %.0f with 1,100 forged beside it", one, many)
	if many > 2*one {
		t.Errorf("1,100 forged instances make each probe cost %.1f× (%.0f B vs %.0f B)", many/one, many, one)
	}
}

// TestCountsNeverNegative (issue 11.4): absurd values saturate rather than
// wrap: a seq jump to 2^63 adds no negative gaps, and no count in a
// snapshot is ever negative.
func TestCountsNeverNegative(t *testing.T) {
	s := newSim()
	for _, gap := range []uint64{1<<63 - 1, 1<<64 - 1, 3} {
		s.r.Event(SourceEvent{Source: "jumper", Boot: "b", HasSeq: true, Gap: gap}, s.now)
	}
	s.r.Report("huge", "b", InstanceReport{}, s.now)
	s.r.Report("huge", "b", InstanceReport{SelfReceived: 1<<64 - 1, Collisions: 1 << 63, Errors: 1 << 62}, s.now)
	snap := s.snap(s.now)
	for _, src := range snap.Sources {
		if src.Gaps < 0 || src.Events < 0 {
			t.Errorf("source %s: gaps %d events %d", src.ID, src.Gaps, src.Events)
		}
	}
	for _, in := range snap.Instances {
		if in.SelfReceived < 0 || in.Collisions < 0 || in.Errors < 0 {
			t.Errorf("instance %s: self %d collisions %d errors %d", in.ID, in.SelfReceived, in.Collisions, in.Errors)
		}
		if in.ID == "huge" && (in.SelfReceived == 0 || in.Rules["self_received"].Level == OK) {
			t.Errorf("an absurd self-received count hid the alarm: %d, %+v", in.SelfReceived, in.Rules["self_received"])
		}
	}
}
