package harness

// faultProxyMaxConns bounds the proxy of a proxy-blackhole run (two
// goroutines per connection): a run holds two or three connections per
// instance. The proxy itself is bridge/tcpproxy.
const faultProxyMaxConns = 4096
