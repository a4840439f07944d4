package bridgetest

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	clusterNodeTimeout   = 1000 // ms, cluster-node-timeout: failures are noticed in about a second
	clusterCreateTimeout = 30 * time.Second
	clusterSettleTimeout = 20 * time.Second
)

// Cluster is a private Redis Cluster of masters without replicas, one redis-server per
// node, created with redis-cli --cluster create.
type Cluster struct {
	Nodes []*Server
}

// StartCluster starts masters redis-servers with cluster mode on, joins them with
// redis-cli --cluster create, and waits until every node reports cluster_state:ok and
// the same slot map. Each node has its own cluster bus port (--cluster-port), so any
// free port works, and keeps its nodes.conf across Restart, so a restarted node
// rejoins with its slots. It skips where only miniredis exists.
func StartCluster(t testing.TB, masters int, opts ...Option) *Cluster {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	c := &Cluster{}
	for i := 0; i < masters; i++ {
		bus, perr := freePort()
		if perr != nil {
			t.Fatalf("bridgetest: %v", perr)
		}
		args := WithArgs("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", strconv.Itoa(clusterNodeTimeout), "--cluster-port", strconv.Itoa(bus))
		n := Start(t, append([]Option{args}, opts...)...)
		n.RequireReal(t)
		c.Nodes = append(c.Nodes, n)
	}
	if err != nil {
		t.Fatalf("bridgetest: StartCluster needs redis-cli: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterCreateTimeout)
	defer cancel()
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	out, err := exec.CommandContext(ctx, cli, append(args, "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("bridgetest: redis-cli --cluster create: %v\n%s", err, out)
	}
	c.WaitHealthy(t)
	return c
}

// Addrs returns every node's "127.0.0.1:PORT".
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr()
	}
	return addrs
}

// Node returns the node listening on addr, or nil.
func (c *Cluster) Node(addr string) *Server {
	for _, n := range c.Nodes {
		if n.Addr() == addr {
			return n
		}
	}
	return nil
}

// WaitHealthy waits until every node answers cluster_state:ok and all of them agree on
// which node owns every slot.
func (c *Cluster) WaitHealthy(t testing.TB) {
	t.Helper()
	eventuallyTB(t, clusterSettleTimeout, "the cluster to be healthy and agree on its slots", func() bool {
		var first string
		for i, n := range c.Nodes {
			info, err := n.DoErr("CLUSTER", "INFO")
			if err != nil || !strings.Contains(fmt.Sprint(info), "cluster_state:ok") {
				return false
			}
			m, err := slotMap(n)
			if err != nil {
				return false
			}
			if i == 0 {
				first = m
			} else if m != first {
				return false
			}
		}
		return true
	})
}

// slotMap renders a node's CLUSTER SLOTS as "start-end=addr ..." in reply order, sorted by
// start, for comparing nodes' views.
func slotMap(n *Server) (string, error) {
	v, err := n.DoErr("CLUSTER", "SLOTS")
	if err != nil {
		return "", err
	}
	ranges, _ := v.([]any)
	owners := make(map[int64]string, len(ranges))
	var starts []int64
	covered := int64(0)
	for _, r := range ranges {
		f, _ := r.([]any)
		if len(f) < 3 {
			return "", fmt.Errorf("CLUSTER SLOTS entry %v", r)
		}
		start, _ := f[0].(int64)
		end, _ := f[1].(int64)
		node, _ := f[2].([]any)
		if len(node) < 2 {
			return "", fmt.Errorf("CLUSTER SLOTS node %v", f[2])
		}
		owners[start] = fmt.Sprintf("%d-%d=%s", start, end, net.JoinHostPort(fmt.Sprint(node[0]), fmt.Sprint(node[1])))
		starts = append(starts, start)
		covered += end - start + 1
	}
	if covered != 16384 {
		return "", fmt.Errorf("%d slots covered", covered)
	}
	slices.Sort(starts)
	parts := make([]string, len(starts))
	for i, s := range starts {
		parts[i] = owners[s]
	}
	return strings.Join(parts, " "), nil
}

// KeySlot asks the cluster which slot a key or shard channel hashes to.
func (c *Cluster) KeySlot(t testing.TB, key string) int {
	t.Helper()
	v := c.Nodes[0].Do(t, "CLUSTER", "KEYSLOT", key)
	n, ok := v.(int64)
	if !ok {
		t.Fatalf("bridgetest: CLUSTER KEYSLOT %q answered %v", key, v)
	}
	return int(n)
}

// Owner returns the node that owns slot, as the first node sees it.
func (c *Cluster) Owner(t testing.TB, slot int) *Server {
	t.Helper()
	m, err := slotMap(c.Nodes[0])
	if err != nil {
		t.Fatalf("bridgetest: CLUSTER SLOTS: %v", err)
	}
	for _, part := range strings.Fields(m) {
		rng, addr, _ := strings.Cut(part, "=")
		lo, hi, _ := strings.Cut(rng, "-")
		a, _ := strconv.Atoi(lo)
		b, _ := strconv.Atoi(hi)
		if slot >= a && slot <= b {
			return c.Node(addr)
		}
	}
	t.Fatalf("bridgetest: slot %d has no owner", slot)
	return nil
}

// MoveSlot moves an empty slot (no keys: pub/sub needs none) to node to, the way
// redis-cli --cluster reshard does (IMPORTING, MIGRATING, then NODE on every node), and
// waits until every node agrees. The old owner drops its shard channels in the slot.
func (c *Cluster) MoveSlot(t testing.TB, slot int, to *Server) {
	t.Helper()
	from := c.Owner(t, slot)
	if from == to {
		return
	}
	fromID, toID := from.Do(t, "CLUSTER", "MYID"), to.Do(t, "CLUSTER", "MYID")
	to.Do(t, "CLUSTER", "SETSLOT", slot, "IMPORTING", fromID)
	from.Do(t, "CLUSTER", "SETSLOT", slot, "MIGRATING", toID)
	to.Do(t, "CLUSTER", "SETSLOT", slot, "NODE", toID)
	from.Do(t, "CLUSTER", "SETSLOT", slot, "NODE", toID)
	for _, n := range c.Nodes {
		if n != from && n != to {
			n.Do(t, "CLUSTER", "SETSLOT", slot, "NODE", toID)
		}
	}
	c.WaitHealthy(t)
	if got := c.Owner(t, slot); got != to {
		t.Fatalf("bridgetest: slot %d is on %s after the move, want %s", slot, got.Addr(), to.Addr())
	}
}
