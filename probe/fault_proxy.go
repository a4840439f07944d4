package probe

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// faultProxyMaxConns bounds the proxy's goroutines (two per connection):
	// a run holds two or three connections per instance.
	faultProxyMaxConns = 4096
	faultProxyDial     = 5 * time.Second
	faultProxyBuf      = 16 << 10
)

// faultProxy is the TCP forwarder a run with proxy-blackhole connects
// through: in-process, on a free 127.0.0.1 port, to the run's Redis. While
// black-holed it keeps every connection open and drops every byte both
// ways, as a dead link or a partition does; what it dropped stays lost.
type faultProxy struct {
	target    string
	ln        net.Listener
	blackhole atomic.Bool
	wg        sync.WaitGroup // the accept loop and every pipe
	closeOnce sync.Once

	mu     sync.Mutex
	links  map[*proxyLink]struct{}
	closed bool
}

type proxyLink struct {
	client, server net.Conn
	once           sync.Once
}

func (l *proxyLink) close() {
	l.once.Do(func() {
		_ = l.client.Close() // closing is all that is left to do with them
		_ = l.server.Close()
	})
}

// startFaultProxy listens on a free loopback port and forwards every
// connection to target until close.
func startFaultProxy(target string) (*faultProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("probe: fault proxy: listen: %w", err)
	}
	p := &faultProxy{target: target, ln: ln, links: make(map[*proxyLink]struct{})}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// addr is the proxy's "127.0.0.1:PORT".
func (p *faultProxy) addr() string { return p.ln.Addr().String() }

// setBlackhole starts or stops dropping bytes on every connection.
func (p *faultProxy) setBlackhole(on bool) { p.blackhole.Store(on) }

// close stops listening, closes every connection and waits for the
// goroutines. Idempotent.
func (p *faultProxy) close() {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		links := make([]*proxyLink, 0, len(p.links))
		for l := range p.links {
			links = append(links, l)
		}
		p.mu.Unlock()
		_ = p.ln.Close()
		for _, l := range links {
			l.close()
		}
		p.wg.Wait()
	})
}

func (p *faultProxy) acceptLoop() {
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
		p.wg.Add(1)
		go p.serve(c) // dialling may take a while: never block the accept loop
	}
}

// serve dials the target for one accepted connection and pipes both ways.
// While black-holed the dial still happens: the link looks up, and dead.
func (p *faultProxy) serve(c net.Conn) {
	defer p.wg.Done()
	sc, err := net.DialTimeout("tcp", p.target, faultProxyDial)
	if err != nil {
		_ = c.Close() // the client sees the refusal as a closed connection
		return
	}
	l := &proxyLink{client: c, server: sc}
	p.mu.Lock()
	if p.closed || len(p.links) >= faultProxyMaxConns {
		p.mu.Unlock()
		l.close()
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
func (p *faultProxy) pipe(l *proxyLink, src, dst net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, faultProxyBuf)
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
	l.close()
}
