package bridge

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

// errNotTLS is the cause given when a TLS client meets a plaintext Redis.
var errNotTLS = errors.New("the server answered a plaintext PING: it does not speak TLS")

// A plaintext Redis never answers a TLS ClientHello: a rediss:// client
// waits out its whole dial timeout and learns only "context deadline
// exceeded". speaksPlainRESP asks the same address a plaintext PING beside
// the TLS attempt; a RESP reply ('+PONG', '-NOAUTH …') says the server speaks
// no TLS, in milliseconds.
func speaksPlainRESP(ctx context.Context, addr string) bool {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() }) // the TLS attempt won: stop waiting
	defer stop()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Second)
	}
	_ = c.SetDeadline(deadline)
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	var b [1]byte
	if _, err := c.Read(b[:]); err != nil {
		return false
	}
	return b[0] == '+' || b[0] == '-'
}

// pingTLSAware is Ping's round trip; on a single server over TLS it races a
// plaintext probe, so a plaintext server is named at once.
func (b *Bridge) pingTLSAware(ctx context.Context) error {
	cl, ok := b.client.(*redis.Client)
	if !ok || !b.cfg.Conn.UsesTLS() {
		return b.client.Ping(ctx).Err()
	}
	addr := cl.Options().Addr
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res := make(chan error, 2)
	go func() { res <- b.client.Ping(ctx).Err() }()
	go func() {
		if speaksPlainRESP(ctx, addr) {
			res <- errNotTLS
		}
	}()
	return <-res
}
