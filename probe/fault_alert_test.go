package probe

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

// alertWatch polls an observer's snapshots and notes when the observer-wide
// "redis_disconnected" alert first reached each level.
type alertWatch struct {
	o     *Observer
	first map[metrics.Level]time.Time
	last  metrics.Snapshot
}

func newAlertWatch(o *Observer) *alertWatch {
	return &alertWatch{o: o, first: map[metrics.Level]time.Time{}}
}

// until polls every 50ms until cond holds of the latest snapshot, or
// fails t after limit.
func (w *alertWatch) until(t *testing.T, what string, limit time.Duration, cond func(metrics.Snapshot, metrics.Level) bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		now := time.Now()
		w.last = w.o.Snapshot()
		lvl := alertOf(w.last, "redis_disconnected", "")
		if _, seen := w.first[lvl]; !seen {
			w.first[lvl] = now
		}
		if cond(w.last, lvl) {
			return now
		}
		if now.After(deadline) {
			t.Fatalf("%s: not within %v; conn %s, alerts %+v, notes %q", what, limit, w.last.Conn, w.last.Alerts, w.last.Notes)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func agingObserver(t *testing.T, url string, crit time.Duration) *Observer {
	t.Helper()
	th := metrics.DefaultThresholds()
	th.DisconnectedCrit = metrics.Duration(crit)
	th.Hold = metrics.Duration(300 * time.Millisecond)
	bc := fastBridge("", "")
	bc.DialTimeout, bc.CommandTimeout = 500*time.Millisecond, 500*time.Millisecond
	o, err := NewObserver(ObserverConfig{Conn: bridge.ConnConfig{URL: url}, ID: "obs", ProbeRate: 5,
		Thresholds: th, Refresh: 100 * time.Millisecond, Bridge: bc})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestFreezeAgesDisconnectedAlert (issue 4, fault 4): a SIGSTOPped server
// answers nothing; the observer's liveness check marks its subscription
// dead, the "redis_disconnected" alert is WARN at once and CRIT once the
// subscription has been down longer than --disconnected-crit, and it
// clears after the thaw, once the hold has passed.
func TestFreezeAgesDisconnectedAlert(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	const crit = 2 * time.Second
	o := agingObserver(t, srv.URL(), crit)
	defer o.Stop()
	w := newAlertWatch(o)
	w.until(t, "connected and quiet", 3*time.Second, func(s metrics.Snapshot, l metrics.Level) bool {
		return s.Conn == "connected" && l == metrics.OK
	})

	srv.Freeze(t)
	frozen := time.Now()
	warnAt := w.until(t, "WARN while frozen", 3*time.Second, func(_ metrics.Snapshot, l metrics.Level) bool { return l == metrics.Warn })
	down := w.last.ConnSince
	// The liveness check: one idle interval, then PingTimeout (3 intervals).
	if took := down.Sub(frozen); took > 4*200*time.Millisecond+300*time.Millisecond {
		t.Errorf("frozen server noticed after %v", took)
	}
	critAt := w.until(t, "CRIT while frozen", crit+2*time.Second, func(_ metrics.Snapshot, l metrics.Level) bool { return l == metrics.Crit })
	if aged := critAt.Sub(down); aged < crit || aged > crit+500*time.Millisecond {
		t.Errorf("CRIT %v after the subscription went down, want just past %v", aged, crit)
	}
	srv.Thaw(t)
	thawed := time.Now()
	clearAt := w.until(t, "clear after thaw", 3*time.Second, func(s metrics.Snapshot, l metrics.Level) bool {
		return s.Conn == "connected" && l == metrics.OK
	})
	if back := clearAt.Sub(w.last.ConnSince); back < 300*time.Millisecond {
		t.Errorf("alert cleared %v after reconnecting, before the %v hold", back, 300*time.Millisecond)
	}
	t.Logf("frozen: down after %v, WARN +%v, CRIT +%v (down %v); thawed: clear after %v",
		down.Sub(frozen).Round(time.Millisecond), warnAt.Sub(frozen).Round(time.Millisecond),
		critAt.Sub(frozen).Round(time.Millisecond), critAt.Sub(down).Round(time.Millisecond),
		clearAt.Sub(thawed).Round(time.Millisecond))
}

// TestACLRevokeRaisesDisconnectedAlert (issue 4, fault 9): revoking the
// observer's channels mid-run kills its subscription and every resubscribe
// gets NOPERM; instead of going silent the observer raises
// "redis_disconnected" (WARN, then CRIT), says why, and clears once the
// permission is back.
func TestACLRevokeRaisesDisconnectedAlert(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	srv.Do(t, "ACL", "SETUSER", "watcher", "reset", "on", ">pw", "resetchannels", "&bridge:*", "-@all",
		"+publish", "+subscribe", "+psubscribe", "+unsubscribe", "+punsubscribe", "+ping", "+client|setname", "+client|list")
	const crit = time.Second
	o := agingObserver(t, "redis://watcher:pw@"+srv.Addr(), crit)
	defer o.Stop()
	w := newAlertWatch(o)
	w.until(t, "connected", 3*time.Second, func(s metrics.Snapshot, l metrics.Level) bool { return s.Conn == "connected" })

	srv.Do(t, "ACL", "SETUSER", "watcher", "resetchannels")
	w.until(t, "WARN with NOPERM", 3*time.Second, func(s metrics.Snapshot, l metrics.Level) bool {
		return l == metrics.Warn && hasNote(s, "cannot use Redis at "+srv.Addr()+": permission denied", "NOPERM")
	})
	w.until(t, "CRIT", crit+2*time.Second, func(_ metrics.Snapshot, l metrics.Level) bool { return l == metrics.Crit })
	for _, a := range w.last.Alerts {
		if a.Rule == "redis_disconnected" && !strings.Contains(a.Message, "redis_disconnected") {
			t.Errorf("alert message %q", a.Message)
		}
	}
	srv.Do(t, "ACL", "SETUSER", "watcher", "&bridge:*")
	w.until(t, "clear after the permission is back", 3*time.Second, func(s metrics.Snapshot, l metrics.Level) bool {
		return s.Conn == "connected" && l == metrics.OK
	})
	if hasNote(w.last, "", "NOPERM") {
		t.Errorf("NOPERM still noted after recovery: %q", w.last.Notes)
	}
}

// hasNote reports whether a note of s starts with prefix and holds text.
func hasNote(s metrics.Snapshot, prefix, text string) bool {
	for _, n := range s.Notes {
		if strings.HasPrefix(n, prefix) && strings.Contains(n, text) {
			return true
		}
	}
	return false
}
