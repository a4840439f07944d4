package bridgetest

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// rawPing writes PING (RESP array form: miniredis rejects inline commands) on c and reads
// one reply line.
func rawPing(c net.Conn, timeout time.Duration) (string, error) {
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return "", err
	}
	if _, err := io.WriteString(c, "*1\r\n$4\r\nPING\r\n"); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

func TestProxyForwards(t *testing.T) {
	s := Start(t)
	p := NewProxy(t, s.Addr())
	if !strings.HasPrefix(p.Addr(), "127.0.0.1:") || p.Addr() == s.Addr() {
		t.Fatalf("proxy Addr() = %q", p.Addr())
	}
	if p.URL() != "redis://"+p.Addr() {
		t.Errorf("URL() = %q", p.URL())
	}
	opt, err := redis.ParseURL(p.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "k", "through-proxy", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got := s.Do(t, "GET", "k"); got != "through-proxy" {
		t.Errorf("GET k on the server = %v", got)
	}
	ps := c.Subscribe(ctx, "bridge:events")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	s.Do(t, "PUBLISH", "bridge:events", "hello")
	msg, err := ps.ReceiveMessage(ctx)
	if err != nil || msg.Payload != "hello" {
		t.Fatalf("ReceiveMessage via proxy = %v, %v", msg, err)
	}
	if n := p.Conns(); n < 2 {
		t.Errorf("Conns() = %d with a command and a pubsub connection open, want >= 2", n)
	}
}

func TestProxyBlackholeRestore(t *testing.T) {
	s := Start(t)
	p := NewProxy(t, s.Addr())
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if line, err := rawPing(conn, time.Second); line != "+PONG\r\n" {
		t.Fatalf("PING via proxy = %q, %v", line, err)
	}
	p.Blackhole()
	if line, err := rawPing(conn, 300*time.Millisecond); !isTimeout(err) {
		t.Errorf("PING on a black-holed conn = %q, %v; want a timeout", line, err)
	}
	if err := ping(p.Addr(), 300*time.Millisecond); !isTimeout(err) {
		t.Errorf("go-redis PING on a new black-holed conn: %v; want a timeout", err)
	}
	if p.Conns() == 0 {
		t.Error("black hole closed the connections; it must keep them open")
	}
	p.Restore()
	if line, err := rawPing(conn, time.Second); line != "+PONG\r\n" {
		t.Errorf("PING on the same conn after Restore = %q, %v", line, err)
	}
	if err := ping(p.Addr(), time.Second); err != nil {
		t.Errorf("go-redis PING after Restore: %v", err)
	}
}

func TestProxyReset(t *testing.T) {
	s := Start(t)
	p := NewProxy(t, s.Addr())
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if line, err := rawPing(conn, time.Second); line != "+PONG\r\n" {
		t.Fatalf("PING via proxy = %q, %v", line, err)
	}
	eventually(t, time.Second, "proxy counts the connection", func() bool { return p.Conns() == 1 })
	p.Reset()
	if p.Conns() != 0 {
		t.Errorf("Conns() = %d after Reset, want 0", p.Conns())
	}
	if err := conn.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// SetLinger(0) makes the close an RST, which the client sees as a reset, not an EOF.
	if _, err = conn.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after Reset: %v; want ECONNRESET", err)
	}
	// A go-redis client whose pooled conn was reset fails once, then reconnects.
	c := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1, ReadTimeout: time.Second})
	defer c.Close()
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	p.Reset()
	time.Sleep(20 * time.Millisecond)       // let the RST arrive
	ps := c.Subscribe(ctx, "bridge:events") // a fresh conn: unaffected by the reset
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatalf("subscribe after Reset: %v", err)
	}
	p.Reset()
	if _, err := ps.ReceiveTimeout(ctx, time.Second); err == nil || isTimeout(err) {
		t.Errorf("subscription after Reset: %v; want a connection error", err)
	}
	if _, err := ps.Receive(ctx); err != nil { // go-redis resubscribes on a new conn
		t.Errorf("resubscribe after Reset: %v", err)
	}
	eventually(t, 2*time.Second, "client PINGs again", func() bool { return c.Ping(ctx).Err() == nil })
}

func TestProxyRefuse(t *testing.T) {
	s := Start(t)
	p := NewProxy(t, s.Addr())
	p.Refuse(true)
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := rawPing(conn, time.Second); err == nil || isTimeout(err) {
		t.Errorf("PING on a refused conn: %v; want a closed connection", err)
	}
	if err := ping(p.Addr(), time.Second); err == nil {
		t.Error("go-redis PING through a refusing proxy succeeded")
	}
	p.Refuse(false)
	if err := ping(p.Addr(), time.Second); err != nil {
		t.Errorf("PING after Refuse(false): %v", err)
	}
}

func TestProxyClose(t *testing.T) {
	s := Start(t)
	p := NewProxy(t, s.Addr())
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if line, err := rawPing(conn, time.Second); line != "+PONG\r\n" {
		t.Fatalf("PING via proxy = %q, %v", line, err)
	}
	p.Close()
	p.Close() // idempotent
	if _, err := rawPing(conn, time.Second); err == nil || isTimeout(err) {
		t.Errorf("PING after Close: %v; want a closed connection", err)
	}
	if c, err := net.Dial("tcp", p.Addr()); err == nil {
		c.Close()
		t.Error("closed proxy still accepts")
	}
}

func TestProxyTargetDown(t *testing.T) {
	s := Start(t)
	s.RequireReal(t)
	p := NewProxy(t, s.Addr())
	s.Kill(t)
	if err := ping(p.Addr(), time.Second); err == nil || isTimeout(err) {
		t.Errorf("PING through proxy to a dead target: %v; want a closed connection", err)
	}
	s.Restart(t)
	if err := ping(p.Addr(), time.Second); err != nil {
		t.Errorf("PING through proxy after Restart: %v", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
