package cli

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// TestPasswordNeverShowsOnTheDashboard runs `watch` as a dashboard in a tmux
// pane with a password in --redis, lets `s` write the snapshot files while
// the header shows the redacted URL, quits, and searches the screens, the
// snapshot files, the log and stderr.
func TestPasswordNeverShowsOnTheDashboard(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("BRIDGESCOPE_REQUIRE_REDIS") == "1" {
			t.Fatal("tmux is not installed (CI installs it)")
		}
		t.Skip("tmux is not installed")
	}
	srv := bridgetest.Start(t)
	srv.RequireReal(t) // ACL users
	srv.Do(t, "ACL", "SETUSER", "bs2", "on", ">"+oddPW, "~*", "&*", "+@all")
	dir := t.TempDir()
	shown := "redis://bs2:xxxxx@" + srv.Addr()
	args := []string{"watch", "--redis", "redis://" + url.UserPassword("bs2", oddPW).String() + "@" + srv.Addr(),
		"--channels", "bridge:secrets:dashboard", "--snapshot-dir", filepath.Join(dir, "snaps"), "--log", filepath.Join(dir, "watch.log"),
		"--record", filepath.Join(dir, "session.rec")}
	tmux := startTmux(t, dir, args)
	h := &leakHunt{}
	screen := func() string {
		s := tmux("capture-pane", "-p", "-t", "dash")
		h.search("screen", []byte(s))
		return s
	}
	waitScreen := func(what string, ok func(string) bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			s := screen()
			if ok(s) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the screen never showed %s:\n%s\nstderr:\n%s", what, s, readOr(filepath.Join(dir, "stderr.txt")))
			}
		}
	}
	has := func(sub string) func(string) bool { return func(s string) bool { return strings.Contains(s, sub) } }
	waitScreen("the redacted URL in the header", has(shown))
	tmux("send-keys", "-t", "dash", "s")
	waitScreen("the snapshot written", has("snapshot: bridgescope-"))
	tmux("send-keys", "-t", "dash", "q")
	waitScreen("the exit", has("bridgescope exited"))

	files, err := h.searchDir("dashboard", dir)
	if err != nil {
		t.Fatal(err)
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "snaps", "*"))
	if len(snaps) != 6 {
		t.Errorf("snapshot files: %v, want .txt .ans .md .json .png .svg", snaps)
	}
	// The recording is compressed: searched as it reads back.
	if raw, err := os.ReadFile(filepath.Join(dir, "session.rec")); err != nil {
		t.Errorf("no recording: %v", err)
	} else if zr, err := gzip.NewReader(bytes.NewReader(raw)); err != nil {
		t.Errorf("the recording is not gzip: %v", err)
	} else if plain, _ := io.ReadAll(zr); !strings.Contains(string(plain), shown) {
		t.Errorf("the recording does not show %s", shown)
	} else {
		h.search("recording", plain)
	}
	for _, s := range snaps {
		if strings.HasSuffix(s, ".png") { // pixels: its text is the SVG's
			continue
		}
		if b, _ := os.ReadFile(s); !strings.Contains(string(b), shown) {
			t.Errorf("snapshot %s does not show %s", filepath.Base(s), shown)
		}
	}
	if !strings.Contains(files, "bridgescope exited 0") && !strings.Contains(files, "bridgescope exited 1") {
		t.Errorf("the dashboard ended with neither 0 nor 1 (an alert CRIT):\n%s", files)
	}
	h.report(t)
}

// startTmux starts the command line with args in a private tmux server's
// 200x50 pane "dash", stderr to dir/stderr.txt and the pane's end to
// dir/exit.txt, and returns a function that runs tmux commands on it.
func startTmux(t *testing.T, dir string, args []string) func(args ...string) string {
	t.Helper()
	bin, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range append(args, bin, dir) {
		if strings.Contains(a, "'") {
			t.Fatalf("%q cannot be single-quoted", a)
		}
	}
	script := filepath.Join(t.TempDir(), "run.sh") // holds the password: outside dir, never searched
	body := fmt.Sprintf("#!/bin/sh\ncd '%s'\n%s='%s' TMPDIR='%s' '%s' '-test.run=^$' 2>stderr.txt\n"+
		"echo \"bridgescope exited $?\" | tee exit.txt\nsleep 60\n",
		dir, subprocessEnv, strings.Join(args, "\x1f"), dir, bin)
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(filepath.Dir(script), "tmux.sock") // a private server: never the user's tmux
	tmux := func(a ...string) string {
		t.Helper()
		cmd := exec.Command("tmux", append([]string{"-S", sock}, a...)...)
		cmd.Env = cleanEnviron()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", a, err, out)
		}
		return string(out)
	}
	tmux("new-session", "-d", "-s", "dash", "-x", "200", "-y", "50", script)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", sock, "kill-server").Run() })
	return tmux
}

func readOr(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
