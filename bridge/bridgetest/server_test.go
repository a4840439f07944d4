package bridgetest

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
)

func TestStartAnswersPing(t *testing.T) {
	s := Start(t)
	_, lookErr := exec.LookPath(binaryName)
	if got, want := s.Real(), lookErr == nil; got != want {
		t.Errorf("Real() = %v, want %v (redis-server on PATH)", got, want)
	}
	host, port, err := net.SplitHostPort(s.Addr())
	if err != nil || host != "127.0.0.1" || port == "6379" || port == "0" {
		t.Fatalf("Addr() = %q (%v), want 127.0.0.1 and a private port", s.Addr(), err)
	}
	if want := "redis://" + s.Addr(); s.URL() != want {
		t.Errorf("URL() = %q, want %q", s.URL(), want)
	}
	if got := s.Do(t, "PING"); got != "PONG" {
		t.Errorf("PING = %v, want PONG", got)
	}
	if got := s.Do(t, "GET", "missing"); got != nil {
		t.Errorf("GET missing = %v, want nil", got)
	}
	if _, err := s.DoErr("GET", "missing"); !errors.Is(err, redis.Nil) {
		t.Errorf("DoErr(GET missing) err = %v, want redis.Nil", err)
	}
	if _, err := s.DoErr("NOSUCHCOMMAND"); err == nil || !strings.Contains(err.Error(), "NOSUCHCOMMAND") {
		t.Errorf("DoErr(NOSUCHCOMMAND) err = %v, want an error naming the command", err)
	}
	c := s.Client(t)
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got := s.Do(t, "GET", "k"); got != "v" {
		t.Errorf("GET k = %v, want v", got)
	}
}

func TestStartDefaultsAndArgs(t *testing.T) {
	s := Start(t, WithArgs("--appendonly", "yes", "--hz", "50"))
	s.RequireReal(t)
	for _, kv := range [][2]string{{"save", ""}, {"appendonly", "yes"}, {"hz", "50"},
		{"bind", "127.0.0.1"}, {"protected-mode", "no"}} {
		got := s.Do(t, "CONFIG", "GET", kv[0])
		if diff := cmp.Diff([]any{kv[0], kv[1]}, got); diff != "" {
			t.Errorf("CONFIG GET %s (-want +got):\n%s", kv[0], diff)
		}
	}
	if got := s.Do(t, "DEBUG", "SLEEP", "0"); got != "OK" {
		t.Errorf("DEBUG SLEEP 0 = %v, want OK (debug command enabled)", got)
	}
	if tail := s.LogTail(); !strings.Contains(tail, "Ready to accept connections") {
		t.Errorf("LogTail() lacks the ready line:\n%s", tail)
	}
}

// TestStartRetriesTakenPort hands Start a port that is taken, by a plain listener or by
// another redis-server whose PONG must not be mistaken for the new server's.
func TestStartRetriesTakenPort(t *testing.T) {
	if _, err := exec.LookPath(binaryName); err != nil {
		t.Skip("needs redis-server")
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	other := Start(t)
	t.Cleanup(func() { freePort = pickFreePort })
	for name, addr := range map[string]string{"listener": taken.Addr().String(), "redis": other.Addr()} {
		_, portStr, _ := net.SplitHostPort(addr)
		takenPort, _ := strconv.Atoi(portStr)
		calls := 0
		freePort = func() (int, error) {
			calls++
			if calls == 1 {
				return takenPort, nil
			}
			return pickFreePort()
		}
		s := Start(t)
		freePort = pickFreePort
		if calls != 2 {
			t.Errorf("%s: freePort called %d times, want 2", name, calls)
		}
		if s.Addr() == addr {
			t.Fatalf("%s: new server claims the taken port %d", name, takenPort)
		}
		if got := s.Do(t, "PING"); got != "PONG" {
			t.Errorf("%s: PING = %v", name, got)
		}
	}
}

func TestStartGivesUpAfterMaxPortTries(t *testing.T) {
	if _, err := exec.LookPath(binaryName); err != nil {
		t.Skip("needs redis-server")
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	calls := 0
	freePort = func() (int, error) { calls++; return taken.Addr().(*net.TCPAddr).Port, nil }
	t.Cleanup(func() { freePort = pickFreePort })

	f, returned := runFake(t, func(tb testing.TB) { Start(tb) })
	fatal, _ := f.result()
	if returned || !strings.Contains(fatal, "port already in use") {
		t.Errorf("Start returned=%v fatal=%q, want a fatal port-in-use error", returned, fatal)
	}
	if calls != maxPortTries {
		t.Errorf("tried %d ports, want %d", calls, maxPortTries)
	}
}

// TestCleanupStopsServer checks that a finished test leaves no process behind, even a
// frozen one.
func TestCleanupStopsServer(t *testing.T) {
	if _, err := exec.LookPath(binaryName); err != nil {
		t.Skip("needs redis-server")
	}
	for _, freeze := range []bool{false, true} {
		var pid int
		var addr string
		start := time.Now()
		t.Run("freeze="+strconv.FormatBool(freeze), func(t *testing.T) {
			s := Start(t)
			pid, addr = s.proc.cmd.Process.Pid, s.Addr()
			if freeze {
				s.Freeze(t)
			}
		})
		// A frozen server ignores SIGTERM: without the thaw, Cleanup would wait stopGrace.
		if d := time.Since(start); d >= stopGrace {
			t.Errorf("freeze=%v: test with Cleanup took %v, want < %v", freeze, d, stopGrace)
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("freeze=%v: pid %d still exists after Cleanup (kill 0: %v)", freeze, pid, err)
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Errorf("freeze=%v: %s still accepts connections after Cleanup", freeze, addr)
		}
	}
}

func TestFallbackToMiniredis(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(RequireEnv, "")
	s := Start(t, WithArgs("--appendonly", "yes"))
	if s.Real() {
		t.Fatal("Real() = true without redis-server on PATH")
	}
	if got := s.Do(t, "PING"); got != "PONG" {
		t.Errorf("PING = %v", got)
	}
	s.Do(t, "SET", "k", "v")
	if got := s.Client(t).Get(context.Background(), "k").Val(); got != "v" {
		t.Errorf("GET k via Client = %q, want v", got)
	}
	if s.LogTail() != "" {
		t.Errorf("LogTail() = %q on miniredis, want empty", s.LogTail())
	}
	faults := map[string]func(tb testing.TB){
		"RequireReal": s.RequireReal, "Kill": s.Kill, "Restart": s.Restart,
		"Freeze": s.Freeze, "Shutdown": s.Shutdown,
		"ClientKill": func(tb testing.TB) { s.ClientKill(tb, "pubsub") },
	}
	for name, fault := range faults {
		f, returned := runFake(t, fault)
		fatal, skipped := f.result()
		if returned || fatal != "" || !strings.Contains(skipped, "real redis-server") {
			t.Errorf("%s on miniredis: returned=%v fatal=%q skipped=%q, want a skip", name, returned, fatal, skipped)
		}
	}
	if got := s.Do(t, "GET", "k"); got != "v" {
		t.Errorf("after skipped faults GET k = %v, want v", got)
	}
}

func TestRequireMakesMissingServerFatal(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(RequireEnv, "1")
	f, returned := runFake(t, func(tb testing.TB) { Start(tb) })
	fatal, skipped := f.result()
	if returned || skipped != "" {
		t.Errorf("Start returned=%v skipped=%q, want fatal", returned, skipped)
	}
	for _, want := range []string{RequireEnv + "=1", "redis-server", "not on PATH"} {
		if !strings.Contains(fatal, want) {
			t.Errorf("fatal message %q lacks %q", fatal, want)
		}
	}
}

func TestRealServerNeverSkipsUnderRequire(t *testing.T) {
	if _, err := exec.LookPath(binaryName); err != nil {
		t.Skip("needs redis-server")
	}
	t.Setenv(RequireEnv, "1")
	s := Start(t)
	f, returned := runFake(t, s.RequireReal)
	if fatal, skipped := f.result(); !returned || fatal != "" || skipped != "" {
		t.Errorf("RequireReal on redis-server: returned=%v fatal=%q skipped=%q", returned, fatal, skipped)
	}
}
