package cli

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// TestServeProcess runs `bridgescope serve` as a process, as on a bastion:
// --headless and --metrics-addr beside the SSH server, an engineer's ssh
// in tmux, then SIGTERM, which ends the session with a line saying so.
func TestServeProcess(t *testing.T) {
	r := newSSHClients(t)
	redisSrv := bridgetest.Start(t)
	args := []string{"serve", "--redis", redisSrv.URL(), "--ssh", "127.0.0.1:0", "--host-key", r.cfg.HostKeyFile,
		"--authorized-keys", r.cfg.AuthorizedKeysFile, "--operators", r.cfg.OperatorsFile,
		"--headless", "--metrics-addr", "127.0.0.1:0", "--duration", "60s"}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), subprocessEnv+"="+strings.Join(args, "\x1f"))
	var stdout lockedBuffer
	cmd.Stdout = &stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var stderr lockedBuffer
	addrs := make(chan [2]string, 1) // the SSH port, the metrics address
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sshRe, metricsRe := regexp.MustCompile(`listening on 127\.0\.0\.1:(\d+)`), regexp.MustCompile(`metrics on http://(\S+)/metrics`)
		var port, metrics string
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			stderr.Write([]byte(sc.Text() + "\n"))
			if m := sshRe.FindStringSubmatch(sc.Text()); m != nil {
				port = m[1]
			}
			if m := metricsRe.FindStringSubmatch(sc.Text()); m != nil {
				metrics = m[1]
			}
			if port != "" && metrics != "" {
				addrs <- [2]string{port, metrics}
				port = ""
			}
		}
	}()
	var metricsAddr string
	select {
	case a := <-addrs:
		r.port, metricsAddr = a[0], a[1]
	case <-time.After(15 * time.Second):
		t.Fatalf("serve did not start:\n%s", stderr.String())
	}

	r.open("x", r.op, "oncall", 80, 24)
	checkFrame(t, "x", r.waitScreen("x", "serve · 1 viewer ", "connected"), 80, 24)
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(string(body), "bridgescope_redis_connected 1") {
		t.Errorf("--metrics-addr beside serve:\n%.400s", body)
	}
	waitFor(t, "a headless summary line", func() bool { return strings.Contains(stdout.String(), " connected · ") })

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r.waitLine("x", "bridgescope: the server is shutting down (SIGTERM): this session ends here")
	err = cmd.Wait()
	<-readDone
	if err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, stderr.String())
	}
	errs := stderr.String()
	for _, want := range []string{"generated host key " + r.cfg.HostKeyFile + " (mode 0600)", "host key SHA256:",
		"ssh: login", "user=oncall", r.op.fp, `why="the server is shutting down (SIGTERM): this session ends here"`} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(stdout.String(), "INSTANCES (") {
		t.Errorf("no final report on stdout:\n%s", stdout.String())
	}
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
