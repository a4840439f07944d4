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
)

// fastHarness is a fault run's config: a liveness check and backoff quick
// enough that a test sees detection and recovery within a second.
func fastHarness(url string, d time.Duration, rate float64) Config {
	cfg := harnessConfig(url, 3, d, rate)
	cfg.Drain = time.Second
	cfg.Bridge = bridge.Config{
		PingInterval: 200 * time.Millisecond, BackoffMin: 50 * time.Millisecond, BackoffMax: 300 * time.Millisecond,
		DialTimeout: time.Second, CommandTimeout: time.Second,
	}
	return cfg
}

func faults(t *testing.T, specs ...string) []Fault {
	t.Helper()
	var out []Fault
	for _, s := range specs {
		f, err := ParseFault(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

func within(ms *int64, lo, hi int64) bool { return ms != nil && *ms >= lo && *ms <= hi }

// checkGroundTruth: the loss the fault books find, inside and outside the
// windows, is the report's loss, and every window's counts are whole.
func checkGroundTruth(t *testing.T, fr FaultRun) report.ValidateReport {
	t.Helper()
	r := fr.Report(metrics.DefaultThresholds())
	if got := fr.Loss.InWindows + fr.Loss.Outside + fr.Loss.Unpublished; got != r.Lost {
		t.Errorf("ground truth loses %d (%d in windows, %d outside, %d of failed publishes), the report %d",
			got, fr.Loss.InWindows, fr.Loss.Outside, fr.Loss.Unpublished, r.Lost)
	}
	var in int64
	for _, f := range fr.Faults {
		in += f.Lost
		if f.Expected != 2*f.Published || f.Lost > f.Expected || f.Error != "" {
			t.Errorf("%s: published %d, expected %d, lost %d, error %q", f.Spec, f.Published, f.Expected, f.Lost, f.Error)
		}
	}
	if in != fr.Loss.InWindows {
		t.Errorf("windows lose %d together, InWindows says %d", in, fr.Loss.InWindows)
	}
	if r.Duplicates != 0 {
		t.Errorf("duplicates %d, want 0", r.Duplicates)
	}
	return r
}

// TestFaultRunKillAndPause: killing the subscriptions costs each instance
// exactly one reconnect and loses only inside the fault's window; a pause
// shorter than the command timeout loses nothing and shows as stalled
// publishes, recovered once it ends.
func TestFaultRunKillAndPause(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	cfg := fastHarness(srv.URL(), 3*time.Second, 200)
	var log syncBuffer
	cfg.Log = &log
	fr, err := RunFaults(context.Background(), cfg, faults(t, "pause@1500ms:500ms", "kill-subscribers@500ms"))
	if err != nil {
		t.Fatal(err)
	}
	checkGroundTruth(t, fr)
	if len(fr.Faults) != 2 {
		t.Fatalf("faults %+v", fr.Faults)
	}
	kill, pause := fr.Faults[0], fr.Faults[1]
	if kill.Name != "kill-subscribers" || !within(kill.DetectedMs, kill.AtMs, kill.AtMs+300) ||
		!strings.HasSuffix(kill.DetectedBy, "subscription left connected") ||
		!within(kill.RecoveredMs, *kill.DetectedMs, kill.AtMs+1500) || kill.Reconnects != 3 {
		t.Errorf("kill-subscribers: %+v (detected %v, recovered %v)", kill, msOrNever(kill.DetectedMs), msOrNever(kill.RecoveredMs))
	}
	if fr.Loss.Outside != 0 {
		t.Errorf("%d deliveries lost outside the fault windows", fr.Loss.Outside)
	}
	if pause.Name != "pause" || pause.ForMs != 500 || !within(pause.DetectedMs, pause.AtMs+200, pause.AtMs+600) ||
		!strings.Contains(pause.DetectedBy, "publish stalled") || !within(pause.RecoveredMs, pause.AtMs+450, pause.AtMs+1200) ||
		pause.Lost != 0 || pause.PublishErrors != 0 || pause.Reconnects != 0 {
		t.Errorf("pause: %+v (detected %v, recovered %v)", pause, msOrNever(pause.DetectedMs), msOrNever(pause.RecoveredMs))
	}
	if !strings.Contains(log.String(), "fault kill-subscribers@500ms: injected at") {
		t.Errorf("log lacks the injection:\n%s", log.String())
	}
	t.Logf("kill: detected +%dms, recovered +%dms, lost %d of %d; pause: detected +%dms, recovered +%dms",
		*kill.DetectedMs-kill.AtMs, *kill.RecoveredMs-kill.AtMs, kill.Lost, kill.Expected,
		*pause.DetectedMs-pause.AtMs, *pause.RecoveredMs-pause.AtMs)
}

// TestFaultRunBlackhole: the run goes through the proxy; a black hole
// longer than the liveness timeout is detected, every subscription is
// declared dead and resubscribes, and deliveries flow again after it.
func TestFaultRunBlackhole(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	cfg := fastHarness(srv.URL(), 4*time.Second, 100)
	fr, err := RunFaults(context.Background(), cfg, faults(t, "proxy-blackhole@500ms:1s"))
	if err != nil {
		t.Fatal(err)
	}
	r := checkGroundTruth(t, fr)
	f := fr.Faults[0]
	if !within(f.DetectedMs, f.AtMs, f.AtMs+600) || !within(f.RecoveredMs, f.AtMs+1000, f.AtMs+3000) || f.Reconnects < 3 {
		t.Errorf("black hole: %+v (detected %v, recovered %v)", f, msOrNever(f.DetectedMs), msOrNever(f.RecoveredMs))
	}
	if r.Redis != srv.URL() || !r.Proxy || r.Transport != "pubsub" {
		t.Errorf("report names %q via %q (proxy %v), want the server's own URL, pubsub and the proxy", r.Redis, r.Transport, r.Proxy)
	}
	t.Logf("black hole: detected +%dms (%s), recovered +%dms, lost %d of %d, %d publish errors, %d reconnects",
		*f.DetectedMs-f.AtMs, f.DetectedBy, *f.RecoveredMs-f.AtMs, f.Lost, f.Expected, f.PublishErrors, f.Reconnects)
}

// TestFaultRunNeedsRights: a user who may publish and subscribe but not
// kill or pause clients is told so, with the ACL rule to grant, before
// anything is published, and without its password.
func TestFaultRunNeedsRights(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	srv.Do(t, "ACL", "SETUSER", "bot", "on", ">s3cret-pw", "resetchannels", "&bridge:*", "-@all",
		"+publish", "+subscribe", "+ping", "+client|setname", "+client|list")
	url := "redis://bot:s3cret-pw@" + srv.Addr()
	for spec, want := range map[string]string{
		"kill-subscribers@1s": "fault kill-subscribers needs CLIENT KILL on redis://bot:xxxxx@" + srv.Addr() + ", and this user may not run it (grant it +client|kill",
		"pause@500ms:500ms":   "fault pause needs CLIENT PAUSE on redis://bot:xxxxx@" + srv.Addr() + ", and this user may not run it (grant it +client|pause",
	} {
		begun := time.Now()
		_, err := RunFaults(context.Background(), fastHarness(url, 2*time.Second, 50), faults(t, spec))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "NOPERM") ||
			strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("%s: error %v, want one containing %q and NOPERM, without the password", spec, err, want)
		}
		if took := time.Since(begun); took > time.Second {
			t.Errorf("%s: refused after %v: the preflight must come before the run", spec, took)
		}
	}
	// proxy-blackhole needs no rights: the proxy is ours.
	fr, err := RunFaults(context.Background(), fastHarness(url, 1500*time.Millisecond, 50), faults(t, "proxy-blackhole@500ms:200ms"))
	if err != nil || len(fr.Faults) != 1 || fr.Faults[0].Error != "" {
		t.Errorf("proxy-blackhole as a minimal user: %v %+v", err, fr.Faults)
	}
	if _, err := RunFaults(context.Background(), fastHarness(url, time.Second, 50), faults(t, "pause@1s:1s")); err == nil ||
		!strings.Contains(err.Error(), "starts at or after the end of publishing") {
		t.Errorf("a fault after the run: %v", err)
	}
}
