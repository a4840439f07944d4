package bridge

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterPollIntervals is how many ping intervals pass between two slot-map checks
// when no event forced one: MOVED slots and dead nodes are noticed on the links, this
// only catches a quiet change.
const clusterPollIntervals = 10

// clusterTopo places subscriptions in a Redis Cluster. Plain pub/sub is broadcast to
// every node, so one subscription on any master carries it all; it moves to another
// master when its node fails. Sharded pub/sub stays on the shard that owns a channel's
// slot, and go-redis's sharded subscription lives on one node (picked by the first
// channel's slot, and resubscribed in one SSUBSCRIBE, which Redis refuses across slots),
// so here there is one subscription per shard, with one SSUBSCRIBE per slot.
type clusterTopo struct {
	nodes   *nodePool
	timeout time.Duration
	every   time.Duration

	mu      sync.Mutex
	known   []string // nodes to ask for the slot map, the last one that answered first
	current string   // the node carrying a plain (broadcast) subscription
}

func newClusterConns(cfg Config, base *redis.Options) *conns {
	c := cfg.Conn
	cmd := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: c.ClusterAddrs, Username: base.Username, Password: base.Password, TLSConfig: base.TLSConfig,
		DialTimeout: base.DialTimeout, ReadTimeout: base.ReadTimeout, WriteTimeout: base.WriteTimeout,
		DialerRetries: base.DialerRetries, ContextTimeoutEnabled: true, MaxRetries: -1,
		DisableIdentity: true, OnConnect: base.OnConnect,
		// Redirects are kept (MOVED is a refusal, never a delivery), and a failed node
		// is retried on another at once rather than after a backoff. A PUBLISH whose
		// reply timed out may so arrive twice: receivers count and drop the duplicate.
		MinRetryBackoff: -1, MaxRetryBackoff: -1,
	})
	t := &clusterTopo{
		nodes: newNodePool(base), timeout: cfg.CommandTimeout,
		every: clusterPollIntervals * cfg.PingInterval, known: slices.Clone(c.ClusterAddrs),
	}
	return &conns{cmd: cmd, topo: t}
}

// slotRange is one row of CLUSTER SLOTS: slots start..end belong to the master at addr.
type slotRange struct {
	start, end int
	addr       string
}

func (c *clusterTopo) resolve(ctx context.Context, subs subSet, avoid func(string) bool) ([]target, error) {
	ranges, err := c.slots(ctx)
	if err != nil {
		return nil, err
	}
	if !subs.sharded {
		addr := c.pick(ranges, avoid)
		return []target{newTarget(addr, c.nodes.get(addr), subs, nil)}, nil
	}
	return c.shardTargets(ranges, subs)
}

// shardTargets groups sharded channels by the master owning their slot, and within
// one master by slot.
func (c *clusterTopo) shardTargets(ranges []slotRange, subs subSet) ([]target, error) {
	bySlot := map[string]map[int][]string{}
	for _, ch := range subs.plain {
		slot := keySlot(ch)
		owner := ""
		for _, r := range ranges {
			if slot >= r.start && slot <= r.end {
				owner = r.addr
			}
		}
		if owner == "" {
			return nil, fmt.Errorf("bridge: cluster: slot %d of channel %s has no master", slot, ch)
		}
		if bySlot[owner] == nil {
			bySlot[owner] = map[int][]string{}
		}
		bySlot[owner][slot] = append(bySlot[owner][slot], ch)
	}
	var targets []target
	for _, addr := range slices.Sorted(maps.Keys(bySlot)) {
		var groups [][]string
		for _, slot := range slices.Sorted(maps.Keys(bySlot[addr])) {
			groups = append(groups, bySlot[addr][slot])
		}
		targets = append(targets, newTarget(addr, c.nodes.get(addr), subs, groups))
	}
	return targets, nil
}

// pick keeps the broadcast subscription where it is while that node is a master and
// has not failed lately; otherwise it takes the first master that has not.
func (c *clusterTopo) pick(ranges []slotRange, avoid func(string) bool) string {
	var masters []string
	for _, r := range ranges {
		if !slices.Contains(masters, r.addr) {
			masters = append(masters, r.addr)
		}
	}
	slices.Sort(masters)
	c.mu.Lock()
	defer c.mu.Unlock()
	if slices.Contains(masters, c.current) && !avoid(c.current) {
		return c.current
	}
	c.current = masters[0]
	for _, m := range masters {
		if !avoid(m) {
			c.current = m
			break
		}
	}
	return c.current
}

// slots asks the known nodes in turn for the slot map.
func (c *clusterTopo) slots(ctx context.Context) ([]slotRange, error) {
	c.mu.Lock()
	ask := slices.Clone(c.known)
	c.mu.Unlock()
	var errs []error
	for _, addr := range ask {
		qctx, cancel := context.WithTimeout(ctx, c.timeout)
		reply, err := c.nodes.get(addr).ClusterSlots(qctx).Result()
		cancel()
		if err == nil && len(reply) == 0 {
			err = errors.New("no slots assigned")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
			continue
		}
		ranges := make([]slotRange, 0, len(reply))
		for _, s := range reply {
			if len(s.Nodes) > 0 {
				ranges = append(ranges, slotRange{start: s.Start, end: s.End, addr: s.Nodes[0].Addr})
			}
		}
		c.remember(addr, ranges)
		return ranges, nil
	}
	return nil, fmt.Errorf("bridge: cluster: no node answered CLUSTER SLOTS: %w", errors.Join(errs...))
}

// remember puts the node that answered first and adds every master to the nodes to ask.
func (c *clusterTopo) remember(addr string, ranges []slotRange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	known := []string{addr}
	for _, a := range c.known {
		if a != addr {
			known = append(known, a)
		}
	}
	for _, r := range ranges {
		if !slices.Contains(known, r.addr) {
			known = append(known, r.addr)
		}
	}
	c.known = known
}

func (c *clusterTopo) poll() time.Duration                    { return c.every }
func (c *clusterTopo) watch(context.Context, chan<- struct{}) {}
func (c *clusterTopo) close() error                           { return c.nodes.close() }
