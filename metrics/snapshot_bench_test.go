package metrics

import (
	"fmt"
	"testing"
	"time"
)

// fleet1000 is a registry that has watched 1,000 cooperating instances for
// 70 s: every one acking probes at 10/s and reporting every second.
func fleet1000(tb testing.TB) *sim {
	tb.Helper()
	s := newSim()
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("bot-%04d", i)
	}
	for step := range 700 {
		s.seq++
		k := ProbeKey{"bridge:events", s.seq}
		s.r.ProbeSent(k, s.now.UnixNano())
		for i, id := range ids {
			rtt := time.Duration(500+i%700) * time.Microsecond
			s.r.Ack(id, "boot", k, s.now.Add(rtt/2).UnixNano(), s.now.Add(rtt).UnixNano())
			if step%10 == i%10 {
				s.r.Report(id, "boot", InstanceReport{Role: "agent"}, s.now)
			}
		}
		s.now = s.now.Add(100 * time.Millisecond)
		if step%2 == 0 {
			s.r.Tick(s.now)
		}
	}
	return s
}

// BenchmarkSnapshot1000 is one snapshot of 1,000 instances (issue 15: ≤ 5 ms).
func BenchmarkSnapshot1000(b *testing.B) {
	s := fleet1000(b)
	b.ResetTimer()
	for range b.N {
		s.r.Snapshot(s.now)
	}
}

// BenchmarkTick1000 is one refresh tick of 1,000 instances, 250 ms apart
// as the observer's are: every fourth derives the figures anew. Four of
// these are a second of the observer's work on the tick.
func BenchmarkTick1000(b *testing.B) {
	s := fleet1000(b)
	b.ResetTimer()
	for i := range b.N {
		s.r.Tick(s.now.Add(time.Duration(i) * 250 * time.Millisecond))
	}
}
