package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

// watchProc is `bridgescope watch --headless --json` as its own process,
// so a test can freeze it.
type watchProc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	mu     sync.Mutex
	lines  []string // its per-second summary lines (stderr)
}

func startWatchProc(t *testing.T, args ...string) *watchProc {
	t.Helper()
	w := &watchProc{}
	w.cmd = exec.Command(os.Args[0], "-test.run=^$")
	w.cmd.Env = append(os.Environ(), subprocessEnv+"="+strings.Join(append([]string{"watch", "--headless", "--json"}, args...), "\x1f"))
	w.cmd.Stdout = &w.stdout
	pipe, err := w.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			w.mu.Lock()
			w.lines = append(w.lines, sc.Text())
			w.mu.Unlock()
		}
	}()
	t.Cleanup(func() { _ = w.cmd.Process.Kill(); _ = w.cmd.Wait() })
	return w
}

// final waits for the watch to end and decodes its final snapshot.
func (w *watchProc) final(t *testing.T) metrics.Snapshot {
	t.Helper()
	_ = w.cmd.Wait()
	var s metrics.Snapshot
	if err := json.Unmarshal(w.stdout.Bytes(), &s); err != nil {
		w.mu.Lock()
		defer w.mu.Unlock()
		t.Fatalf("watch printed no JSON snapshot: %v\n%s\nstderr:\n%s", err, w.stdout.String(), strings.Join(w.lines, "\n"))
	}
	return s
}

// instanceChanges lists the history's level changes of instances.
func instanceChanges(s metrics.Snapshot) []metrics.AlertChange {
	var out []metrics.AlertChange
	for _, c := range s.History {
		if c.Instance != "" && c.From != c.To {
			out = append(out, c)
		}
	}
	return out
}

// TestFrozenObserverBlamesNoInstance (issue 10.2): a watch process frozen
// with SIGSTOP while two healthy agents keep running raises observer_stalled
// for itself, and after SIGCONT no agent goes silent and no probe is lost.
func TestFrozenObserverBlamesNoInstance(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	for _, id := range []string{"good-1", "good-2"} {
		startAgentProc(t, "--redis", srv.URL(), "--id", id)
	}
	w := startWatchProc(t, "--redis", srv.URL(), "--duration", "24s", "--probe-rate", "10",
		"--silent-warn", "4s", "--alert-hold", "1s", "--p99-warn", "3s", "--p99-crit", "5s")
	time.Sleep(6 * time.Second)
	if err := w.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(8 * time.Second) // twice the silence threshold
	if err := w.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	s := w.final(t)
	if len(s.Instances) != 2 {
		t.Fatalf("instances %+v, want the two agents", s.Instances)
	}
	for _, in := range s.Instances {
		if in.Lost != 0 || in.State != metrics.OK || in.ProbesSent == 0 {
			t.Errorf("%s after the observer's freeze: lost %d of %d, state %s; want nothing lost, OK", in.ID, in.Lost, in.ProbesSent, in.State)
		}
	}
	if ch := instanceChanges(s); len(ch) != 0 {
		t.Errorf("instances changed level over the observer's own freeze: %+v", ch)
	}
	stalled := false
	for _, c := range s.History {
		stalled = stalled || (c.Rule == "observer_stalled" && c.To == metrics.Warn)
	}
	if !stalled {
		t.Errorf("no observer_stalled in the history: %+v", s.History)
	}
}

// TestObserverDisconnectedBlamesNoInstance (issue 10.2): Redis stopped and
// restarted under a watch: the observer's redis_disconnected rises, the
// instances are unknown, not silent, and no probe is counted lost.
func TestObserverDisconnectedBlamesNoInstance(t *testing.T) {
	t.Parallel() // 26 s of waiting on its own redis-server
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	for _, id := range []string{"good-1", "good-2"} {
		startAgentProc(t, "--redis", srv.URL(), "--id", id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var sawBlind bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(5 * time.Second)
		srv.Kill(t)
		time.Sleep(8 * time.Second)
		srv.Restart(t)
	}()
	code, stdout, stderr := run(t, ctx, "watch", "--redis", srv.URL(), "--headless", "--json", "--duration", "26s",
		"--silent-warn", "4s", "--alert-hold", "1s", "--p99-warn", "3s", "--p99-crit", "5s")
	<-done
	if code == ExitUsage {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var s metrics.Snapshot
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("no JSON: %v\n%s", err, stdout)
	}
	sawBlind = strings.Contains(stderr, "disconnected")
	for _, in := range s.Instances {
		if in.Lost != 0 || in.Rules["silent"].Level != metrics.OK || in.Rules["delivery"].Level != metrics.OK {
			t.Errorf("%s after Redis came back: lost %d, silent %v, delivery %v; want nothing lost or raised",
				in.ID, in.Lost, in.Rules["silent"], in.Rules["delivery"])
		}
	}
	for _, c := range instanceChanges(s) {
		if c.Rule == "silent" || c.Rule == "delivery" {
			t.Errorf("an instance was blamed for the observer's outage: %+v", c)
		}
	}
	disconnected := false
	for _, c := range s.History {
		disconnected = disconnected || (c.Rule == "redis_disconnected" && c.Instance == "" && c.To > metrics.OK)
	}
	if !disconnected || !sawBlind {
		t.Errorf("the observer's own outage does not show: redis_disconnected in history %v, summary lines say disconnected %v", disconnected, sawBlind)
	}
}
