package bridgetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestStartTLSServesTLSOnly(t *testing.T) {
	certs := GenerateCerts(t)
	for _, clientAuth := range []bool{false, true} {
		s := StartTLS(t, certs, clientAuth)
		c := redis.NewClient(&redis.Options{
			Addr: s.TLSAddr(), TLSConfig: s.ClientTLS(t), Protocol: 2, DisableIdentity: true,
			MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: time.Second,
		})
		if err := c.Ping(context.Background()).Err(); err != nil {
			t.Errorf("clientAuth=%v: PING over TLS: %v", clientAuth, err)
		}
		_ = c.Close()
		if err := ping(s.TLSAddr(), 300*time.Millisecond); err == nil {
			t.Errorf("clientAuth=%v: a plaintext PING on the TLS port succeeded", clientAuth)
		}
	}
}

func TestStartSentinelFailover(t *testing.T) {
	set := StartSentinel(t)
	old := set.MasterAddr(t)
	if old != set.Nodes[0].Addr() {
		t.Fatalf("sentinels name %s, want the initial master %s", old, set.Nodes[0].Addr())
	}
	start := time.Now()
	addr := set.Failover(t)
	if addr != set.Nodes[1].Addr() {
		t.Fatalf("new master %s, want the replica %s", addr, set.Nodes[1].Addr())
	}
	t.Logf("failover to %s took %v", addr, time.Since(start).Round(time.Millisecond))
}

func TestStartClusterCoversAllSlots(t *testing.T) {
	c := StartCluster(t, 3)
	owners := map[string]bool{}
	for _, slot := range []int{0, 8000, 16383} {
		owners[c.Owner(t, slot).Addr()] = true
	}
	if len(owners) != 3 {
		t.Errorf("slots 0, 8000, 16383 owned by %v, want 3 different nodes", owners)
	}
	if got := c.KeySlot(t, "{user1000}.following"); got != c.KeySlot(t, "user1000") {
		t.Errorf("hash tags ignored: %d", got)
	}
	n := c.Owner(t, 0)
	n.Kill(t)
	n.Restart(t)
	c.WaitHealthy(t)
	v := n.Do(t, "CLUSTER", "INFO")
	if !strings.Contains(v.(string), "cluster_known_nodes:3") {
		t.Errorf("restarted node does not know the cluster:\n%s", v)
	}
}
