// Package tcpproxy is an in-process TCP forwarder that injects network faults
// between Redis clients and Redis: black holes, resets and refused connections.
//
// The tests (bridgetest.NewProxy) and `validate --fault proxy-blackhole` share it.
package tcpproxy

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

const (
	dialTimeout = 5 * time.Second
	bufSize     = 32 << 10
)

// Proxy forwards every connection accepted on a free 127.0.0.1 port to its
// target until Close.
type Proxy struct {
	target    string
	maxConns  int
	ln        net.Listener
	blackhole atomic.Bool
	refuse    atomic.Bool
	closeOnce sync.Once
	wg        sync.WaitGroup // the accept loop, every dial and every pipe

	mu     sync.Mutex
	links  map[*link]struct{}
	closed bool
}

// link is one proxied connection: the client's side and the target's side.
type link struct {
	client, server net.Conn
	once           sync.Once
}

// close closes both sides; abort sends RST instead of FIN.
func (l *link) close(abort bool) {
	l.once.Do(func() {
		if abort {
			setLinger0(l.client)
			setLinger0(l.server)
		}
		_ = l.client.Close() // closing is all that is left to do with them
		_ = l.server.Close()
	})
}

func setLinger0(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
}

// New listens on a free 127.0.0.1 port and forwards to target. maxConns
// bounds the proxy's goroutines (two per connection): connections past it
// are closed at once.
func New(target string, maxConns int) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tcpproxy: listen: %w", err)
	}
	p := &Proxy{target: target, maxConns: maxConns, ln: ln, links: make(map[*link]struct{})}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr returns the proxy's "127.0.0.1:PORT".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// URL returns "redis://" plus Addr.
func (p *Proxy) URL() string { return "redis://" + p.Addr() }

// Blackhole keeps connections open but silently drops bytes both ways, on
// current and new connections, until Restore: a dead link or a partition.
func (p *Proxy) Blackhole() { p.blackhole.Store(true) }

// Restore stops black-holing; bytes dropped meanwhile stay lost.
func (p *Proxy) Restore() { p.blackhole.Store(false) }

// Refuse makes the proxy accept and at once close new connections while on.
func (p *Proxy) Refuse(on bool) { p.refuse.Store(on) }

// Reset closes every current connection abruptly (RST on both sides); new
// connections still work.
func (p *Proxy) Reset() {
	for _, l := range p.takeLinks() {
		l.close(true)
	}
}

// Conns returns the number of connections being forwarded.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

// Close stops listening, closes every connection and waits for all
// goroutines. It is idempotent.
func (p *Proxy) Close() {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		_ = p.ln.Close()
		for _, l := range p.takeLinks() {
			l.close(false)
		}
		p.wg.Wait()
	})
}

func (p *Proxy) takeLinks() []*link {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*link, 0, len(p.links))
	for l := range p.links {
		out = append(out, l)
		delete(p.links, l)
	}
	return out
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			time.Sleep(10 * time.Millisecond) // e.g. EMFILE: do not spin
			continue
		}
		if p.refuse.Load() || p.Conns() >= p.maxConns {
			_ = c.Close()
			continue
		}
		p.wg.Add(1)
		go p.serve(c) // dialling may take a while: never block the accept loop
	}
}

// serve dials the target for one accepted connection and pipes both ways.
// While black-holed the dial still happens: the link looks up, and dead.
func (p *Proxy) serve(c net.Conn) {
	defer p.wg.Done()
	sc, err := net.DialTimeout("tcp", p.target, dialTimeout)
	if err != nil {
		_ = c.Close() // the client sees the refusal as a closed connection
		return
	}
	l := &link{client: c, server: sc}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		l.close(false)
		return
	}
	p.links[l] = struct{}{}
	p.wg.Add(2)
	p.mu.Unlock()
	go p.pipe(l, l.client, l.server)
	go p.pipe(l, l.server, l.client)
}

// pipe copies src to dst, dropping the bytes while black-holed, until
// either side fails; then it closes both.
func (p *Proxy) pipe(l *link, src, dst net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, bufSize)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.blackhole.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
	l.close(false)
}
