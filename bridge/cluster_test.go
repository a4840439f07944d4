package bridge_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

func clusterCfg(cl *bridgetest.Cluster, id string, sharded bool, channels []string) bridge.Config {
	cfg := fastCfg("", id)
	cfg.Conn.ClusterAddrs = cl.Addrs()[:1] // one seed is enough: the rest is discovered
	cfg.Sharded, cfg.Channels = sharded, channels
	return cfg
}

// channelPerNode finds one channel name per node, each owned by that node's shard.
func channelPerNode(t *testing.T, cl *bridgetest.Cluster) map[string]string {
	t.Helper()
	byNode := map[string]string{}
	for i := 0; len(byNode) < len(cl.Nodes) && i < 100; i++ {
		ch := fmt.Sprintf("bridge:market:%d", i)
		owner := cl.Owner(t, cl.KeySlot(t, ch)).Addr()
		if _, ok := byNode[owner]; !ok {
			byNode[owner] = ch
		}
	}
	if len(byNode) < len(cl.Nodes) {
		t.Fatalf("no channel for every node: %v", byNode)
	}
	return byNode
}

// countBy counts a recorder's events per channel.
func countBy(rec *recorder) map[string]int {
	n := map[string]int{}
	for _, ev := range rec.snapshot() {
		n[ev.Channel]++
	}
	return n
}

func publishEach(t *testing.T, b *bridge.Bridge, channels []string, n int) {
	t.Helper()
	for _, ch := range channels {
		for i := 0; i < n; i++ {
			if _, err := b.Publish(t.Context(), ch, "ticker", nil); err != nil {
				t.Fatalf("publish on %s: %v", ch, err)
			}
		}
	}
}

// clusterRig is a cluster with a broadcast and a sharded subscriber and publisher.
type clusterRig struct {
	cl                 *bridgetest.Cluster
	byNode             map[string]string // node address -> a channel its shard owns
	channels           []string
	plainSub, shardSub *bridge.Bridge
	plainRec, shardRec *recorder
	plainPub, shardPub *bridge.Bridge
}

// TestCluster: plain pub/sub (broadcast, one subscription) and sharded pub/sub (one
// subscription per shard) on a 3-master cluster; then a slot moved to another shard,
// and a master killed and restarted mid-stream: the broadcast subscription moves to a
// live node, the shard's subscription follows the slot and comes back with its node.
func TestCluster(t *testing.T) {
	t.Cleanup(func() { awaitDialProbes(t) }) // runs last, after every Close
	r := &clusterRig{cl: bridgetest.StartCluster(t, 3)}
	r.byNode = channelPerNode(t, r.cl)
	r.channels = slices.Sorted(maps.Values(r.byNode))
	r.plainSub, r.plainRec = startBridge(t, clusterCfg(r.cl, "plain-sub", false, r.channels))
	r.shardSub, r.shardRec = startBridge(t, clusterCfg(r.cl, "shard-sub", true, r.channels))
	plainPubCfg, shardPubCfg := clusterCfg(r.cl, "plain-pub", false, nil), clusterCfg(r.cl, "shard-pub", true, nil)
	plainPubCfg.DisableSubscription, shardPubCfg.DisableSubscription = true, true
	r.plainPub, _ = startBridge(t, plainPubCfg)
	r.shardPub, _ = startBridge(t, shardPubCfg)

	r.deliverAll(t, 5)
	checkRows(t, r.plainSub.Stats().Shards, r.shardSub.Stats().Shards, r.byNode)
	for node, ch := range r.byNode { // SSUBSCRIBE landed on the owner
		if v := r.cl.Node(node).Do(t, "PUBSUB", "SHARDNUMSUB", ch).([]any); v[1] != int64(1) {
			t.Errorf("PUBSUB SHARDNUMSUB %s on its owner %s = %v, want 1", ch, node, v[1])
		}
	}
	victim := r.plainSub.Stats().Shards[0].Addr // the node carrying the broadcast subscription
	r.moveSlot(t, victim)
	r.restart(t, victim)
}

// deliverAll publishes n events per channel on both publishers and waits for them.
func (r *clusterRig) deliverAll(t *testing.T, n int) {
	t.Helper()
	p0, s0 := countBy(r.plainRec), countBy(r.shardRec)
	publishEach(t, r.plainPub, r.channels, n)
	publishEach(t, r.shardPub, r.channels, n)
	waitFor(t, "deliveries on every shard", 5*time.Second, func() bool {
		p, s := countBy(r.plainRec), countBy(r.shardRec)
		for _, ch := range r.channels {
			if p[ch] != p0[ch]+n || s[ch] != s0[ch]+n {
				return false
			}
		}
		return true
	})
}

// moveSlot moves the slot of a channel between the two nodes that are not the victim:
// the old owner drops the subscription (SUNSUBSCRIBE), the bridge resubscribes there.
func (r *clusterRig) moveSlot(t *testing.T, victim string) {
	var from, to string
	for node := range r.byNode {
		switch {
		case node == victim:
		case from == "":
			from = node
		default:
			to = node
		}
	}
	ch := r.byNode[from]
	before := rowChannels(r.shardSub)
	start := time.Now()
	r.cl.MoveSlot(t, r.cl.KeySlot(t, ch), r.cl.Node(to))
	waitFor(t, "the shard subscription to follow the slot", 5*time.Second, func() bool {
		now := rowChannels(r.shardSub)
		return r.shardSub.Stats().State == bridge.StateConnected &&
			now[from] == before[from]-1 && now[to] == before[to]+1
	})
	followed := time.Since(start)
	r.byNode[to] = ch // to now carries two of the channels
	delete(r.byNode, from)
	r.deliverAll(t, 3)
	t.Logf("slot of %s moved %s -> %s: sharded subscription followed %v after the move began",
		ch, from, to, followed.Round(time.Millisecond))
}

// rowChannels maps a bridge's subscription rows to the channels each carries.
func rowChannels(b *bridge.Bridge) map[string]int {
	m := map[string]int{}
	for _, row := range b.Stats().Shards {
		m[row.Addr] = row.Channels
	}
	return m
}

// checkRows: one broadcast row; one sharded row per node, each carrying its channel
// (and the control channel on its own shard).
func checkRows(t *testing.T, plain, sharded []bridge.ShardStats, byNode map[string]string) {
	t.Helper()
	if len(plain) != 1 || plain[0].State != bridge.StateConnected || plain[0].Channels != len(byNode)+1 {
		t.Errorf("broadcast rows %+v, want one connected row with %d channels", plain, len(byNode)+1)
	}
	total := 0
	for _, r := range sharded {
		total += r.Channels
		if _, ok := byNode[r.Addr]; !ok || r.State != bridge.StateConnected {
			t.Errorf("sharded row %+v is not a connected cluster node", r)
		}
	}
	if len(sharded) != len(byNode) || total != len(byNode)+1 {
		t.Errorf("sharded rows %+v, want %d rows carrying %d channels", sharded, len(byNode), len(byNode)+1)
	}
}

// restart kills the victim (owner of a channel, and carrier of the broadcast
// subscription) mid-stream and restarts it.
func (r *clusterRig) restart(t *testing.T, victim string) {
	ch := r.byNode[victim]
	plainTk := startTicker(r.plainPub, ch, 5*time.Millisecond)
	shardTk := startTicker(r.shardPub, ch, 5*time.Millisecond)
	node := r.cl.Node(victim)
	node.Kill(t)
	killed := time.Now()
	waitFor(t, "the broadcast subscription to move", 5*time.Second, func() bool {
		st := r.plainSub.Stats()
		return st.State == bridge.StateConnected && st.Shards[0].Addr != victim
	})
	moved := time.Since(killed)
	n := countBy(r.plainRec)[ch]
	waitFor(t, "broadcast delivery while the node is down", 5*time.Second, func() bool { return countBy(r.plainRec)[ch] > n+10 })
	if st := r.shardSub.Stats(); st.State != bridge.StateDisconnected {
		t.Errorf("sharded subscriber %s with a shard down", st.State)
	}
	time.Sleep(500 * time.Millisecond)
	node.Restart(t)
	restarted := time.Now()
	n = countBy(r.shardRec)[ch]
	waitFor(t, "sharded delivery after the restart", 15*time.Second, func() bool { return countBy(r.shardRec)[ch] > n })
	recovered := time.Since(restarted)
	waitFor(t, "steady sharded delivery", 5*time.Second, func() bool { return countBy(r.shardRec)[ch] > n+20 })
	pOK, pErr := plainTk.halt()
	sOK, sErr := shardTk.halt()
	var row bridge.ShardStats
	for _, rw := range r.shardSub.Stats().Shards {
		if rw.Addr == victim {
			row = rw
		}
	}
	if row.Reconnects != 1 || row.State != bridge.StateConnected {
		t.Errorf("restarted shard's row %+v, want connected after 1 reconnect", row)
	}
	t.Logf("broadcast subscription moved off the killed node in %v; sharded delivery back %v after the restart; "+
		"published plain %d (%d failed), sharded %d (%d failed); lost plain %d, sharded %d",
		moved.Round(time.Millisecond), recovered.Round(time.Millisecond),
		pOK, pErr, sOK, sErr, r.plainSub.Stats().Gaps, r.shardSub.Stats().Gaps)
}
