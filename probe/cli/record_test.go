package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics/record"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/google/go-cmp/cmp"
)

// runMain runs the command line in this process and returns stdout,
// stderr and the exit code.
func runMain(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// subprocess starts the command line as its own process.
func subprocess(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Dir = dir
	cmd.Env = append(cleanEnviron(), subprocessEnv+"="+strings.Join(args, "\x1f"))
	return cmd
}

// TestRecordSurvivesKill9: a watch --record killed with SIGKILL leaves a
// file that replays up to its last second.
func TestRecordSurvivesKill9(t *testing.T) {
	t.Parallel() // waits on a recording process and its own redis-server
	srv := bridgetest.Start(t)
	startAgentProc(t, "--redis", srv.URL(), "--id", "agent-kill9")
	dir := t.TempDir()
	file := filepath.Join(dir, "kill9.rec")
	cmd := subprocess(t, dir, "watch", "--headless", "--redis", srv.URL(), "--record", file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// Wait until the recording holds a few seconds with the agent in it.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if rec, err := record.Open(file); err == nil && rec.Len() >= 5 {
			s, err := rec.Snapshot(rec.Len() - 1)
			rec.Close()
			if err == nil && len(s.Instances) > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recording with the agent in it after 30 s; stderr:\n%s", stderr.String())
		}
	}
	time.Sleep(1500 * time.Millisecond) // mid-way between flushes, or not: either must hold
	killed := time.Now()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	rec, err := record.Open(file)
	if err != nil {
		t.Fatalf("the killed recording does not open: %v", err)
	}
	defer rec.Close()
	// A frame a second, each flushed as it is written: what is lost is at
	// most the frame being made, the last second, and a little scheduling
	// on a loaded machine.
	lost := killed.Sub(rec.End())
	t.Logf("killed %v after the last frame readable (%d frames; damage: %v)", lost.Round(time.Millisecond), rec.Len(), rec.Damage)
	if lost > record.DefaultEvery+time.Second {
		t.Errorf("the last frame readable is %v before the kill: more than the last second was lost", lost)
	}
	out, errText, code := runMain(t, "replay", file, "--at", "-0s", "--json")
	var s struct {
		Instances []struct{ ID string } `json:"instances"`
	}
	if code != ExitOK || json.Unmarshal([]byte(out), &s) != nil || len(s.Instances) == 0 || s.Instances[0].ID != "agent-kill9" {
		t.Fatalf("replay of the killed recording: exit %d, stderr %s\n%s", code, errText, out)
	}
	if rec.Damage != nil && !strings.Contains(errText, "replaying up to there") {
		t.Errorf("replay does not say where the damage stopped it: %q", errText)
	}
}

// TestRecordedDemoReportsAndReplaysItsEnd: a recorded headless demo's
// final JSON is what replay prints at the end, to the byte; its HTML
// report is one self-contained file that a real browser draws with the
// network closed; its Markdown fits 100 columns.
func TestRecordedDemoReportsAndReplaysItsEnd(t *testing.T) {
	t.Parallel() // an 8 s demo that mostly waits
	dir := t.TempDir()
	file := filepath.Join(dir, "demo.rec")
	var live bytes.Buffer
	cmd := subprocess(t, dir, "demo", "--instances", "3", "--headless", "--json", "--duration", "8s", "--record", file)
	cmd.Stdout = &live
	if err := cmd.Run(); err != nil && cmd.ProcessState.ExitCode() != ExitFail {
		t.Fatalf("demo: %v", err)
	}
	out, errText, code := runMain(t, "replay", file, "--at", "-0s", "--json")
	if code != ExitOK || out != live.String() {
		t.Fatalf("replay at the end (exit %d, %s) differs from the live --json:\nlive:\n%.600s\nreplay:\n%.600s", code, errText, live.String(), out)
	}
	md, _, code := runMain(t, "report", file, "--markdown")
	if code != ExitOK || !strings.Contains(md, "### Alert timeline") {
		t.Fatalf("report --markdown: exit %d\n%s", code, md)
	}
	for i, l := range strings.Split(md, "\n") {
		if n := len([]rune(l)); n > report.PasteWidth {
			t.Errorf("report --markdown line %d is %d columns", i+1, n)
		}
	}
	page := filepath.Join(dir, "report.html")
	if _, errText, code := runMain(t, "report", file, "--html", page); code != ExitOK {
		t.Fatalf("report --html: exit %d: %s", code, errText)
	}
	raw, _ := os.ReadFile(page)
	html := string(raw)
	if !strings.Contains(html, `http-equiv="Content-Security-Policy" content="`+report.CSP+`"`) || !strings.Contains(report.CSP, "default-src 'none'") {
		t.Fatal("the report carries no Content-Security-Policy forbidding loads")
	}
	for _, bad := range []string{"<script", "src=\"http", "href=\"http", "url(http", "@import", "<link"} {
		if strings.Contains(html, bad) {
			t.Errorf("the report refers out: %q", bad)
		}
	}
	screenshotInBrowser(t, page)
}

// screenshotInBrowser opens page in headless Chromium with the network
// closed (every request goes to a proxy on a port nothing listens on) and
// checks the screenshot: its size, that a good part of it is drawn, and
// that the browser's network log has no request the page made.
func screenshotInBrowser(t *testing.T, page string) {
	t.Helper()
	bin := ""
	for _, b := range []string{"chromium-headless-shell", "chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(b); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv(bridgetest.RequireEnv) == "1" {
			t.Fatal("no chromium on PATH: .ci/run installs it (apt-get install chromium-headless-shell)")
		}
		t.Skip("no chromium on PATH (apt-get install chromium-headless-shell): the browser check is skipped")
	}
	dir := t.TempDir()
	shot, netlog := filepath.Join(dir, "shot.png"), filepath.Join(dir, "netlog.json")
	const w, h = 1280, 1600
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--proxy-server=127.0.0.1:9", "--log-net-log="+netlog, "--screenshot="+shot,
		"--window-size="+strings.Join([]string{strconv.Itoa(w), strconv.Itoa(h)}, ","), "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("screenshot %v, want %d×%d", b, w, h)
	}
	drawn := 0
	for y := 0; y < h; y += 4 {
		for x := 0; x < w; x += 4 {
			if r, g, b, _ := img.At(x, y).RGBA(); r < 0xf000 || g < 0xf000 || b < 0xf000 {
				drawn++
			}
		}
	}
	if share := float64(drawn) / float64(w/4*h/4); share < 0.05 {
		t.Errorf("only %.1f%% of the screenshot is drawn: the page is blank", share*100)
	} else {
		t.Logf("%.1f%% of the %d×%d screenshot is drawn", share*100, w, h)
	}
	// The browser's own background requests (updates, accounts) go to
	// Google's hosts and die at the closed proxy; any other URL would be
	// the page's.
	raw, _ := os.ReadFile(netlog)
	for _, part := range strings.Split(string(raw), `"url":"`)[1:] {
		u, _, _ := strings.Cut(part, `"`)
		if strings.HasPrefix(u, "file://") || strings.HasPrefix(u, "data:") {
			continue
		}
		host := strings.SplitN(strings.SplitN(u, "://", 2)[len(strings.SplitN(u, "://", 2))-1], "/", 2)[0]
		if !strings.HasSuffix(host, ".google.com") && !strings.HasSuffix(host, ".googleapis.com") {
			t.Errorf("a request left the page: %s", u)
		}
	}
}

// TestRecordedDemoReplaysThreeMoments records a 60 s demo in the dashboard
// with every refresh kept, presses s at three moments (the JSON it writes
// is watch --json's of the snapshot on screen), and checks that replay
// --at each moment prints that JSON to the byte. Each moment is the
// snapshot's own time, so a loaded machine only moves the moments.
func TestRecordedDemoReplaysThreeMoments(t *testing.T) {
	t.Parallel() // a 60 s session that mostly waits
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv(bridgetest.RequireEnv) == "1" {
			t.Fatal("tmux is not installed (CI installs it)")
		}
		t.Skip("tmux is not installed")
	}
	if testing.Short() {
		t.Skip("a 60 s session")
	}
	dir := t.TempDir()
	file, snaps := filepath.Join(dir, "demo60.rec"), filepath.Join(dir, "snaps")
	tmux := startTmux(t, dir, []string{"demo", "--record", file, "--record-every", "0", "--duration", "60s",
		"--theme", "dark", "--snapshot-dir", snaps})
	screen := func() string { return tmux("capture-pane", "-p", "-t", "dash") }
	wait := func(what string, d time.Duration, ok func(string) bool) {
		t.Helper()
		for deadline := time.Now().Add(d); !ok(screen()); time.Sleep(200 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the screen never showed %s:\n%s\nstderr:\n%s", what, screen(), readOr(filepath.Join(dir, "stderr.txt")))
			}
		}
	}
	has := func(sub string) func(string) bool { return func(s string) bool { return strings.Contains(s, sub) } }
	wait("the demo", 30*time.Second, has("bot-1"))
	start := time.Now()
	for i, at := range []time.Duration{12 * time.Second, 27 * time.Second, 42 * time.Second} {
		time.Sleep(time.Until(start.Add(at)))
		tmux("send-keys", "-t", "dash", "s")
		wait("the snapshot written", 20*time.Second, func(s string) bool {
			files, _ := filepath.Glob(filepath.Join(snaps, "*.json"))
			return len(files) == i+1 && strings.Contains(s, "snapshot: bridgescope-")
		})
	}
	wait("the end of the session", 60*time.Second, has("bridgescope exited"))
	jsons, _ := filepath.Glob(filepath.Join(snaps, "*.json"))
	if len(jsons) != 3 {
		t.Fatalf("snapshots: %v", jsons)
	}
	for _, j := range jsons {
		live, _ := os.ReadFile(j)
		var s struct {
			At time.Time `json:"at"`
		}
		if err := json.Unmarshal(live, &s); err != nil {
			t.Fatal(err)
		}
		out, errText, code := runMain(t, "replay", file, "--at", s.At.Format(time.RFC3339Nano), "--json")
		if code != ExitOK || out != string(live) {
			t.Errorf("replay --at %s (exit %d, %s) differs from the JSON the dashboard wrote then (-live +replay):\n%s",
				s.At.Format("15:04:05.000"), code, errText, cmp.Diff(string(live), out))
		}
	}
}

// TestValidateHTML: validate --html writes the run's report as one
// self-contained page beside what it prints.
func TestValidateHTML(t *testing.T) {
	s := bridgetest.Start(t)
	page := filepath.Join(t.TempDir(), "v.html")
	out, errText, code := runMain(t, "validate", "--redis", s.URL(), "--instances", "2", "--duration", "1s", "--rate", "20", "--html", page)
	if code != ExitOK || !strings.Contains(out, "Status: PASS") {
		t.Fatalf("validate: exit %d\n%s\n%s", code, out, errText)
	}
	raw, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{report.CSP, "<h2>Checks</h2>", "PASS", "<h2>Distribution</h2>"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
