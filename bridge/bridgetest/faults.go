package bridgetest

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Every fault needs a real process: on miniredis each method below skips the test, as
// RequireReal does.

// running returns the live process or fails t.
func (s *Server) running(t testing.TB, op string) *proc {
	t.Helper()
	s.RequireReal(t)
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil {
		t.Fatalf("bridgetest: %s: redis-server on %s is not running", op, s.Addr())
	}
	return p
}

// detach forgets the current process after it has exited.
func (s *Server) detach(p *proc) {
	s.mu.Lock()
	if s.proc == p {
		s.proc, s.frozen = nil, false
	}
	s.mu.Unlock()
}

// Kill sends SIGKILL and waits for the exit; the data is gone (no persistence).
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	p := s.running(t, "Kill")
	p.signal(syscall.SIGKILL) // works on a frozen process too
	if !p.wait(exitTimeout) {
		t.Fatalf("bridgetest: Kill: redis-server on %s did not exit in %v", s.Addr(), exitTimeout)
	}
	s.detach(p)
}

// Restart starts redis-server again on the same port after Kill or Shutdown, retrying the
// bind a few times, and waits until it answers PING.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.RequireReal(t)
	s.mu.Lock()
	p, port := s.proc, s.port
	s.mu.Unlock()
	if p != nil {
		t.Fatalf("bridgetest: Restart: redis-server on %s is still running; Kill or Shutdown first", s.Addr())
	}
	var err error
	for i := 0; i < restartTries; i++ {
		if err = s.boot(port); err == nil || !errors.Is(err, errPortInUse) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("bridgetest: Restart on port %d: %v\n%s", port, err, s.LogTail())
	}
}

// Shutdown sends SHUTDOWN NOSAVE and waits for the exit.
func (s *Server) Shutdown(t testing.TB) {
	t.Helper()
	p := s.running(t, "Shutdown")
	s.Thaw(t)
	_, err := s.DoErr("SHUTDOWN", "NOSAVE")
	// The server closes the connection instead of replying; only a Redis refusal counts.
	var rerr redis.Error
	if errors.As(err, &rerr) {
		t.Fatalf("bridgetest: Shutdown: %v\n%s", err, s.LogTail())
	}
	if !p.wait(exitTimeout) {
		t.Fatalf("bridgetest: Shutdown: redis-server on %s did not exit in %v\n%s",
			s.Addr(), exitTimeout, s.LogTail())
	}
	s.detach(p)
}

// Freeze stops the process with SIGSTOP: connections stay open, nothing is answered.
// Cleanup thaws it before stopping it.
func (s *Server) Freeze(t testing.TB) {
	t.Helper()
	p := s.running(t, "Freeze")
	s.mu.Lock()
	s.frozen = true
	s.mu.Unlock()
	p.signal(syscall.SIGSTOP)
}

// Thaw resumes a frozen process with SIGCONT; it does nothing if s is not frozen.
func (s *Server) Thaw(t testing.TB) {
	t.Helper()
	p := s.running(t, "Thaw")
	s.mu.Lock()
	frozen := s.frozen
	s.frozen = false
	s.mu.Unlock()
	if frozen {
		p.signal(syscall.SIGCONT)
	}
}

// ClientKill runs CLIENT KILL TYPE typ (normal, pubsub, replica, master) and returns how
// many connections the server closed.
func (s *Server) ClientKill(t testing.TB, typ string) int {
	t.Helper()
	s.running(t, "ClientKill")
	v := s.Do(t, "CLIENT", "KILL", "TYPE", typ)
	n, ok := v.(int64)
	if !ok {
		t.Fatalf("bridgetest: CLIENT KILL TYPE %s answered %T %v", typ, v, v)
	}
	return int(n)
}
