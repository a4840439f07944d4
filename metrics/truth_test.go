package metrics

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// alerts maps instance → rule → level of the snapshot's active alerts.
func alerts(s Snapshot) map[string]map[string]Level {
	out := map[string]map[string]Level{}
	for _, a := range s.Alerts {
		if out[a.Instance] == nil {
			out[a.Instance] = map[string]Level{}
		}
		out[a.Instance][a.Rule] = a.Level
	}
	return out
}

// healthy runs n steps of 100 ms in which every id acks every probe and
// reports every second with the given cumulative errors.
func (s *sim) healthy(n int, errors uint64, ids ...string) {
	acks := map[string]bool{}
	for _, id := range ids {
		acks[id] = true
	}
	for i := range n {
		if i%10 == 0 {
			for _, id := range ids {
				s.r.Report(id, "boot-"+id, InstanceReport{Role: "agent", Errors: errors}, s.now)
			}
		}
		s.step(time.Millisecond, acks)
	}
}

// TestFirstReportIsABaseline (issue 10.1): an agent whose counters already
// show 18 errors when a new observer starts is not in error; only increases
// after its first report count, a restart starts a new baseline visibly,
// and a counter going backwards within one boot is refused.
func TestFirstReportIsABaseline(t *testing.T) {
	s := newSim()
	s.healthy(50, 18, "a")
	if a := s.row(t, "a"); a.Errors != 0 || a.State != OK || a.CountingSince.IsZero() {
		t.Fatalf("after a baseline of 18 errors: errors %d state %s since %v; want 0, OK and a baseline time", a.Errors, a.State, a.CountingSince)
	}
	s.healthy(10, 19, "a")
	if a := s.row(t, "a"); a.Errors != 1 || a.Rules["errors"].Level != Warn {
		t.Errorf("one error after the baseline: errors %d, rule %+v; want 1 and WARN", a.Errors, a.Rules["errors"])
	}
	// A restart: a new boot whose first report is its baseline.
	s.r.Report("a", "boot-a2", InstanceReport{Role: "agent", Errors: 5}, s.now)
	if a := s.row(t, "a"); a.Errors != 1 {
		t.Errorf("a restart's first report counted: errors %d, want still 1", a.Errors)
	}
	var noted bool
	for _, c := range s.snap(s.now).History {
		noted = noted || (c.Rule == "baseline" && c.Instance == "a" && strings.Contains(c.Note, "new baseline"))
	}
	if !noted {
		t.Error("the restart's new baseline is not in the history")
	}
	// Backwards within a boot: refused and counted as bad_stats.
	s.r.Report("a", "boot-a2", InstanceReport{Role: "agent", Errors: 2}, s.now)
	snap := s.snap(s.now)
	if snap.MalformedByReason["bad_stats"] != 1 {
		t.Errorf("a counter going backwards in one boot: bad_stats %d, want 1", snap.MalformedByReason["bad_stats"])
	}
	s.r.Report("a", "boot-a2", InstanceReport{Role: "agent", Errors: 7}, s.now)
	if a := s.row(t, "a"); a.Errors != 3 {
		t.Errorf("errors %d after 5 → (refused 2) → 7, want 1 + 2", a.Errors)
	}
}

// TestObserverOutageIsNotTheInstances (issue 10.2): while the observer is
// disconnected, instances are unknown and held, probes in flight are void,
// only redis_disconnected fires; after reconnecting a grace period passes
// before instances are judged again, and nothing of theirs was raised.
func TestObserverOutageIsNotTheInstances(t *testing.T) {
	s := newSim()
	s.healthy(100, 0, "a", "b") // 10 s healthy
	down := s.now
	s.r.SetConn("disconnected", down)
	for range 150 { // 15 s without Redis: probes fail to publish, nothing arrives
		s.now = s.now.Add(100 * time.Millisecond)
		s.r.Tick(s.now)
	}
	snap := s.snap(s.now)
	if snap.Blind == "" || !strings.Contains(snap.Blind, "disconnected") {
		t.Errorf("Blind = %q while disconnected", snap.Blind)
	}
	for _, in := range snap.Instances {
		if !in.Status.Unknown || in.State != OK {
			t.Errorf("%s while the observer is disconnected: status %+v state %s; want unknown and its last level (OK)", in.ID, in.Status, in.State)
		}
	}
	got := alerts(snap)
	if got[""]["redis_disconnected"] == OK || len(got["a"])+len(got["b"]) != 0 {
		t.Errorf("alerts while disconnected %v; want redis_disconnected and nothing of a or b", got)
	}
	s.r.SetConn("connected", s.now)
	s.healthy(1, 0, "a", "b")
	if snap := s.snap(s.now); !strings.Contains(snap.Blind, "judged again in") {
		t.Errorf("just after reconnecting Blind = %q, want the grace period", snap.Blind)
	}
	s.healthy(60, 0, "a", "b") // 6 s: grace passes, instances are judged again
	snap = s.snap(s.now)
	if snap.Blind != "" {
		t.Errorf("6 s after reconnecting still blind: %q", snap.Blind)
	}
	for _, in := range snap.Instances {
		if in.Status.Unknown || in.State != OK || in.Lost != 0 {
			t.Errorf("%s after the grace: status %+v state %s lost %d; want judged, OK, nothing lost", in.ID, in.Status, in.State, in.Lost)
		}
	}
	for _, c := range snap.History {
		if c.Instance != "" {
			t.Errorf("an instance changed level over the observer's outage: %+v", c)
		}
	}
}

// TestObserverStallIsNotTheInstances (issue 10.2): the observer frozen for
// 20 s (SIGSTOP, a suspended laptop) raises observer_stalled, voids the
// probes it had in flight, and raises nothing for healthy instances.
func TestObserverStallIsNotTheInstances(t *testing.T) {
	s := newSim()
	s.healthy(100, 0, "a")
	k := ProbeKey{"bridge:events", 9999}
	s.r.ProbeSent(k, s.now.UnixNano()) // in flight when the observer froze
	s.now = s.now.Add(20 * time.Second)
	// Thawed: the ack read from the socket first, 20 s after its probe.
	s.r.Ack("a", "boot-a", k, s.now.Add(-19*time.Second).UnixNano(), s.now.UnixNano())
	s.r.Tick(s.now)
	snap := s.snap(s.now)
	if alerts(snap)[""]["observer_stalled"] != Warn || !strings.Contains(snap.Blind, "judged again") {
		t.Errorf("after a 20 s freeze: alerts %v, blind %q; want observer_stalled WARN and a grace period", alerts(snap), snap.Blind)
	}
	a := s.row(t, "a")
	if a.RTT.Max > 1e6 {
		t.Errorf("the frozen ack's 20 s was taken as a round trip: RTT max %.0fµs", a.RTT.Max)
	}
	s.healthy(60, 0, "a")
	snap = s.snap(s.now)
	if a := s.row(t, "a"); a.Lost != 0 || a.State != OK || len(alerts(snap)["a"]) != 0 {
		t.Errorf("after the freeze: lost %d state %s alerts %v; want no loss and nothing raised", a.Lost, a.State, alerts(snap)["a"])
	}
}

// TestClearingIsInTheJudgement (issue 10.3): a CRIT delivery whose value is
// back above the thresholds is still CRIT during its clear-hold, and the
// snapshot says so, with the time left.
func TestClearingIsInTheJudgement(t *testing.T) {
	s := newSim()
	for i := range 100 { // half the probes lost: CRIT
		if i%10 == 0 {
			s.r.Report("a", "boot-a", InstanceReport{}, s.now)
		}
		s.step(time.Millisecond, map[string]bool{"a": i%2 == 0})
	}
	if a := s.row(t, "a"); a.State != Crit || a.Status.Clearing {
		t.Fatalf("setup: state %s clearing %v, want CRIT not clearing", a.State, a.Status.Clearing)
	}
	// Recovered: after the 10 s window has passed, delivery is 100 %.
	s.healthy(110, 0, "a")
	var a InstanceRow
	for range 30 {
		if a = s.row(t, "a"); a.Status.Clearing {
			break
		}
		s.healthy(1, 0, "a")
	}
	if a.State == OK || !a.Status.Clearing || a.Status.ClearsInMs <= 0 || a.Status.ClearsInMs > 3000 {
		t.Errorf("recovered delivery within its clear-hold: state %s status %+v; want held, clearing in 0..3 s", a.State, a.Status)
	}
	for _, al := range s.snap(s.now).Alerts {
		if al.Instance == "a" && al.Rule == "delivery" && (!al.Clearing || al.Condition == "") {
			t.Errorf("the alert does not say it is clearing, or its condition: %+v", al)
		}
	}
}

// TestForget (issue 10.5): forgetting drops the row and its alerts, the
// history says so, and the instance comes back when it speaks again; an
// instance silent for ForgetAfter is forgotten by itself.
func TestForget(t *testing.T) {
	s := newSim()
	s.r.cfg.ForgetAfter = 30 * time.Second
	s.healthy(20, 0, "dead", "live")
	for range 150 { // dead is silent 15 s: WARN
		s.healthy(1, 0, "live")
	}
	if alerts(s.snap(s.now))["dead"]["silent"] != Warn {
		t.Fatal("setup: dead is not silent WARN")
	}
	if !s.r.Forget("dead", "forgotten by the user", s.now) {
		t.Fatal("Forget found no instance")
	}
	snap := s.snap(s.now)
	for _, in := range snap.Instances {
		if in.ID == "dead" {
			t.Error("a forgotten instance is still listed")
		}
	}
	if len(alerts(snap)["dead"]) != 0 || snap.History[0].Rule != "forgotten" || snap.History[0].Note != "forgotten by the user" {
		t.Errorf("after Forget: alerts %v, newest change %+v", alerts(snap)["dead"], snap.History[0])
	}
	s.r.Report("dead", "boot-dead", InstanceReport{}, s.now) // it speaks again
	if len(s.snap(s.now).Instances) != 2 {
		t.Error("a forgotten instance that speaks again is not listed")
	}
	for range 310 { // silent 31 s: forgotten by ForgetAfter
		s.healthy(1, 0, "live")
	}
	snap = s.snap(s.now)
	if len(snap.Instances) != 1 || !strings.HasPrefix(snap.History[0].Note, "silent for") {
		t.Errorf("after 31 s of silence with ForgetAfter 30s: %d instances, newest change %+v", len(snap.Instances), snap.History[0])
	}
}

// TestEmptyListsAreNotNull (issue 10.13): a quiet snapshot's lists are []
// in JSON, never null.
func TestEmptyListsAreNotNull(t *testing.T) {
	s := newSim()
	b, err := json.Marshal(s.snap(s.now))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"alerts":[]`, `"instances":[]`, `"sources":[]`, `"history":[]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("snapshot JSON lacks %s: %s", want, b)
		}
	}
}

// TestLateReturnAfterObserverOutage: after the observer's outage an instance
// that resubscribes later than the grace period (its own backoff) loses no
// probes it could not answer, and one that never comes back goes silent.
func TestLateReturnAfterObserverOutage(t *testing.T) {
	s := newSim()
	s.healthy(100, 0, "late", "gone")
	s.r.SetConn("disconnected", s.now)
	for range 80 {
		s.now = s.now.Add(100 * time.Millisecond)
		s.r.Tick(s.now)
	}
	s.r.SetConn("connected", s.now)
	for range 50 { // 5 s: probes go out, nobody answers yet
		s.step(time.Millisecond, nil)
	}
	if l := s.row(t, "late"); !l.Status.Unknown || l.Lost != 0 {
		t.Errorf("not yet back after 5 s: status %+v lost %d; want unknown, nothing lost", l.Status, l.Lost)
	}
	s.healthy(100, 0, "late") // late is back; gone never is
	snap := s.snap(s.now)
	if l := s.row(t, "late"); l.Status.Unknown || l.Lost != 0 || l.State != OK {
		t.Errorf("late after it came back: status %+v lost %d state %s", l.Status, l.Lost, l.State)
	}
	if alerts(snap)["gone"]["silent"] != Warn {
		t.Errorf("an instance that never came back is not silent: %v", alerts(snap)["gone"])
	}
	if g := s.row(t, "gone"); g.Status.Unknown || g.Lost != 0 {
		t.Errorf("gone: status %+v lost %d; want judged (silent), and no probes counted lost while unknown", g.Status, g.Lost)
	}
}

// TestRejoinNeedsASubscription: after the observer's outage, an instance
// whose reports say its own subscription is still down stays unknown (its
// bridge is on its reconnect backoff) — but not for longer than
// rejoinWindow: then its loss is its own.
func TestRejoinNeedsASubscription(t *testing.T) {
	s := newSim()
	s.healthy(100, 0, "slow")
	s.r.SetConn("disconnected", s.now)
	s.now = s.now.Add(5 * time.Second)
	s.r.Tick(s.now)
	s.r.SetConn("connected", s.now)
	for i := range 100 { // 10 s: it reports, disconnected, and acks nothing
		if i%10 == 0 {
			s.r.Report("slow", "boot-slow", InstanceReport{State: "disconnected", DisconnectedMs: int64(5000 + 100*i)}, s.now)
		}
		s.step(time.Millisecond, nil)
	}
	if r := s.row(t, "slow"); !r.Status.Unknown || r.Lost != 0 {
		t.Errorf("resubscribing within the rejoin window: status %+v lost %d; want unknown, nothing lost", r.Status, r.Lost)
	}
	for i := range 150 { // 15 s more: past the window, still not receiving
		if i%10 == 0 {
			s.r.Report("slow", "boot-slow", InstanceReport{State: "disconnected", DisconnectedMs: int64(15000 + 100*i)}, s.now)
		}
		s.step(time.Millisecond, nil)
	}
	if r := s.row(t, "slow"); r.Status.Unknown || r.Lost == 0 || r.State == OK {
		t.Errorf("past the rejoin window: status %+v lost %d state %s; want judged, its loss counted", r.Status, r.Lost, r.State)
	}
}
