package metrics

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestSnapshotIsAPureRead: two registries fed the same events and ticks,
// one read 1,000 times between every two ticks (as a Prometheus scrape, a
// headless loop and the screen would), end in the same state: no alert,
// hold, window, count or history depends on who was reading.
func TestSnapshotIsAPureRead(t *testing.T) {
	quiet, busy := newSim(), newSim()
	feed := func(s *sim, i int, reads int) {
		// b drops every other probe after 5 s: delivery falls through WARN
		// into CRIT over holds, and p99 rises past its WARN threshold.
		rtt := 800 * time.Microsecond
		if i > 80 {
			rtt = 150 * time.Millisecond
		}
		s.seq++
		k := ProbeKey{"bridge:events", s.seq}
		s.r.ProbeSent(k, s.now.UnixNano())
		s.r.Ack("a", "boot-a", k, s.now.Add(rtt/2).UnixNano(), s.now.Add(rtt).UnixNano())
		if i < 50 || i%2 == 0 {
			s.r.Ack("b", "boot-b", k, s.now.Add(rtt/2).UnixNano(), s.now.Add(rtt).UnixNano())
		}
		if i%10 == 0 && i <= 50 { // c falls silent after 5 s: WARN at 15 s
			s.r.Report("c", "boot-c", InstanceReport{Role: "agent"}, s.now)
		}
		if i%10 == 0 {
			s.r.Report("a", "boot-a", InstanceReport{Role: "agent"}, s.now)
			s.r.Report("b", "boot-b", InstanceReport{Role: "agent", Errors: uint64(i / 40)}, s.now)
		}
		for k := range reads { // spread over the time to the next tick
			s.r.Snapshot(s.now.Add(time.Duration(k) * 99 * time.Microsecond))
		}
		s.now = s.now.Add(100 * time.Millisecond)
		s.r.Tick(s.now)
	}
	for i := range 200 { // 20 s
		feed(quiet, i, 0)
		reads := 0
		if i == 35 || i == 150 || i == 151 { // inside holds, and where c's silence crosses its threshold
			reads = 1000
		}
		feed(busy, i, reads)
	}
	q, b := quiet.r.Snapshot(quiet.now), busy.r.Snapshot(busy.now)
	if len(q.Alerts) == 0 || len(q.History) == 0 {
		t.Fatalf("the scenario raised nothing (alerts %v): it cannot tell a pure read from an impure one", q.Alerts)
	}
	opts := cmp.Options{cmpopts.EquateNaNs(), cmpopts.EquateEmpty()}
	if d := cmp.Diff(q, b, opts); d != "" {
		t.Errorf("1,000 reads between ticks changed the registry (-quiet +busy):\n%s", d)
	}
}
