package metrics

import (
	"testing"
	"time"
)

func TestSubscriberExpectation(t *testing.T) {
	var e SubscriberExpectation
	if err := e.Set("3, bridge:events=2"); err != nil || e.Total != 3 || len(e.PerChannel) != 1 || e.PerChannel[0].Min != 2 {
		t.Fatalf("Set: %+v %v", e, err)
	}
	if e.String() != "3,bridge:events=2" {
		t.Errorf("String %q", e.String())
	}
	for _, bad := range []string{"0", "-1", "x", "=3", "a=0", "100001"} {
		if err := (&SubscriberExpectation{}).Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	th := DefaultThresholds()
	th.ExpectSubscribers = e
	names := map[string]Rule{}
	for _, r := range th.Rules() {
		names[r.Name] = r
	}
	if r := names["subscribers"]; r.Classify(2) != Warn || r.Classify(0) != Crit || r.Classify(3) != OK {
		t.Errorf("subscribers rule %+v", r)
	}
	if _, ok := names["subscribers:bridge:events"]; !ok {
		t.Errorf("no per-channel rule: %v", names)
	}
}

// TestPassiveSubscribers: passive rows come and go with the polls, at most
// maxPassive of them, and a gone one is forgotten with a note.
func TestPassiveSubscribers(t *testing.T) {
	s := newSim()
	rows := make([]SubscriberRow, maxPassive+5)
	for i := range rows {
		rows[i] = SubscriberRow{Addr: "10.0.0.1:" + string(rune('a'+i%26)) + time.Duration(i).String(), Subscriptions: 1, OmemBytes: 600}
	}
	s.r.Subscribers(SubscriberPoll{Listed: true, Rows: rows, Limit: 1000}, s.now)
	snap := s.snap(s.now)
	if len(snap.Instances) != maxPassive || len(snap.Notes) == 0 {
		t.Fatalf("%d passive rows, notes %v; want the cap %d and a note", len(snap.Instances), snap.Notes, maxPassive)
	}
	if snap.Instances[0].OutputBufferPct != 60 || snap.Instances[0].Rules["output_buffer"].Level != Warn {
		t.Errorf("passive row %+v: want 60%% of the buffer, WARN", snap.Instances[0])
	}
	s.now = s.now.Add(time.Second)
	s.r.Subscribers(SubscriberPoll{Listed: true, Rows: rows[:1], Limit: 1000}, s.now)
	snap = s.snap(s.now)
	if len(snap.Instances) != 1 || snap.History[0].Rule != "unsubscribed" {
		t.Errorf("after the others left: %d rows, last change %+v", len(snap.Instances), snap.History[0])
	}
}
