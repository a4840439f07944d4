package cli

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Caps on what a connection may cost before and after it authenticates.
const (
	// defaultConnBurst is how many connections one address may open at
	// once: the whole rotation (DefaultMaxSessions) behind one NAT or jump
	// host reconnecting after a network blip, twice over.
	defaultConnBurst = 2 * DefaultMaxSessions
	// defaultConnEvery is how often one address earns a connection past
	// the burst: far more than people reconnect, far fewer handshakes
	// (each a key exchange the server pays for) than a flood or a
	// guessing run needs.
	defaultConnEvery = time.Second
	// maxTrackedAddrs caps the rate limiter's table; past it, addresses
	// whose allowance is full again are forgotten first, then any.
	maxTrackedAddrs = 4096
	// maxStartups caps connections that have not started a session yet
	// (handshake, authentication), as sshd's MaxStartups does: a flood of
	// half-open logins cannot take every file descriptor.
	maxStartups = 32
	// defaultLoginGrace is how long a connection has to start a session,
	// as sshd's LoginGraceTime (120 s): a key login takes well under a
	// second; a minute leaves room for a passphrase prompt.
	defaultLoginGrace = time.Minute
	// maxAuthTries is how many keys one connection may offer, sshd's
	// default.
	maxAuthTries = 6
	// maxChannelsPerConn caps the sessions one connection may open
	// (multiplexed clients open a few; each is a goroutine and a slot).
	maxChannelsPerConn = 4
	// maxEnvRequests caps the environment variables a session may send:
	// TERM, LANG, COLORTERM are what is used; each is kept for the session.
	maxEnvRequests = 32
)

// addrLimiter is a token bucket per remote address.
type addrLimiter struct {
	burst int
	every time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newAddrLimiter(burst int, every time.Duration) *addrLimiter {
	return &addrLimiter{burst: burst, every: every, buckets: map[string]*bucket{}}
}

// allow takes one connection from addr's allowance, if it has one.
func (l *addrLimiter) allow(addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[addr]
	if !ok {
		if len(l.buckets) >= maxTrackedAddrs {
			l.evict(now)
		}
		b = &bucket{tokens: float64(l.burst), at: now}
		l.buckets[addr] = b
	}
	b.tokens = min(float64(l.burst), b.tokens+float64(now.Sub(b.at))/float64(l.every))
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// evict forgets the addresses whose allowance is full again (they lose
// nothing), or, when there are none, one address: a table of many
// addresses must not lock out the next.
func (l *addrLimiter) evict(now time.Time) {
	for a, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.at))/float64(l.every) >= float64(l.burst) {
			delete(l.buckets, a)
		}
	}
	for a := range l.buckets {
		if len(l.buckets) < maxTrackedAddrs {
			return
		}
		delete(l.buckets, a)
	}
}

// remoteHost is the address without its port: the rate is per host.
func remoteHost(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// graceConn is a connection that has not started a session yet: it holds
// one of the maxStartups slots and is closed when the login grace runs
// out.
type graceConn struct {
	net.Conn
	once    sync.Once
	timer   *time.Timer
	release func()
}

// started frees the slot and stops the grace timer: a session began.
func (c *graceConn) started() {
	c.once.Do(func() {
		c.timer.Stop()
		c.release()
	})
}

func (c *graceConn) Close() error {
	c.started()
	return c.Conn.Close()
}

// startups counts the connections that hold a slot.
type startups struct{ n atomic.Int32 }

func (s *startups) acquire() bool {
	if s.n.Add(1) > maxStartups {
		s.n.Add(-1)
		return false
	}
	return true
}

func (s *startups) release() { s.n.Add(-1) }

// Connection-scoped values in the ssh.Context.
type (
	graceKey    struct{}
	channelsKey struct{}
)

// sessionChannels is the session channel handler: at most
// maxChannelsPerConn per connection, and requests filtered first.
func sessionChannels(refuse func(ctx ssh.Context, what string)) ssh.ChannelHandler {
	return func(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
		n, _ := ctx.Value(channelsKey{}).(*atomic.Int32)
		if n == nil || n.Add(1) > maxChannelsPerConn {
			_ = nc.Reject(gossh.ResourceShortage, "bridgescope: too many sessions on one connection")
			if n != nil {
				n.Add(-1)
			}
			return
		}
		defer n.Add(-1)
		ssh.DefaultSessionHandler(srv, conn, filteredChannel{NewChannel: nc, ctx: ctx, refuse: refuse}, ctx)
	}
}

// filteredChannel refuses a session's requests for agent and X11
// forwarding (the library accepts agent requests by default) and caps its
// environment, before the library's session sees them.
type filteredChannel struct {
	gossh.NewChannel
	ctx    ssh.Context
	refuse func(ctx ssh.Context, what string)
}

func (c filteredChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := c.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	go func() { // ends with the channel: x/crypto closes reqs
		defer close(out)
		envs := 0
		for r := range reqs {
			switch r.Type {
			case "auth-agent-req@openssh.com", "x11-req":
				c.refuse(c.ctx, r.Type)
				_ = r.Reply(false, nil)
				continue
			case "env":
				if envs++; envs > maxEnvRequests {
					_ = r.Reply(false, nil)
					continue
				}
			}
			out <- r
		}
	}()
	return ch, out, nil
}
