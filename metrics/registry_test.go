package metrics

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// sim drives a registry with a fake clock: probes every 100 ms, acks from
// each instance after its latency, unless it drops them.
type sim struct {
	r   *Registry
	now time.Time
	seq uint64
}

func newSim() *sim {
	now := time.Unix(1_760_700_000, 0)
	r := NewRegistry(RegistryConfig{Observer: "obs", Thresholds: DefaultThresholds()}, now)
	r.SetConn("connected", now) // an observer starts once subscribed
	return &sim{r: r, now: now}
}

// step sends one probe and lets each instance in acks answer it (or not)
// after rtt; then advances the clock by 100 ms.
func (s *sim) step(rtt time.Duration, acks map[string]bool) {
	s.seq++
	k := ProbeKey{"bridge:events", s.seq}
	s.r.ProbeSent(k, s.now.UnixNano())
	for id, ok := range acks {
		if ok {
			s.r.Ack(id, "boot-"+id, k, s.now.Add(rtt/2).UnixNano(), s.now.Add(rtt).UnixNano())
		}
	}
	s.now = s.now.Add(100 * time.Millisecond)
	s.r.Tick(s.now) // the observer ticks every refresh
}

// snap is what the observer publishes at t: a tick, then a snapshot.
func (s *sim) snap(t time.Time) Snapshot {
	s.r.Tick(t)
	return s.r.Snapshot(t)
}

func (s *sim) row(t *testing.T, id string) InstanceRow {
	t.Helper()
	for _, in := range s.snap(s.now).Instances {
		if in.ID == id {
			return in
		}
	}
	t.Fatalf("no instance %q", id)
	return InstanceRow{}
}

func TestRegistryDeliveryAndLossyInstance(t *testing.T) {
	s := newSim()
	for _, id := range []string{"a", "b"} {
		s.r.Report(id, "boot-"+id, InstanceReport{Role: "agent"}, s.now)
	}
	for i := 0; i < 300; i++ { // 30 s
		s.step(800*time.Microsecond, map[string]bool{"a": true, "b": i%8 != 3})
		if i%10 == 0 {
			for _, id := range []string{"a", "b"} {
				s.r.Report(id, "boot-"+id, InstanceReport{Role: "agent"}, s.now)
			}
		}
	}
	a, b := s.row(t, "a"), s.row(t, "b")
	if a.Delivery != 100 || a.Lost != 0 || a.State != OK {
		t.Errorf("a: delivery %.1f lost %d state %s", a.Delivery, a.Lost, a.State)
	}
	if math.Abs(b.Delivery-87.5) > 0.5 || math.Abs(b.Delivery10s-87.5) > 2 || b.State != Crit {
		t.Errorf("b: delivery %.2f (10s %.2f) state %s, want 87.5%% and CRIT", b.Delivery, b.Delivery10s, b.State)
	}
	if math.Abs(a.RTT.P50-800) > 8 || a.RTT10s.Count == 0 {
		t.Errorf("a: rtt p50 %.1fµs (10s count %d), want 800µs", a.RTT.P50, a.RTT10s.Count)
	}
	if math.Abs(a.ClockOffsetUs) > 1 {
		t.Errorf("clock offset %.1fµs, want 0", a.ClockOffsetUs)
	}
	var found bool
	for _, al := range s.snap(s.now).Alerts {
		found = found || (al.Rule == "delivery" && al.Instance == "b" && al.Level == Crit)
	}
	if !found {
		t.Errorf("no CRIT delivery alert for b")
	}
}

func TestRegistrySilentAndGracefulLeave(t *testing.T) {
	s := newSim()
	for _, id := range []string{"killed", "stopped"} {
		s.r.Report(id, "boot-"+id, InstanceReport{}, s.now)
	}
	for i := 0; i < 30; i++ {
		s.step(time.Millisecond, map[string]bool{"killed": true, "stopped": true})
	}
	s.r.Report("stopped", "boot-stopped", InstanceReport{Final: true}, s.now)
	for i := 0; i < 150; i++ { // 15 s of silence from both
		s.step(time.Millisecond, nil)
	}
	snap := s.snap(s.now)
	levels := map[string]map[string]Level{}
	for _, al := range snap.Alerts {
		if levels[al.Instance] == nil {
			levels[al.Instance] = map[string]Level{}
		}
		levels[al.Instance][al.Rule] = al.Level
	}
	if levels["killed"]["silent"] != Warn {
		t.Errorf("killed instance: alerts %v, want silent WARN", levels["killed"])
	}
	if len(levels["stopped"]) != 0 {
		t.Errorf("gracefully stopped instance raised %v", levels["stopped"])
	}
	if st := s.row(t, "stopped"); !st.Left || st.Lost != 0 {
		t.Errorf("stopped: left %v lost %d, want left and nothing lost", st.Left, st.Lost)
	}
}

func TestRegistryCollisionAndLateAcks(t *testing.T) {
	s := newSim()
	k := ProbeKey{"c", 1}
	s.r.ProbeSent(k, s.now.UnixNano())
	s.r.Ack("x", "boot1", k, 0, s.now.Add(time.Millisecond).UnixNano())
	s.r.Ack("x", "boot1", k, 0, s.now.Add(2*time.Millisecond).UnixNano()) // twice
	s.r.Ack("x", "boot2", k, 0, s.now.Add(3*time.Millisecond).UnixNano()) // another process, same ID
	s.now = s.now.Add(3 * time.Second)
	s.r.Tick(s.now)                               // settles the probe
	s.r.Ack("y", "boot1", k, 0, s.now.UnixNano()) // after the probe was settled
	snap := s.snap(s.now)
	var coll bool
	for _, al := range snap.Alerts {
		coll = coll || (al.Rule == "collision" && al.Instance == "x" && al.Level == Crit)
	}
	if !coll {
		t.Errorf("two live boots of x raised no collision: %+v", snap.Alerts)
	}
	x := s.row(t, "x")
	if x.Duplicates != 2 {
		t.Errorf("x duplicates %d, want 2", x.Duplicates)
	}
	if y := s.row(t, "y"); y.Late != 1 {
		t.Errorf("y late %d, want 1", y.Late)
	}
	if _, err := json.Marshal(snap); err != nil {
		t.Errorf("snapshot with NaN fields does not marshal: %v", err)
	}
}

func TestRegistrySources(t *testing.T) {
	s := newSim()
	for i := 0; i < 100; i++ {
		s.r.Event(SourceEvent{Source: "ws-host", Boot: "b1", HasSeq: true, Gap: uint64(i % 50 / 49), OneWay: time.Millisecond}, s.now)
		s.now = s.now.Add(100 * time.Millisecond)
	}
	s.r.Malformed("ws-host", "bad_seq", s.now)
	s.r.Malformed("", "not_json", s.now)
	snap := s.snap(s.now)
	if len(snap.Sources) != 1 {
		t.Fatalf("sources %+v", snap.Sources)
	}
	src := snap.Sources[0]
	if src.Events != 100 || src.Gaps != 2 || src.Malformed != 1 || math.Abs(src.RatePerSec-10) > 1 {
		t.Errorf("source row %+v", src)
	}
	if snap.Malformed != 2 || snap.MalformedByReason["not_json"] != 1 {
		t.Errorf("malformed %d by reason %v", snap.Malformed, snap.MalformedByReason)
	}
}

func BenchmarkRegistryAck(b *testing.B) {
	s := newSim()
	s.r.Report("a", "boot-a", InstanceReport{}, s.now)
	b.ReportAllocs()
	for b.Loop() {
		s.step(time.Millisecond, map[string]bool{"a": true})
	}
}

// TestProbeSentDoesNotWaitForSnapshot: the observer stamps a probe, records
// it, then sends it; a snapshot being built meanwhile (holding the main
// lock) must not delay the send, or the wait would count as latency.
func TestProbeSentDoesNotWaitForSnapshot(t *testing.T) {
	s := newSim()
	s.r.Report("a", "b", InstanceReport{}, s.now) // joined before the probe
	s.r.mu.Lock()                                 // a snapshot in progress
	done := make(chan struct{})
	go func() {
		s.r.ProbeSent(ProbeKey{"c", 1}, s.now.UnixNano())
		s.r.ProbeFailed(ProbeKey{"c", 2})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ProbeSent waited for the registry's main lock")
	}
	s.r.mu.Unlock()
	s.r.Ack("a", "b", ProbeKey{"c", 1}, 0, s.now.Add(time.Millisecond).UnixNano())
	if row := s.row(t, "a"); row.RTT.Count != 1 {
		t.Errorf("the probe recorded without the main lock was not acked: %+v", row.RTT)
	}
}
