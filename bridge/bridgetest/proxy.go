package bridgetest

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	// maxProxyConns bounds the proxy's goroutines (two per connection); connections past
	// it are closed at once.
	maxProxyConns = 256
	proxyDial     = 2 * time.Second
	proxyBuf      = 32 << 10
)

// Proxy is a TCP forwarder on a free 127.0.0.1 port that injects network faults between
// a client and its target: black holes, resets and refused connections.
type Proxy struct {
	target    string
	ln        net.Listener
	blackhole atomic.Bool
	refuse    atomic.Bool
	closeOnce sync.Once
	wg        sync.WaitGroup // the accept loop and every pipe

	mu     sync.Mutex
	links  map[*link]struct{}
	closed bool
}

// link is one proxied connection: the client's side and the target's side.
type link struct {
	client, server *net.TCPConn
	once           sync.Once
}

// close closes both sides; abort sends RST instead of FIN.
func (l *link) close(abort bool) {
	l.once.Do(func() {
		if abort {
			_ = l.client.SetLinger(0)
			_ = l.server.SetLinger(0)
		}
		_ = l.client.Close()
		_ = l.server.Close()
	})
}

// NewProxy listens on a free 127.0.0.1 port and forwards every connection to target; it is
// closed in t.Cleanup.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("bridgetest: proxy listen: %v", err)
	}
	p := &Proxy{target: target, ln: ln, links: make(map[*link]struct{})}
	p.wg.Add(1)
	go p.acceptLoop()
	t.Cleanup(p.Close)
	return p
}

// Addr returns the proxy's "127.0.0.1:PORT".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// URL returns "redis://" plus Addr.
func (p *Proxy) URL() string { return "redis://" + p.Addr() }

// Blackhole keeps connections open but silently drops bytes both ways, on current and new
// connections, until Restore.
func (p *Proxy) Blackhole() { p.blackhole.Store(true) }

// Restore stops black-holing; bytes dropped meanwhile stay lost.
func (p *Proxy) Restore() { p.blackhole.Store(false) }

// Refuse makes the proxy accept and at once close new connections while on is true.
func (p *Proxy) Refuse(on bool) { p.refuse.Store(on) }

// Reset closes every current connection abruptly (RST on both sides); new connections
// still work.
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

// Close stops listening, closes every connection and waits for all goroutines; it is
// idempotent.
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
		p.serve(c.(*net.TCPConn))
	}
}

// serve dials the target for one accepted connection and starts its two pipes.
func (p *Proxy) serve(c *net.TCPConn) {
	if p.refuse.Load() || p.Conns() >= maxProxyConns {
		_ = c.Close()
		return
	}
	sc, err := net.DialTimeout("tcp", p.target, proxyDial)
	if err != nil {
		_ = c.Close()
		return
	}
	l := &link{client: c, server: sc.(*net.TCPConn)}
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

// pipe copies src to dst, dropping the bytes while black-holed, until either side fails.
func (p *Proxy) pipe(l *link, src, dst *net.TCPConn) {
	defer p.wg.Done()
	buf := make([]byte, proxyBuf)
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
