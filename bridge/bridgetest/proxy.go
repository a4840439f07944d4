package bridgetest

import (
	"testing"

	"github.com/bridgescope/bridgescope/bridge/tcpproxy"
)

// maxProxyConns bounds a test proxy's goroutines (two per connection).
const maxProxyConns = 256

// Proxy is a TCP forwarder on a free 127.0.0.1 port that injects network
// faults between a client and its target: black holes, resets and refused
// connections.
type Proxy = tcpproxy.Proxy

// NewProxy listens on a free 127.0.0.1 port and forwards every connection to
// target; it is closed in t.Cleanup.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p, err := tcpproxy.New(target, maxProxyConns)
	if err != nil {
		t.Fatalf("bridgetest: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}
