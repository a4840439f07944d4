package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// realBinary builds bridgescope once for the tests that run it as a user
// would (the whole main, its signals and exit codes).
func realBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "bridgescope-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "bridgescope")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/bridgescope/bridgescope").CombinedOutput()
		if err != nil {
			binErr = &buildError{err, string(out)}
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// TestOneErrorPerCause (issue 10.11): the real binary says one clear thing
// per cause, the same from every subcommand, without the chain of packages
// and without the password, in one line, exit 2 — and a TLS client meeting
// a plaintext Redis is told so at once.
func TestOneErrorPerCause(t *testing.T) {
	t.Parallel() // waits on timeouts, its own redis-server
	bin := realBinary(t)
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	srv.Do(t, "CONFIG", "SET", "requirepass", "sekret") // last: the helper itself connects without it
	wrong := "redis://:hunter2@" + srv.Addr()
	for _, tc := range []struct {
		name string
		args []string
		want string
		max  time.Duration
	}{
		{"wrong password", []string{"--redis", wrong}, "authentication failed (check the user and --password-file", 10 * time.Second},
		{"a port that is not a number", []string{"--redis", "redis://127.0.0.1:notaport"}, `the port "notaport" is not a number`, 5 * time.Second},
		{"another scheme", []string{"--redis", "http://127.0.0.1:" + strings.Split(srv.Addr(), ":")[1]}, "the scheme must be redis:// or rediss://", 5 * time.Second},
		{"rediss to a plaintext Redis", []string{"--redis", "rediss://:sekret@" + srv.Addr()}, "the server does not speak TLS (use redis://)", 3 * time.Second},
	} {
		for _, sub := range [][]string{{"validate", "--duration", "1s"}, {"watch", "--headless", "--duration", "1s"}, {"agent"}, {"bench", "--duration", "1s"}} {
			args := append(append([]string{}, sub...), tc.args...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			start := time.Now()
			out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
			took := time.Since(start)
			cancel()
			code := -1
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			msg := strings.TrimSpace(string(out))
			switch {
			case code != ExitUsage:
				t.Errorf("%s, %s: exit %d, want %d: %s", tc.name, sub[0], code, ExitUsage, msg)
			case strings.Count(msg, "\n") > 0:
				t.Errorf("%s, %s: more than one line:\n%s", tc.name, sub[0], msg)
			case !strings.Contains(msg, tc.want):
				t.Errorf("%s, %s: %q, want it to say %q", tc.name, sub[0], msg, tc.want)
			case strings.Contains(msg, "hunter2") || strings.Contains(msg, "sekret"):
				t.Errorf("%s, %s: the password shows: %q", tc.name, sub[0], msg)
			case strings.Contains(msg, "harness:") || strings.Contains(msg, "bridge: connection:") || strings.Contains(msg, "instance 0"):
				t.Errorf("%s, %s: the internal chain shows: %q", tc.name, sub[0], msg)
			case took > tc.max:
				t.Errorf("%s, %s: took %v, want the error within %v", tc.name, sub[0], took.Round(time.Millisecond), tc.max)
			}
		}
	}
	// A bare number for a duration says what it lacks.
	out, _ := exec.Command(bin, "validate", "--duration", "5").CombinedOutput()
	if !strings.Contains(string(out), "5 needs a unit, e.g. 5s") || !strings.Contains(string(out), "--duration") {
		t.Errorf("--duration 5: %q", out)
	}
}
