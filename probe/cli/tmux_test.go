package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoInTmux drives the real binary as a user would: `bridgescope demo`
// in a tmux pane, keys sent, the screen read back with capture-pane.
func TestDemoInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("BRIDGESCOPE_REQUIRE_REDIS") == "1" {
			t.Fatal("tmux is not installed (CI installs it)")
		}
		t.Skip("tmux is not installed")
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bridgescope")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/bridgescope/bridgescope").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sock := filepath.Join(dir, "tmux.sock") // a private server: never the user's tmux
	tmux := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	// The shell writes the exit code down: quitting the dashboard is no verdict.
	tmux("new-session", "-d", "-s", "demo", "-x", "80", "-y", "24", "-c", dir,
		// Thresholds no round trip meets: every instance is CRIT when q is pressed.
		bin+" demo --snapshot-dir "+dir+"/snaps --p99-warn 1us --p99-crit 2us --alert-hold 0s; echo $? > "+dir+"/exit")
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", sock, "kill-server").Run() })
	screen := func() string { return tmux("capture-pane", "-p", "-t", "demo") }
	waitScreen := func(what string, ok func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			s := screen()
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("screen never showed %s:\n%s", what, s)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	has := func(subs ...string) func(string) bool {
		return func(s string) bool {
			for _, sub := range subs {
				if !strings.Contains(s, sub) {
					return false
				}
			}
			return true
		}
	}
	s := waitScreen("the instances", has("bridgescope", "connected", "bot-1", "websocket-ho", "q quit"))
	for i, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if w := len([]rune(line)); w > 80 {
			t.Errorf("line %d is %d wide at 80x24: %q", i, w, line)
		}
	}
	tmux("send-keys", "-t", "demo", "?")
	waitScreen("the full help", has("Keys", "pause probes", "theme"))
	tmux("send-keys", "-t", "demo", "Escape")
	// An ESC read together with the next key is alt+key: wait for the help
	// to close before pressing p (this flaked under -race on a loaded machine).
	waitScreen("the help closed", func(s string) bool { return !strings.Contains(s, "Columns") })
	tmux("send-keys", "-t", "demo", "p")
	waitScreen("PAUSED in the header", has("PAUSED"))
	tmux("send-keys", "-t", "demo", "s")
	// "writing snapshot to …/snaps…" shows first; "snapshot: NAME.{…}" once
	// the files are written (CI once globbed between the two).
	waitScreen("the snapshot written", has("snapshot: "))
	if files, _ := filepath.Glob(filepath.Join(dir, "snaps", "*.json")); len(files) != 1 {
		t.Errorf("snapshot files: %v", files)
	}
	tmux("send-keys", "-t", "demo", "Enter")
	waitScreen("the detail view", has("RTT", "esc"))
	tmux("send-keys", "-t", "demo", "q")
	deadline := time.Now().Add(5 * time.Second)
	for exec.Command("tmux", "-S", sock, "has-session", "-t", "demo").Run() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("q did not quit:\n%s", screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Everything is CRIT now; q still exits 0.
	if code, err := os.ReadFile(filepath.Join(dir, "exit")); err != nil || strings.TrimSpace(string(code)) != "0" {
		t.Errorf("q exited %q (%v), want 0", code, err)
	}
}
