package cli

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/probe"
)

// serveProbeRate is the observer's probe rate in these tests: each agent
// acks this many probes a second, whoever watches.
const serveProbeRate = 20

// TestServeSSH is serve's acceptance test: one observer against a real
// redis-server and two agent processes, real ssh clients in tmux.
func TestServeSSH(t *testing.T) {
	requireSSHTools(t)
	start := time.Now()
	defer func() { t.Logf("took %v", time.Since(start).Round(time.Millisecond)) }()
	srv := bridgetest.Start(t)
	startAgentProc(t, "--redis", srv.URL(), "--id", "bot-1", "--publish-rate", "2")
	startAgentProc(t, "--redis", srv.URL(), "--id", "bot-2", "--publish-rate", "2")
	acks := countAcks(t, srv.URL(), "bot-1")
	o, err := probe.NewObserver(probe.ObserverConfig{Conn: bridge.ConnConfig{URL: srv.URL()}, ProbeRate: serveProbeRate, ID: "bridgescope-serve-test",
		Thresholds: metrics.DefaultThresholds()})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer o.Stop()
	t.Logf("agents and observer up after %v", time.Since(start).Round(time.Millisecond))
	r := newSSHRig(t, o.Snapshots(), o, nil)
	if st, err := os.Stat(r.cfg.HostKeyFile); err != nil || st.Mode().Perm() != 0o600 || !r.srv.created {
		t.Fatalf("host key not generated with mode 0600: %v %v", st, err)
	}

	// One session: the dashboard at 80×24, and the probes one observer sends.
	r.open("a", r.viewer, "alice", 80, 24)
	a := r.waitScreen("a", "serve · 1 viewer ", "bot-1", "bot-2", "theme dark")
	checkFrame(t, "a", a, 80, 24)
	if out, err := exec.Command("ssh-keygen", "-lf", r.known).CombinedOutput(); err != nil || !strings.Contains(string(out), r.srv.Fingerprint()) {
		t.Errorf("known_hosts does not hold the host key %s: %s %v", r.srv.Fingerprint(), out, err)
	}
	one, observers1 := acks.over(2 * time.Second)

	// Three sessions, two sizes: still one probe stream.
	r.open("b", r.op, "bob", 120, 40)
	r.open("c", r.viewer, "carol", 80, 24)
	b := r.waitScreen("b", "serve · 3 viewers", "bot-1", "bot-2")
	checkFrame(t, "b", b, 120, 40)
	r.waitScreen("a", "serve · 3 viewers")
	three, observers3 := acks.over(2 * time.Second)
	t.Logf("bot-1 acked %.1f probes/s with 1 session, %.1f with 3", one, three)
	if observers1 != 1 || observers3 != 1 {
		t.Errorf("bot-1 acked the probes of %d observers with 1 session, %d with 3; want 1", observers1, observers3)
	}
	if one < 0.5*serveProbeRate || one > 1.4*serveProbeRate || three > 1.3*one || three < 0.7*one {
		t.Errorf("bot-1 acked %.1f probes/s with 1 session and %.1f with 3: want about %d/s both times", one, three, serveProbeRate)
	}

	// One session's theme, filter and detail view are its own.
	r.keys("a", "t")
	r.waitScreen("a", "theme light")
	r.keys("a", "/", "bot-2", "Enter")
	r.waitScreenFunc("a", "the table filtered to bot-2", func(s string) bool {
		return strings.Contains(s, "▸ bot-2") && !tableHas(s, "bot-1")
	})
	r.keys("a", "Enter")
	r.waitScreen("a", "bot-2", "esc back")
	b = r.screen("b")
	// (The test's own ack counter is a plain subscriber: a passive row
	// beside the two agents.)
	if !hasAll(b, "theme dark") || strings.Contains(b, "filter:") || !tableHas(b, "bot-1") || !tableHas(b, "bot-2") || strings.Contains(b, "esc back") {
		t.Errorf("a's t, / and enter changed b's screen:\n%s", b)
	}
	r.keys("a", "Escape") // back to the table
	// The detail view's footer says "q quit" too: wait for the table
	// itself, or the next Escape follows this one at once and the two
	// read as one alt+esc.
	r.waitScreenFunc("a", "the filtered table again", func(s string) bool {
		return strings.Contains(s, "filter:") && !strings.Contains(s, "esc: back") && tableHas(s, "bot-2")
	})
	r.keys("a", "Escape") // the filter cleared
	r.waitScreen("a", "bot-1", "bot-2")

	// A viewer's p is refused on its screen; an operator's pauses for all.
	r.keys("a", "p")
	r.waitScreen("a", "refused: read-only session: pause needs a key in the operators file")
	time.Sleep(300 * time.Millisecond) // a snapshot later: still probing
	if o.Paused() || strings.Contains(r.screen("b"), "PAUSED") {
		t.Fatal("a viewer's p paused the probes")
	}
	r.keys("b", "p")
	r.waitScreen("b", "PAUSED")
	r.waitScreen("a", "PAUSED")
	r.waitScreen("c", "PAUSED")
	if !o.Paused() {
		t.Error("the operator's p did not pause the observer")
	}
	if len(r.log.lines("control refused", "action=pause", r.viewer.fp)) != 1 || len(r.log.lines("ssh: control", "action=pause", "paused=true", r.op.fp)) != 1 {
		t.Errorf("the log does not show the refusal and the pause with their keys:\n%s", strings.Join(r.log.lines("control"), "\n"))
	}
	r.keys("b", "p") // probing again for the rest

	// ? lists who is connected, for the operator only.
	r.keys("b", "?")
	r.waitScreen("b", "Connected", "alice", "carol", "bob (you)", r.viewer.fp, r.op.fp)
	r.keys("b", "Escape")
	r.keys("a", "?")
	if s := r.waitScreen("a", "Keys"); strings.Contains(s, "Connected") || strings.Contains(s, r.op.fp) {
		t.Errorf("a viewer's help lists who is connected:\n%s", s)
	}
	r.keys("a", "Escape")

	// A client killed costs nothing: the others go on, its slot is free.
	r.killClient("c")
	r.waitScreen("a", "serve · 2 viewers")
	waitFor(t, "c's session gone", func() bool { return r.srv.sessions.count() == 2 && r.srv.snaps.subscribers() == 2 })
	r.keys("b", "t")
	r.waitScreen("b", "theme light")
	if len(r.log.lines("ssh: logout", "user=carol", `why="client gone"`)) != 1 {
		t.Errorf("no logout for the killed client:\n%s", strings.Join(r.log.lines("logout"), "\n"))
	}

	// Nobody watching: the observer goes on probing and keeps its history.
	r.keys("a", "q")
	r.killClient("b")
	waitFor(t, "every session gone", func() bool { return r.srv.sessions.count() == 0 && r.srv.snaps.subscribers() == 0 })
	if alone, _ := acks.over(time.Second); alone < 0.5*serveProbeRate {
		t.Errorf("bot-1 acked %.1f probes/s with nobody watching", alone)
	}
	if len(r.log.lines("ssh: logout", "user=alice", "why=quit")) != 1 {
		t.Errorf("no logout for q:\n%s", strings.Join(r.log.lines("logout"), "\n"))
	}
	r.open("d", r.op, "dave", 80, 24)
	d := r.waitScreen("d", "serve · 1 viewer ", "bot-1", "bot-2")
	checkFrame(t, "d", d, 80, 24)

	// SIGTERM (as main gives it) ends every session with a line saying why.
	r.srv.shutdown(shutdownReason(canceledBy(SignalCause{Signal: sigterm})))
	r.waitLine("d", "bridgescope: the server is shutting down (SIGTERM): this session ends here")
}

// tableHas reports whether a screen's instance table has a row for id.
func tableHas(screen, id string) bool {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "  "+id+" ") || strings.HasPrefix(l, "▸ "+id+" ") {
			return true
		}
	}
	return false
}
