package bridge

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// subSet is what a bridge subscribes to.
type subSet struct {
	plain, patterns []string
	sharded         bool // plain channels go by SSUBSCRIBE
}

// target is one subscription connection: a node and the channels it carries.
type target struct {
	addr     string
	client   *redis.Client
	plain    []string
	patterns []string
	sharded  [][]string // SSUBSCRIBE groups: in a cluster one command may not span slots
}

// sig identifies a target's node and channel set: a target whose sig changed must be
// resubscribed.
func (t target) sig() string {
	var b strings.Builder
	b.WriteString(t.addr)
	for _, list := range append([][]string{t.plain, t.patterns}, t.sharded...) {
		b.WriteString("|")
		b.WriteString(strings.Join(list, ","))
	}
	return b.String()
}

// count is the number of subscribe confirmations the target's subscription gets.
func (t target) count() int {
	n := len(t.plain) + len(t.patterns)
	for _, g := range t.sharded {
		n += len(g)
	}
	return n
}

// topology places subscriptions on nodes and notices when that changes.
type topology interface {
	// resolve says which nodes carry subs now. avoid names nodes that failed
	// lately, for topologies that may choose among several.
	resolve(ctx context.Context, subs subSet, avoid func(addr string) bool) ([]target, error)
	// poll is how often resolve should run with no event at all (0: never).
	poll() time.Duration
	// watch runs until ctx ends and signals changed when the placement may
	// have changed (a failover). It may return at once if it has nothing to watch.
	watch(ctx context.Context, changed chan<- struct{})
	close() error
}

// singleTopo is one server: everything goes to it.
type singleTopo struct {
	client *redis.Client // the command client, owned by conns
	addr   string
}

func (s *singleTopo) resolve(_ context.Context, subs subSet, _ func(string) bool) ([]target, error) {
	return []target{newTarget(s.addr, s.client, subs, nil)}, nil
}

func (s *singleTopo) poll() time.Duration                    { return 0 }
func (s *singleTopo) watch(context.Context, chan<- struct{}) {}
func (s *singleTopo) close() error                           { return nil }

// newTarget places subs on one node. slotGroups splits sharded channels into
// per-slot SSUBSCRIBE commands; nil sends them in one.
func newTarget(addr string, c *redis.Client, subs subSet, slotGroups [][]string) target {
	t := target{addr: addr, client: c, patterns: subs.patterns}
	switch {
	case !subs.sharded:
		t.plain = subs.plain
	case slotGroups != nil:
		t.sharded = slotGroups
	case len(subs.plain) > 0:
		t.sharded = [][]string{subs.plain}
	}
	return t
}

// signal sends on a one-slot channel without blocking: one pending signal is enough.
func signal(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
