package bridge

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// nodePoolSize bounds the connections of one node client: a subscription and the odd
// topology query.
const nodePoolSize = 4

// conns is what a bridge holds open: the command client (PUBLISH, Redis()) and the
// topology that places subscriptions.
type conns struct {
	cmd  redis.UniversalClient
	topo topology
}

// newConns builds a bridge's clients without connecting. Retries are off: a PUBLISH
// whose reply timed out may still have been delivered, and a retry would deliver it
// twice (a cluster still follows MOVED redirects). Each connection is named after the
// instance with CLIENT SETNAME so CLIENT LIST shows whose buffer grows; a user without
// that permission still connects, and setNameRefused says so.
func newConns(cfg Config, setNameRefused *atomic.Bool) (*conns, error) {
	if err := checkSharded(cfg); err != nil {
		return nil, err
	}
	base, err := cfg.Conn.options()
	if err != nil {
		return nil, err
	}
	base.MaxRetries = -1
	base.DialerRetries = 1 // the bridge retries itself, with backoff, visibly
	base.DialTimeout = cfg.DialTimeout
	base.ReadTimeout = cfg.CommandTimeout
	base.WriteTimeout = cfg.CommandTimeout
	base.ContextTimeoutEnabled = true
	base.DisableIdentity = true
	dial := base.Dialer
	if dial == nil {
		dial = redis.NewDialer(base)
	}
	base.Dialer = hookDialer(dial) // subscriptions batch their hand-off (batch.go)
	name := ClientName(cfg.InstanceID)
	base.OnConnect = func(ctx context.Context, cn *redis.Conn) error {
		if err := cn.ClientSetName(ctx, name).Err(); err != nil {
			setNameRefused.Store(true)
		}
		return nil
	}
	installRedisLogger()
	switch cfg.Conn.Mode() {
	case ModeSentinel:
		return newSentinelConns(cfg, base), nil
	case ModeCluster:
		return newClusterConns(cfg, base), nil
	}
	client := redis.NewClient(base)
	return &conns{cmd: client, topo: &singleTopo{client: client, addr: base.Addr}}, nil
}

func checkSharded(cfg Config) error {
	if !cfg.Sharded {
		return nil
	}
	for _, ch := range cfg.Channels {
		if IsPattern(ch) {
			return errors.New("bridge: config: sharded pub/sub has no patterns (SSUBSCRIBE takes channel names): " + ch)
		}
	}
	return nil
}

func (c *conns) close() error {
	return errors.Join(c.topo.close(), c.cmd.Close())
}

// nodePool holds one client per node address, built from the base options, for the
// subscriptions and topology queries of Sentinel and Cluster mode.
type nodePool struct {
	base    *redis.Options
	mu      sync.Mutex
	clients map[string]*redis.Client
}

func newNodePool(base *redis.Options) *nodePool {
	return &nodePool{base: base, clients: make(map[string]*redis.Client)}
}

func (p *nodePool) get(addr string) *redis.Client {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.clients[addr]; c != nil {
		return c
	}
	opt := *p.base
	opt.Addr = addr
	opt.PoolSize = nodePoolSize
	opt.MaxRetries = -1 // said again: go-redis rewrites -1 to 0 in options it has used, and 0 means 3
	if opt.TLSConfig != nil {
		opt.TLSConfig = opt.TLSConfig.Clone()
	}
	c := redis.NewClient(&opt)
	p.clients[addr] = c
	return c
}

func (p *nodePool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for addr, c := range p.clients {
		errs = append(errs, c.Close())
		delete(p.clients, addr)
	}
	return errors.Join(errs...)
}

// publishRaw sends one encoded message: SPUBLISH when sharded, else PUBLISH.
func (b *Bridge) publishRaw(ctx context.Context, channel string, msg []byte) error {
	if b.cfg.Transport == TransportStreams {
		return b.xadd(ctx, channel, msg)
	}
	if b.cfg.Sharded {
		return b.client.SPublish(ctx, channel, msg).Err()
	}
	return b.client.Publish(ctx, channel, msg).Err()
}
