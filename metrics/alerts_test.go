package metrics_test

import (
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bridgescope/bridgescope/metrics"
)

var t0 = time.Date(2025, 10, 17, 12, 0, 0, 0, time.UTC)

func sec(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// p99Rule is a latency rule in ms-sized µs values with a 3 s hold.
func p99Rule(hold time.Duration, hyst float64) metrics.Rule {
	return metrics.Rule{Name: "p99", Warn: 100, Crit: 500, Above: true, Hold: hold, Hysteresis: hyst, Unit: "µs"}
}

// feed observes values one second apart from second start and returns the
// levels returned.
func feed(e *metrics.Engine, start int, subject string, values ...float64) []metrics.Level {
	var out []metrics.Level
	for i, v := range values {
		out = append(out, e.Observe(sec(start+i), "p99", subject, v))
	}
	return out
}

func TestEngineHoldIgnoresOneBadSecond(t *testing.T) {
	e := metrics.NewEngine([]metrics.Rule{p99Rule(3*time.Second, 0)}, 10)
	feed(e, 0, "a", 50, 900, 50, 50, 600, 600, 50, 50)
	if len(e.History()) != 0 || len(e.Active(time.Time{})) != 0 {
		t.Fatalf("short spikes raised: history %v", e.History())
	}
	// Bad from second 10: held 3 s at second 13.
	got := feed(e, 10, "a", 200, 200, 200, 200)
	want := []metrics.Level{metrics.OK, metrics.OK, metrics.OK, metrics.Warn}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("levels (-want +got):\n%s", d)
	}
	if a := e.Active(time.Time{}); len(a) != 1 || !a[0].Since.Equal(sec(13)) {
		t.Errorf("Active = %+v, want one WARN since second 13", a)
	}
}

func TestEngineHysteresisPreventsFlapping(t *testing.T) {
	wobble := []float64{101, 99, 102, 98, 101, 97, 103, 99, 101, 95}
	flappy := metrics.NewEngine([]metrics.Rule{p99Rule(0, 0)}, 100)
	feed(flappy, 0, "a", wobble...)
	if n := len(flappy.History()); n != len(wobble) {
		t.Fatalf("without hysteresis: %d changes, want %d (the test wobbles across the threshold)", n, len(wobble))
	}

	e := metrics.NewEngine([]metrics.Rule{p99Rule(0, 10)}, 100)
	feed(e, 0, "a", wobble...)
	want := []metrics.AlertChange{{At: sec(0), Rule: "p99", Instance: "a", From: metrics.OK, To: metrics.Warn, Value: 101}}
	if d := cmp.Diff(want, e.History()); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
	if a := e.Active(time.Time{}); len(a) != 1 || !strings.Contains(a[0].Message, "recovering") {
		t.Errorf("Active = %+v, want a WARN recovering", a)
	}
	feed(e, 20, "a", 90) // 10 back inside the threshold: clear
	if l := e.Level("a"); l != metrics.OK {
		t.Errorf("level after 90 = %v, want OK", l)
	}
}

func TestEngineTransitions(t *testing.T) {
	e := metrics.NewEngine([]metrics.Rule{p99Rule(2*time.Second, 5)}, 100)
	//               0    1    2    3    4    5    6    7    8    9   10   11   12
	feed(e, 0, "i1", 200, 200, 200, 700, 700, 700, 300, 300, 300, 300, 20, 20, 20)
	want := []metrics.AlertChange{ // newest first
		{At: sec(12), Rule: "p99", Instance: "i1", From: metrics.Warn, To: metrics.OK, Value: 20},
		{At: sec(8), Rule: "p99", Instance: "i1", From: metrics.Crit, To: metrics.Warn, Value: 300},
		{At: sec(5), Rule: "p99", Instance: "i1", From: metrics.Warn, To: metrics.Crit, Value: 700},
		{At: sec(2), Rule: "p99", Instance: "i1", From: metrics.OK, To: metrics.Warn, Value: 200},
	}
	if d := cmp.Diff(want, e.History()); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}

	// Straight from OK to CRIT is one change, not two.
	feed(e, 20, "i2", 900, 900, 900)
	if h := e.History(); h[0].From != metrics.OK || h[0].To != metrics.Crit || !h[0].At.Equal(sec(22)) {
		t.Errorf("newest change %+v, want OK→CRIT at second 22", h[0])
	}
}

func TestEngineSkipPausesHold(t *testing.T) {
	e := metrics.NewEngine([]metrics.Rule{p99Rule(3*time.Second, 0)}, 10)
	feed(e, 0, "a", 200, 200) // 1 s of hold
	for range 4 {
		e.Skip("p99", "a")
	}
	e.Observe(sec(6), "p99", "a", math.NaN()) // NaN is a skip too
	if l := feed(e, 7, "a", 200, 200); l[1] != metrics.OK {
		t.Fatalf("raised at second 8 though only 2 s of data held")
	}
	if l := e.Observe(sec(9), "p99", "a", 200); l != metrics.Warn {
		t.Errorf("level at second 9 = %v, want WARN after 3 s of data", l)
	}
}

func TestEngineForget(t *testing.T) {
	e := metrics.NewEngine(metrics.DefaultThresholds().Rules(), 10)
	e.Observe(t0, "self_received", "gone", 1)
	e.Observe(t0, "errors", "gone", 2)
	e.Observe(t0, "errors", "stays", 2)
	if e.Level("gone") != metrics.Crit || len(e.History()) != 3 {
		t.Fatalf("setup: level %v, history %v", e.Level("gone"), e.History())
	}
	e.Forget("gone")
	if e.Level("gone") != metrics.OK || len(e.History()) != 3 {
		t.Errorf("after Forget: level %v, %d changes; want OK and no new change", e.Level("gone"), len(e.History()))
	}
	if a := e.Active(time.Time{}); len(a) != 1 || a[0].Instance != "stays" {
		t.Errorf("Active = %+v, want only the other instance", a)
	}
	e.Reset()
	if len(e.Active(time.Time{}))+len(e.History()) != 0 {
		t.Error("Reset kept state")
	}
}

func TestThresholdRules(t *testing.T) {
	e := metrics.NewEngine(metrics.DefaultThresholds().Rules(), 100)
	obs := func(s int, rule, subj string, v float64) metrics.Level { return e.Observe(sec(s), rule, subj, v) }
	for _, tc := range []struct {
		s          int
		rule, subj string
		v          float64
		want       metrics.Level
	}{
		{0, "self_received", "a", 1, metrics.Crit}, // no hold for events
		{0, "collision", "a", 0, metrics.OK},
		{0, "errors", "b", 3, metrics.Warn},
		{0, "redis_disconnected", "", 0, metrics.OK},
		{1, "redis_disconnected", "", 0.2, metrics.Warn}, // WARN as soon as it is down
		{31, "redis_disconnected", "", 30, metrics.Warn}, // strict: 30 s is not > 30 s
		{32, "redis_disconnected", "", 31, metrics.Crit},
		{0, "silent", "c", 10, metrics.OK},
		{1, "silent", "c", 11, metrics.Warn},
		{0, "delivery", "d", 95, metrics.OK}, // strict: 95 % is not < 95 %
		{1, "delivery", "d", 88.2, metrics.OK},
		{4, "delivery", "d", 88.2, metrics.Crit}, // 3 s hold
		{0, "p99", "e", 100_000, metrics.OK},     // 100ms in µs, not > 100ms
	} {
		if got := obs(tc.s, tc.rule, tc.subj, tc.v); got != tc.want {
			t.Errorf("second %d %s[%s] = %v: got %v, want %v", tc.s, tc.rule, tc.subj, tc.v, got, tc.want)
		}
	}
	// Events rise at once but fall only after the hold.
	if obs(2, "self_received", "a", 0) != metrics.Crit || obs(5, "self_received", "a", 0) != metrics.OK {
		t.Error("self_received did not hold 3 s before clearing")
	}
	msgs := map[string]string{}
	for _, a := range e.Active(time.Time{}) {
		msgs[a.Rule] = a.Message
	}
	want := map[string]string{
		"delivery":           "delivery 88.2% < 90%",
		"errors":             "errors 3 > 0",
		"redis_disconnected": "redis_disconnected 31s > 30s",
		"silent":             "silent 11s > 10s",
	}
	if d := cmp.Diff(want, msgs); d != "" {
		t.Errorf("messages (-want +got):\n%s", d)
	}
	if a := e.Active(time.Time{}); a[0].Level != metrics.Crit || a[len(a)-1].Level != metrics.Warn {
		t.Errorf("Active not worst first: %+v", a)
	}
	if e.Observe(t0, "no_such_rule", "x", 1e9) != metrics.OK {
		t.Error("unknown rule raised")
	}
}

func TestEngineActiveOrderAndHistoryCap(t *testing.T) {
	e := metrics.NewEngine([]metrics.Rule{p99Rule(0, 0)}, 3)
	e.Observe(sec(0), "p99", "old-warn", 200)
	e.Observe(sec(1), "p99", "new-warn", 200)
	e.Observe(sec(2), "p99", "crit", 900)
	e.Observe(sec(3), "p99", "crit", 50)
	e.Observe(sec(4), "p99", "crit", 900)
	var order []string
	for _, a := range e.Active(time.Time{}) {
		order = append(order, a.Instance)
	}
	if d := cmp.Diff([]string{"crit", "old-warn", "new-warn"}, order); d != "" {
		t.Errorf("Active order (-want +got):\n%s", d)
	}
	h := e.History()
	if len(h) != 3 || !h[0].At.Equal(sec(4)) || !h[2].At.Equal(sec(2)) {
		t.Errorf("History = %+v, want the 3 newest, newest first", h)
	}
}

func TestEngineConcurrentUse(t *testing.T) {
	e := metrics.NewEngine(metrics.DefaultThresholds().Rules(), 50)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				e.Observe(sec(i), "delivery", string(rune('a'+g)), float64(80+i%30))
				_ = e.Active(time.Time{})
				_ = e.Level("a")
			}
		})
	}
	wg.Wait()
	if len(e.History()) == 0 {
		t.Error("no changes recorded")
	}
}

func BenchmarkEngineObserve(b *testing.B) {
	e := metrics.NewEngine(metrics.DefaultThresholds().Rules(), 256)
	subjects := []string{"i0", "i1", "i2", "i3", "i4"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Observe(t0.Add(time.Duration(i)*time.Second), "delivery", subjects[i%5], float64(85+i%15))
	}
}

// TestEngineRisingIsSaid: a value past a worse level's threshold that the
// hold has not raised yet is judged "rising", with the time left, so an OK
// beside a p99 of 200 ms is explained; a value past CRIT says CRIT.
func TestEngineRisingIsSaid(t *testing.T) {
	e := metrics.NewEngine([]metrics.Rule{p99Rule(3*time.Second, 0)}, 10)
	feed(e, 0, "a", 50, 200)
	want := metrics.Judgement{Level: metrics.OK, Rising: metrics.Warn, RisesInMs: 2500}
	if got := e.Judgements("a", sec(1).Add(500*time.Millisecond))["p99"]; got != want {
		t.Errorf("past WARN for 0.5 s of a 3 s hold: %+v, want %+v", got, want)
	}
	feed(e, 2, "a", 900)
	want = metrics.Judgement{Level: metrics.OK, Rising: metrics.Crit, RisesInMs: 3000}
	if got := e.Judgements("a", sec(2))["p99"]; got != want {
		t.Errorf("past CRIT just now: %+v, want %+v", got, want)
	}
	feed(e, 3, "a", 200, 200)
	want = metrics.Judgement{Level: metrics.Warn}
	if got := e.Judgements("a", sec(4))["p99"]; got != want {
		t.Errorf("held past WARN for 3 s: %+v, want %+v", got, want)
	}
	feed(e, 5, "a", 50)
	if got := e.Judgements("a", sec(5))["p99"]; got.Rising != metrics.OK || !got.Clearing {
		t.Errorf("back under WARN: %+v, want clearing and not rising", got)
	}
}
