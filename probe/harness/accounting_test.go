package harness

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe/load"
)

// TestOutageCountsAttemptedEvents is issue 11's outage, shortened: 5
// instances at 200/s, redis-server killed 3 s in and restarted 2 s later.
// Every attempted event is expected at the other four, the failed publishes
// are reported beside the published, the report names the outage window, and
// the run FAILs: before, it measured delivery of the published events only,
// and passed at 95 % with ~500 of 4,000 events never sent.
func TestOutageCountsAttemptedEvents(t *testing.T) {
	s := bridgetest.Start(t)
	s.RequireReal(t)
	const n = 5
	cfg := harnessConfig(s.URL(), n, 8*time.Second, 200)
	var log syncBuffer
	cfg.Log = &log
	done := make(chan report.ValidateInput, 1)
	go func() {
		in, err := Run(context.Background(), cfg)
		if err != nil {
			t.Error(err)
		}
		done <- in
	}()
	time.Sleep(3 * time.Second) // the bridges connect in well under 100 ms
	s.Kill(t)
	time.Sleep(2 * time.Second)
	s.Restart(t)
	in := <-done
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	t.Logf("intended %d, attempted %d, published %d, failed %d; expected %d, received %d, in flight %d, lost %d: delivery %.2f%% (%.2f%% of the published)",
		r.Intended, r.Attempted, r.Published, r.PublishFailed, r.Expected, r.Received, r.InFlight, r.Lost, r.DeliveryRate,
		100*float64(r.Received)/float64(r.Published*(n-1)))
	t.Logf("outages %s; reasons %q", outagesText(r.Outages), r.Reasons)
	if r.PublishFailed < 100 || r.Attempted != r.Published+r.PublishFailed || r.Expected != r.Attempted*(n-1) {
		t.Errorf("attempted %d = published %d + failed %d? expected %d: want the outage's failures counted and expected",
			r.Attempted, r.Published, r.PublishFailed, r.Expected)
	}
	if slack := int64(load.Workers(cfg.Rate)); r.Attempted < r.Intended-slack {
		t.Errorf("attempted %d of %d intended: a failing publish must not stop the schedule", r.Attempted, r.Intended)
	}
	if r.Status != "FAIL" || !strings.Contains(strings.Join(r.Reasons, ""), "attempted events were never published (publishes failed") {
		t.Errorf("status %s, reasons %q: want FAIL naming the never-published events and the window", r.Status, r.Reasons)
	}
	if len(r.Outages) == 0 {
		t.Fatalf("no outage window\n%s", log.String())
	}
	first, last := r.Outages[0], r.Outages[len(r.Outages)-1]
	var failed int64
	for _, o := range r.Outages {
		failed += o.Failed
	}
	if first.FromMs < 2900 || first.FromMs > 3500 || last.ToMs == nil || *last.ToMs < 5000 || *last.ToMs > 8000 || failed != r.PublishFailed {
		t.Errorf("outages %s holding %d failures: want one from about 3s to after the restart at 5s, holding all %d",
			outagesText(r.Outages), failed, r.PublishFailed)
	}
}

func outagesText(os []report.Outage) string {
	var parts []string
	for _, o := range os {
		to := "end"
		if o.ToMs != nil {
			to = (time.Duration(*o.ToMs) * time.Millisecond).String()
		}
		parts = append(parts, (time.Duration(o.FromMs)*time.Millisecond).String()+"–"+to)
	}
	return strings.Join(parts, ", ")
}

// TestDrainZeroLosesNothingInFlight: with --drain 0 the events still under
// way at the cut-off are reported as in flight, and nothing that arrives is
// counted as lost.
func TestDrainZeroLosesNothingInFlight(t *testing.T) {
	s := bridgetest.Start(t)
	cfg := harnessConfig(s.URL(), 3, time.Second, 3000)
	cfg.Drain = 0
	in, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	t.Logf("expected %d, received %d, in flight %d, lost %d", r.Expected, r.Received, r.InFlight, r.Lost)
	if r.Lost != 0 || r.Received+r.InFlight != r.Expected {
		t.Errorf("drain 0: received %d + in flight %d of %d, lost %d: want nothing lost", r.Received, r.InFlight, r.Expected, r.Lost)
	}
}

// TestCutOffCountsInFlight: what a receiver gets after the cut-off is in
// flight, per sender, and not received; duplicates stay duplicates.
func TestCutOffCountsInFlight(t *testing.T) {
	senders := map[senderKey]int{{"a", "1"}: 0, {"b", "2"}: 1}
	r := newReceiver(1, "b", "ch", senders, 2)
	ev := func(seq uint64) bridge.Event {
		return bridge.Event{Channel: "ch", Envelope: bridge.Envelope{Type: harnessEventType, Source: "a", Boot: "1", Seq: seq}}
	}
	r.handle(ev(1))
	r.handle(ev(2))
	r.cut.Store(true)
	r.handle(ev(3))
	r.handle(ev(2)) // a duplicate, after the cut-off
	if r.received.Load() != 2 || r.inFlight[0] != 1 || r.late.Load() != 1 || r.dups != 1 || r.from[0].Count() != 3 {
		t.Errorf("received %d, in flight %v (%d), dups %d, distinct %d; want 2, [1 0], 1, 3",
			r.received.Load(), r.inFlight, r.late.Load(), r.dups, r.from[0].Count())
	}
}

// TestOutageLog: windows open at the first failure and close at the first
// success begun after it; results that come back out of order (several
// workers) are booked where they began; a failure within outageJoin of a
// window's end reopens it; past maxOutages the rest are summed into the last.
func TestOutageLog(t *testing.T) {
	ms := func(v int) time.Duration { return time.Duration(v) * time.Millisecond }
	var l outageLog
	l.ok(ms(1))
	l.failed(ms(100))
	l.ok(ms(99)) // a straggler begun before the window: it stays open
	l.failed(ms(98))
	l.ok(ms(150))
	l.failed(ms(140)) // began before the success that closed it
	l.failed(ms(300)) // a stale pooled connection failing after the server is back
	l.ok(ms(310))
	l.failed(ms(310 + 1500))
	got := l.report()
	if len(got) != 2 || got[0].FromMs != 98 || got[0].ToMs == nil || *got[0].ToMs != 310 || got[0].Failed != 4 ||
		got[1].FromMs != 1810 || got[1].ToMs != nil || got[1].Failed != 1 {
		t.Fatalf("windows %+v (%s)", got, outagesText(got))
	}
	var flap outageLog
	gap := 2 * outageJoin
	for i := range 3 * maxOutages {
		flap.failed(time.Duration(i) * gap)
		flap.ok(time.Duration(i)*gap + ms(5))
	}
	got = flap.report()
	if len(got) != maxOutages || got[maxOutages-1].Failed != 2*maxOutages+1 ||
		*got[maxOutages-1].ToMs != (time.Duration(3*maxOutages-1)*gap+ms(5)).Milliseconds() {
		t.Errorf("a flapping link: %d windows, the last %+v; want %d, holding the rest", len(got), got[len(got)-1], maxOutages)
	}
}
