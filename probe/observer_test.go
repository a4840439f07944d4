package probe

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

func fastBridge(url, id string) bridge.Config {
	return bridge.Config{
		Conn: bridge.ConnConfig{URL: url}, InstanceID: id,
		PingInterval: 200 * time.Millisecond, BackoffMin: 50 * time.Millisecond, BackoffMax: 300 * time.Millisecond,
	}
}

// startAgent runs a cooperating instance in this process.
func startAgent(t *testing.T, url, id string, opt AttachOptions) (*bridge.Bridge, *Agent) {
	t.Helper()
	b, err := bridge.New(fastBridge(url, id))
	if err != nil {
		t.Fatal(err)
	}
	opt.Interval = 200 * time.Millisecond
	a := Attach(b, opt)
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.Run()
	return b, a
}

func rowOf(s metrics.Snapshot, id string) (metrics.InstanceRow, bool) {
	for _, in := range s.Instances {
		if in.ID == id {
			return in, true
		}
	}
	return metrics.InstanceRow{}, false
}

func alertOf(s metrics.Snapshot, rule, id string) metrics.Level {
	for _, a := range s.Alerts {
		if a.Rule == rule && a.Instance == id {
			return a.Level
		}
	}
	return metrics.OK
}

func TestObserverWithAgents(t *testing.T) {
	srv := bridgetest.Start(t)
	th := metrics.DefaultThresholds()
	th.SilentWarn = metrics.Duration(time.Second)
	th.Hold = metrics.Duration(500 * time.Millisecond)
	// Latency is not under test here, and a loaded CI machine is slow.
	th.P99Warn, th.P99Crit = metrics.Duration(5*time.Second), metrics.Duration(10*time.Second)
	o, err := NewObserver(ObserverConfig{
		Conn: bridge.ConnConfig{URL: srv.URL()}, ID: "obs", ProbeRate: 100, Thresholds: th,
		LateAfter: 2 * time.Second, Bridge: fastBridge("", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer o.Stop()
	good, goodA := startAgent(t, srv.URL(), "good", AttachOptions{})
	lossy, lossyA := startAgent(t, srv.URL(), "lossy", AttachOptions{TestDropAck: DropEvery(10)})
	doomed, doomedA := startAgent(t, srv.URL(), "doomed", AttachOptions{})
	defer doomedA.Stop(context.Background()) // its bridge is closed by then: the final report cannot go out
	defer func() {
		goodA.Stop(context.Background())
		good.Close()
		lossyA.Stop(context.Background())
		lossy.Close()
	}()

	for i := 0; i < 20; i++ { // ordinary traffic, seen passively
		if _, err := good.Publish(context.Background(), bridge.DefaultChannel, "ticker", map[string]int{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(4 * time.Second)
	s := o.Snapshot()
	g, ok := rowOf(s, "good")
	if !ok || g.Delivery != 100 || g.RTT.Count < 200 || g.RTT.P50 <= 0 || g.Role != "agent" {
		t.Errorf("good: %+v", g)
	}
	l, _ := rowOf(s, "lossy")
	if math.Abs(l.Delivery-90) > 2 || alertOf(s, "delivery", "lossy") == metrics.OK {
		t.Errorf("lossy: delivery %.2f%%, alert %s; want 90%% ± 2 and an alert", l.Delivery, alertOf(s, "delivery", "lossy"))
	}
	var src *metrics.SourceRow
	for i := range s.Sources {
		if s.Sources[i].ID == "good" {
			src = &s.Sources[i]
		}
	}
	if src == nil || src.Events != 20 || !src.HasSeq || src.Gaps != 0 {
		t.Errorf("source good: %+v", src)
	}

	// A killed instance goes silent; a gracefully stopped one leaves.
	doomed.Close() // no final report: as kill -9 would
	lossyA.Stop(context.Background())
	time.Sleep(2500 * time.Millisecond)
	s = o.Snapshot()
	if lvl := alertOf(s, "silent", "doomed"); lvl != metrics.Warn {
		t.Errorf("killed instance: silent alert %s, want WARN; alerts %+v", lvl, s.Alerts)
	}
	for _, a := range s.Alerts {
		if a.Instance == "lossy" {
			t.Errorf("gracefully stopped instance still alerting: %+v", a)
		}
	}
	if l, _ := rowOf(s, "lossy"); !l.Left {
		t.Errorf("lossy not marked as left")
	}
	if _, err := json.Marshal(s); err != nil {
		t.Errorf("snapshot does not marshal: %v", err)
	}
}

func TestObserverControls(t *testing.T) {
	srv := bridgetest.Start(t)
	o, err := NewObserver(ObserverConfig{Conn: bridge.ConnConfig{URL: srv.URL()}, ID: "obs", ProbeRate: 50})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer o.Stop()
	if got := o.SetProbeRate(1e9); got != MaxProbeRate {
		t.Errorf("rate clamped to %g, want %g", got, float64(MaxProbeRate))
	}
	o.SetProbeRate(50)
	o.SetPaused(true)
	time.Sleep(100 * time.Millisecond)
	before := o.b.Stats().Published[bridge.DefaultChannel]
	time.Sleep(300 * time.Millisecond)
	if after := o.b.Stats().Published[bridge.DefaultChannel]; after != before {
		t.Errorf("paused observer published %d probes", after-before)
	}
	o.SetPaused(false)
	time.Sleep(300 * time.Millisecond)
	if after := o.b.Stats().Published[bridge.DefaultChannel]; after < before+5 {
		t.Errorf("resumed observer published only %d probes in 300ms at 50/s", after-before)
	}
	if s := o.Snapshot(); s.Paused || s.ProbeRate != 50 || s.Conn != "connected" {
		t.Errorf("snapshot header: paused %v rate %g conn %s", s.Paused, s.ProbeRate, s.Conn)
	}
	if _, err := NewObserver(ObserverConfig{Channels: []string{"bridge:*"}}); err == nil {
		t.Error("an observer with only a pattern and no probe channel was accepted")
	}
}

// TestRateLadderComesBack (issue 10.6): - and + step through the configured
// rate times powers of two, so steps down and up again return to it, the
// ladder stops at the bounds without leaving it, and Reset returns at once.
func TestRateLadderComesBack(t *testing.T) {
	o, err := NewObserver(ObserverConfig{Conn: bridge.ConnConfig{URL: "redis://127.0.0.1:1"}, ID: "obs", ProbeRate: 10})
	if err != nil {
		t.Fatal(err)
	}
	var down []float64
	for range 6 {
		down = append(down, o.StepProbeRate(-1))
	}
	if want := []float64{5, 2.5, 1.25, 0.625, 0.625, 0.625}; !slices.Equal(down, want) {
		t.Errorf("stepping down from 10: %v, want %v (0.3125 is below the minimum: stay)", down, want)
	}
	var up []float64
	for range 5 {
		up = append(up, o.StepProbeRate(+1))
	}
	if want := []float64{1.25, 2.5, 5, 10, 20}; !slices.Equal(up, want) {
		t.Errorf("stepping up again: %v, want %v", up, want)
	}
	for range 20 {
		o.StepProbeRate(+1)
	}
	if r := o.ProbeRate(); r != 640 {
		t.Errorf("at the top: %g, want 640 (1280 is above the maximum)", r)
	}
	if r := o.ResetProbeRate(); r != 10 || o.StepProbeRate(-1) != 5 {
		t.Errorf("reset: %g, then one step down %g; want 10 and 5", r, o.ProbeRate())
	}
	o.b.Close()
}
