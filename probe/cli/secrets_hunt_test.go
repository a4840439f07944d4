package cli

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The passwords no output may hold: one plain, one that a URL must escape.
const (
	plainPW = "Sekr1t-PW-9f"
	oddPW   = "Zebra%Quail@Hx/42 #"
)

// needle is one form a password can take in output.
type needle struct{ text, what string }

// leakNeedles lists the passwords raw, escaped for a URL's user info, path
// and query, as JSON, and fragments that betray a partial or re-encoded leak.
func leakNeedles() []needle {
	var n []needle
	for _, pw := range []string{plainPW, oddPW} {
		js, _ := json.Marshal(pw)
		for _, f := range []needle{
			{pw, "raw"}, {url.PathEscape(pw), "path-escaped"}, {url.QueryEscape(pw), "query-escaped"},
			{strings.TrimPrefix(url.UserPassword("u", pw).String(), "u:"), "user-info-escaped"},
			{string(js[1 : len(js)-1]), "JSON-escaped"},
		} {
			n = append(n, needle{f.text, fmt.Sprintf("%s %q", f.what, pw)})
		}
	}
	for _, frag := range []string{"Sekr1t", "Zebra", "Quail"} {
		n = append(n, needle{frag, "the fragment " + strconv.Quote(frag)})
	}
	// The control keys of TestControlKeyNeverShows, raw, as hex and as fragments.
	for _, k := range []string{controlKey, shortKey} {
		n = append(n, needle{k, fmt.Sprintf("control key %q", k)}, needle{hex.EncodeToString([]byte(k)), fmt.Sprintf("hex of control key %q", k)})
	}
	return append(n, needle{"Ctl-K3y", "a control key's fragment"}, needle{"sh0rt", "a control key's fragment"})
}

// leakHunt searches texts for the passwords and keeps where they showed.
type leakHunt struct {
	mu          sync.Mutex
	texts, size int
	leaks       []string
}

func (h *leakHunt) search(where string, text []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.texts++
	h.size += len(text)
	for _, n := range leakNeedles() {
		if i := bytes.Index(text, []byte(n.text)); i >= 0 {
			from, to := max(0, i-60), min(len(text), i+len(n.text)+60)
			h.leaks = append(h.leaks, fmt.Sprintf("%s: %s: …%q…", where, n.what, text[from:to]))
		}
	}
}

// searchDir searches every file under dir and returns their contents.
func (h *leakHunt) searchDir(where, dir string) (string, error) {
	var all strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		h.search(where+": file "+rel, b)
		all.Write(b)
		return nil
	})
	return all.String(), err
}

func (h *leakHunt) report(t *testing.T) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.leaks) > 0 {
		t.Errorf("a password showed in %d places:\n%s", len(h.leaks), strings.Join(h.leaks, "\n"))
	}
	t.Logf("searched %d texts, %d bytes, for %d password forms", h.texts, h.size, len(leakNeedles()))
}

// cliProc is the command line running as its own process, so that output
// written past Env (straight to os.Stdout or os.Stderr) is searched too.
type cliProc struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuf
	done           chan struct{}
	code           int
}

// startCLI runs the command line in dir, with TMPDIR inside it, and the
// environment without REDIS_URL unless env sets it.
func startCLI(dir string, env []string, args ...string) (*cliProc, error) {
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, err
	}
	p := &cliProc{cmd: exec.Command(os.Args[0], "-test.run=^$"), done: make(chan struct{})}
	p.cmd.Dir, p.cmd.Stdout, p.cmd.Stderr = dir, &p.stdout, &p.stderr
	// XDG_CONFIG_HOME inside dir: no config file but the run's own.
	p.cmd.Env = append(cleanEnviron(), append(env, "TMPDIR="+tmp, "XDG_CONFIG_HOME="+filepath.Join(dir, "xdg"),
		subprocessEnv+"="+strings.Join(args, "\x1f"))...)
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = p.cmd.Wait() // the exit code says it
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	return p, nil
}

func cleanEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REDIS_URL=") && !strings.HasPrefix(kv, "TMPDIR=") && !strings.HasPrefix(kv, subprocessEnv+"=") &&
			!strings.HasPrefix(kv, "XDG_CONFIG_HOME=") && !strings.HasPrefix(kv, "BRIDGESCOPE_REDIS=") {
			env = append(env, kv)
		}
	}
	return env
}

// await waits for re on stderr and returns its first group.
func (p *cliProc) await(re *regexp.Regexp, d time.Duration) (string, error) {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := re.FindStringSubmatch(p.stderr.String()); m != nil {
			return m[len(m)-1], nil
		}
		select {
		case <-p.done:
			return "", fmt.Errorf("exited %d before stderr showed %v", p.code, re)
		default:
		}
	}
	return "", fmt.Errorf("stderr never showed %v", re)
}

// wait waits for the exit, killing the process after d.
func (p *cliProc) wait(d time.Duration) error {
	select {
	case <-p.done:
		return nil
	case <-time.After(d):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("still running after %v: killed", d)
	}
}

// scrapeRaw fetches /metrics as text, with no keep-alive goroutine left over.
func scrapeRaw(addr string) ([]byte, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// secretRun is one run of the command line whose every output is searched.
type secretRun struct {
	name  string
	args  []string
	env   []string
	codes []int    // the exit codes that may end it
	want  []string // each must show in stdout, stderr or a file: the output is real
	// during runs while the command does; it returns text to search (a scrape).
	during func(p *cliProc) ([]byte, error)
}

// scrapeAt scrapes the command's metrics after it has run a while, then
// interrupts it when stop is set.
func scrapeAt(after time.Duration, stop bool) func(p *cliProc) ([]byte, error) {
	return func(p *cliProc) ([]byte, error) {
		addr, err := p.await(metricsLine, 20*time.Second)
		if err != nil {
			return nil, err
		}
		time.Sleep(after)
		body, err := scrapeRaw(addr)
		if err == nil && !bytes.Contains(body, []byte("bridgescope_redis_connected 1")) {
			err = errors.New("the scrape does not show a connected subscription")
		}
		if stop {
			_ = p.cmd.Process.Signal(syscall.SIGINT)
		}
		return body, err
	}
}

// exec runs r in a directory of its own and searches everything it left:
// stdout, stderr, the files in its directory and what during returned.
func (r secretRun) exec(t *testing.T, h *leakHunt) {
	dir := t.TempDir()
	p, err := startCLI(dir, r.env, r.args...)
	if err != nil {
		t.Errorf("%s: %v", r.name, err)
		return
	}
	var extra []byte
	var derr error
	if r.during != nil {
		extra, derr = r.during(p)
		h.search(r.name+": /metrics", extra)
	}
	werr := p.wait(30 * time.Second)
	stdout, stderr := p.stdout.String(), p.stderr.String()
	h.search(r.name+": stdout", []byte(stdout))
	h.search(r.name+": stderr", []byte(stderr))
	files, ferr := h.searchDir(r.name, dir)
	switch {
	case errors.Join(derr, werr, ferr) != nil:
		t.Errorf("%s: %v\nstderr:\n%s", r.name, errors.Join(derr, werr, ferr), stderr)
	case !hasCode(r.codes, p.code):
		t.Errorf("%s: exit %d, want one of %v\nstderr:\n%s", r.name, p.code, r.codes, stderr)
	case strings.Contains(stderr, "DATA RACE"):
		t.Errorf("%s: a data race:\n%s", r.name, stderr)
	}
	for _, w := range r.want {
		if !strings.Contains(stdout+stderr+files+string(extra), w) {
			t.Errorf("%s: no output shows %q: the run did not show what it should\nstdout:\n%s\nstderr:\n%s", r.name, w, stdout, stderr)
		}
	}
}

func hasCode(codes []int, c int) bool {
	for _, x := range codes {
		if x == c {
			return true
		}
	}
	return false
}

// runAll runs the runs, a few at a time: the machine has two cores.
func runAll(t *testing.T, h *leakHunt, runs []secretRun) {
	sem := make(chan struct{}, 5)
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r.exec(t, h)
		}()
	}
	wg.Wait()
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing was accepted
	return addr
}
