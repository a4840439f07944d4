package harness

import (
	"context"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe"
)

// TestPauseAndSleepLatency (issue 4, fault 8): CLIENT PAUSE 5000 WRITE and
// DEBUG SLEEP 3 during a harness run that an observer watches. The
// instances' publishes time out after 1s. What Redis does with them
// differs, and the accounting follows it exactly:
//
//   - pause: a PUBLISH waits, unexecuted, until the pause ends; go-redis
//     closes the connection on the timeout and Redis drops the waiting
//     command: failed, never delivered.
//   - sleep: the server executes the PUBLISH it read once it wakes up,
//     though the client gave up: failed, and delivered anyway — counted
//     once as received, never as published, never as a duplicate.
//
// The latency spike shows in the harness's latency (the delivered-anyway
// events) and in the observer's probe round trips (its publishes wait
// longer than the fault).
func TestPauseAndSleepLatency(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	o := patientObserver(t, srv.URL())
	defer o.Stop()
	cfg := harnessConfig(srv.URL(), 3, 10500*time.Millisecond, 50)
	cfg.Attach = true
	// Subscriptions outlive a 3s sleep; publishes give up after 1s.
	cfg.Bridge = bridge.Config{PingInterval: time.Second, PingTimeout: 6 * time.Second, CommandTimeout: time.Second}
	fr, err := RunFaults(context.Background(), cfg, []Fault{
		{Kind: FaultPause, At: 500 * time.Millisecond, For: 5 * time.Second},
		{Kind: faultDebugSleep, At: 6500 * time.Millisecond, For: 3 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := fr.Report(metrics.DefaultThresholds())
	pause, sleep := fr.Faults[0], fr.Faults[1]
	if pause.Error != "" || sleep.Error != "" {
		t.Fatalf("not injected: %q %q", pause.Error, sleep.Error)
	}
	if pause.PublishErrors == 0 || pause.DeliveredAnyway != 0 || pause.Lost != 0 || pause.Reconnects != 0 {
		t.Errorf("pause: %+v; want failed publishes, none delivered, no loss, no reconnect", pause)
	}
	if sleep.PublishErrors == 0 || sleep.DeliveredAnyway == 0 || sleep.Lost != 0 || sleep.Reconnects != 0 {
		t.Errorf("sleep: %+v; want failed publishes delivered anyway, no loss, no reconnect", sleep)
	}
	for _, f := range fr.Faults {
		// Detection is a publish stalled 250ms; the injector stamps At just
		// before its command lands, so allow a little either side.
		if !within(f.DetectedMs, f.AtMs+200, f.AtMs+600) || !within(f.RecoveredMs, f.AtMs+f.ForMs-50, f.AtMs+f.ForMs+1000) {
			t.Errorf("%s: detected %v, recovered %v", f.Spec, msOrNever(f.DetectedMs), msOrNever(f.RecoveredMs))
		}
	}
	checkNoDoubleCount(t, fr, r)
	if r.LatencyUs.Max < 2e6 {
		t.Errorf("harness latency max %s: the sleep's spike does not show", metrics.FormatUs(r.LatencyUs.Max))
	}
	worst := 0.0
	for _, in := range o.Snapshot().Instances {
		worst = max(worst, in.RTT.Max)
	}
	if worst < 2.5e6 {
		t.Errorf("observer RTT max %s: the spike does not show", metrics.FormatUs(worst))
	}
	t.Logf("pause 5s: detected +%dms, recovered +%dms, %d publishes failed; sleep 3s: detected +%dms, recovered +%dms, "+
		"%d failed, %d delivered anyway; harness latency max %s, observer RTT max %s",
		*pause.DetectedMs-pause.AtMs, *pause.RecoveredMs-pause.AtMs, pause.PublishErrors,
		*sleep.DetectedMs-sleep.AtMs, *sleep.RecoveredMs-sleep.AtMs, sleep.PublishErrors, sleep.DeliveredAnyway,
		metrics.FormatUs(r.LatencyUs.Max), metrics.FormatUs(worst))
}

// patientObserver waits out a 5s pause: its probes' PUBLISH and its
// liveness check outlast the faults, so their round trips show the spike.
func patientObserver(t *testing.T, url string) *probe.Observer {
	t.Helper()
	obc := bridge.Config{PingInterval: time.Second, PingTimeout: 8 * time.Second, CommandTimeout: 8 * time.Second}
	o, err := probe.NewObserver(probe.ObserverConfig{Conn: bridge.ConnConfig{URL: url}, ID: "obs", ProbeRate: 10,
		Thresholds: metrics.DefaultThresholds(), LateAfter: 8 * time.Second, Bridge: obc})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return o
}

// checkNoDoubleCount: each event counts once at most per receiver, even
// those whose publish failed, and never as a duplicate.
func checkNoDoubleCount(t *testing.T, fr FaultRun, r report.ValidateReport) {
	t.Helper()
	pause, sleep := fr.Faults[0], fr.Faults[1]
	failed := pause.PublishErrors + sleep.PublishErrors
	// Expected counts every attempt; a failed publish delivered anyway reached one instance at least.
	if r.Duplicates != 0 || r.Received > r.Expected || r.Received < r.Expected-2*failed+sleep.DeliveredAnyway {
		t.Errorf("received %d of expected %d with %d failed publishes (%d delivered anyway), duplicates %d",
			r.Received, r.Expected, failed, sleep.DeliveredAnyway, r.Duplicates)
	}
	for s, row := range fr.Input.Matrix {
		for i, got := range row {
			if i != s && got > fr.Input.Published[s]+failed {
				t.Errorf("instance %d got %d events from %d, which attempted at most %d", i, got, s, fr.Input.Published[s]+failed)
			}
		}
	}
}
