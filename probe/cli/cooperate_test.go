package cli

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// nodeModules finds node and a node_modules with ioredis for the
// JavaScript module's test: BRIDGESCOPE_NODE_MODULES (set by .ci/run),
// else an npm install into the user's cache, made once. Without node or
// npm the test skips, saying why, unless BRIDGESCOPE_REQUIRE_REDIS=1 asks for
// everything: then only .ci/run's BRIDGESCOPE_NODE_UNAVAILABLE (it tried to
// install them and could not) lets it skip.
func nodeModules(t *testing.T) string {
	t.Helper()
	missing := func(why string) string {
		if reason := os.Getenv("BRIDGESCOPE_NODE_UNAVAILABLE"); reason != "" {
			t.Skipf("node test skipped: %s (.ci/run could not install nodejs/npm or ioredis: %s)", why, reason)
		}
		if os.Getenv("BRIDGESCOPE_REQUIRE_REDIS") == "1" {
			t.Fatalf("node test: %s; install nodejs and npm (apt-get install nodejs npm) or run .ci/run", why)
		}
		t.Skipf("node test skipped: %s (apt-get install nodejs npm)", why)
		return ""
	}
	if _, err := exec.LookPath("node"); err != nil {
		return missing("no node on PATH")
	}
	if dir := os.Getenv("BRIDGESCOPE_NODE_MODULES"); dir != "" {
		return dir
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	prefix := filepath.Join(cache, "bridgescope-test-npm")
	mods := filepath.Join(prefix, "node_modules")
	if _, err := os.Stat(filepath.Join(mods, "ioredis", "package.json")); err == nil {
		return mods
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return missing("no npm on PATH to install ioredis")
	}
	out, err := exec.Command("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", prefix, "ioredis@5").CombinedOutput()
	if err != nil {
		return missing("npm install ioredis failed: " + strings.TrimSpace(string(out)))
	}
	return mods
}

// TestCooperateJS: a bot on the seed's stack (ioredis) with the JavaScript
// module, run by node against a real redis-server, is listed by watch with
// its round trip and delivery, and a Go agent's events reach it in the
// matrix. The module's ESM entry exports the same function.
func TestCooperateJS(t *testing.T) {
	mods := nodeModules(t)
	dir, err := filepath.Abs("../cooperate")
	if err != nil {
		t.Fatal(err)
	}
	esm := exec.Command("node", "--input-type=module", "-e",
		`import {cooperate} from '`+filepath.ToSlash(filepath.Join(dir, "index.mjs"))+`'; if (typeof cooperate !== 'function') process.exit(3)`)
	if out, err := esm.CombinedOutput(); err != nil {
		t.Fatalf("ESM entry: %v\n%s", err, out)
	}
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	startAgentProc(t, "--redis", srv.URL(), "--id", "go-agent", "--publish-rate", "10")
	bot := exec.Command("node", filepath.Join(dir, "testdata", "bot.js"))
	bot.Env = append(os.Environ(), "NODE_PATH="+mods, "REDIS_URL="+srv.URL(), "BOT_ID=js-bot-1")
	stdout, err := bot.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	bot.Stderr = &stderr
	if err := bot.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bot.Process.Kill(); _ = bot.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "cooperating as js-bot-1") {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("the node bot ended: %s", stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("the node bot did not start: %s", stderr.String())
	}
	s := watchJSON(t, srv.URL(), 6*time.Second)
	var found bool
	for _, in := range s.Instances {
		if in.ID != "js-bot-1" {
			continue
		}
		found = true
		if in.RTT.Count == 0 || in.RTT.P50 <= 0 || in.Delivery != 100 || in.Role != "bot" || in.Left {
			t.Errorf("js-bot-1: rtt %+v, delivery %.1f%%, role %q; want round trips, 100%%, bot", in.RTT, in.Delivery, in.Role)
		}
	}
	if !found {
		t.Fatalf("watch does not list js-bot-1: %+v", s.Instances)
	}
	cells := matrixCells(s)
	if c := cells[[2]string{"go-agent", "js-bot-1"}]; c.Expected < 20 || c.DeliveryPct != 100 {
		t.Errorf("go-agent→js-bot-1 in the matrix: %+v, want every event of at least 20", c)
	}
	if s.MalformedByReason["bad_stats"]+s.MalformedByReason["bad_ack"] > 0 {
		t.Errorf("the module's messages refused: %v", s.MalformedByReason)
	}
}
