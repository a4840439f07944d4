package bridgetest

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestKillRestartSamePort(t *testing.T) {
	s := Start(t)
	s.RequireReal(t)
	c := s.Client(t)
	ctx := context.Background()
	s.Do(t, "SET", "k", "v")
	addr, pid := s.Addr(), s.proc.cmd.Process.Pid

	s.Kill(t)
	if err := ping(addr, 300*time.Millisecond); err == nil {
		t.Fatal("PING succeeded after Kill")
	}
	if tail := s.LogTail(); strings.Contains(tail, "SIGTERM") || strings.Contains(tail, "ready to exit") {
		t.Errorf("Kill let the server shut down cleanly; want SIGKILL:\n%s", tail)
	}
	s.Restart(t)
	if s.Addr() != addr {
		t.Errorf("Restart moved from %s to %s", addr, s.Addr())
	}
	if s.proc.cmd.Process.Pid == pid {
		t.Errorf("Restart kept pid %d", pid)
	}
	if got := s.Do(t, "PING"); got != "PONG" {
		t.Errorf("PING after Restart = %v", got)
	}
	if got := s.Do(t, "GET", "k"); got != nil {
		t.Errorf("GET k after Kill+Restart = %v, want nil (no persistence)", got)
	}
	// A client from before the kill reconnects by itself once its dead conn is dropped.
	eventually(t, 2*time.Second, "old client reconnects", func() bool {
		return c.Ping(ctx).Err() == nil
	})
}

func TestRestartWhileRunningIsFatal(t *testing.T) {
	s := Start(t)
	s.RequireReal(t)
	f, returned := runFake(t, s.Restart)
	if fatal, _ := f.result(); returned || !strings.Contains(fatal, "still running") {
		t.Errorf("Restart on a running server: returned=%v fatal=%q", returned, fatal)
	}
}

func TestFreezeThaw(t *testing.T) {
	s := Start(t)
	s.RequireReal(t)
	s.Freeze(t)
	start := time.Now()
	err := ping(s.Addr(), 300*time.Millisecond)
	if err == nil {
		t.Fatal("PING answered by a frozen server")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("frozen PING took %v to fail, want about 300ms", d)
	}
	s.Thaw(t)
	if err := ping(s.Addr(), 300*time.Millisecond); err != nil {
		t.Fatalf("PING after Thaw: %v", err)
	}
	s.Thaw(t) // a second Thaw is harmless
}

func TestClientKillPubsub(t *testing.T) {
	s := Start(t)
	s.RequireReal(t)
	ctx := context.Background()
	ps := s.Client(t).Subscribe(ctx, "bridge:events")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil { // the subscription confirmation
		t.Fatal(err)
	}
	s.Client(t).Ping(ctx) // a normal client that must survive
	if n := s.ClientKill(t, "pubsub"); n != 1 {
		t.Errorf("ClientKill(pubsub) = %d, want 1", n)
	}
	if n := s.ClientKill(t, "pubsub"); n != 0 {
		t.Errorf("second ClientKill(pubsub) = %d, want 0", n)
	}
	ctxT, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := ps.ReceiveTimeout(ctxT, time.Second); err == nil {
		t.Error("killed subscription still receives")
	}
}

func TestShutdown(t *testing.T) {
	s := Start(t)
	s.RequireReal(t)
	s.Do(t, "SET", "k", "v")
	s.Freeze(t) // Shutdown thaws first
	s.Shutdown(t)
	if err := ping(s.Addr(), 300*time.Millisecond); err == nil {
		t.Fatal("PING succeeded after Shutdown")
	}
	if !strings.Contains(s.LogTail(), "ready to exit") {
		t.Errorf("log does not show a clean exit:\n%s", s.LogTail())
	}
	s.Restart(t)
	if got := s.Do(t, "GET", "k"); got != nil {
		t.Errorf("GET k after SHUTDOWN NOSAVE+Restart = %v, want nil", got)
	}
}
