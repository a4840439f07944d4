package bridge_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// streamsACL is the least a Streams user needs: its stream keys, XADD, XREAD, XINFO
// STREAM and PING.
var streamsACL = []any{"resetkeys", "~bridge:stream:*", "-@all", "+xadd", "+xread", "+xinfo|stream", "+ping"}

// TestStreamsACL: the minimal Streams user delivers and stays connected while idle; a
// user with pub/sub rights only is refused at Start, at once, with a hint and no secret.
func TestStreamsACL(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	url := setUser(t, srv, "streamer", "pw-streams", streamsACL)
	sub, rec := startBridge(t, streamsCfg(url, "sub"))
	pub, _ := startBridge(t, streamsCfg(url, "pub"))
	publish(t, pub, 5)
	waitFor(t, "deliveries", 5*time.Second, func() bool { return rec.count() == 5 })
	time.Sleep(sub.Config().StreamBlock + sub.Config().PingTimeout)
	if st := sub.Stats(); st.State != bridge.StateConnected || st.Reconnects != 0 || st.SubscribeFails != 0 {
		t.Errorf("idle minimal streams user: state %s, reconnects %d, failures %d (%s)", st.State, st.Reconnects, st.SubscribeFails, st.LastError)
	}

	pubsubOnly := setUser(t, srv, "listener", "S3cret-pw", minimalACL)
	err, took := startErr(t, streamsCfg(pubsubOnly, "listener"))
	if !strings.Contains(err.Error(), "permission denied") || strings.Contains(err.Error(), "S3cret-pw") {
		t.Errorf("streams without stream rights: %v", err)
	}
	if took > time.Second {
		t.Errorf("Start took %v to refuse a user without stream rights", took)
	}
}

// TestStreamsSentinelFailover: the stream reader follows the master across a failover
// and resumes from its last ID on the new master. Replication is asynchronous, so what
// the old master took after the promotion may be gone; whatever is missing, the
// bridge's gaps match the ground truth, and nothing arrives twice.
func TestStreamsSentinelFailover(t *testing.T) {
	set := bridgetest.StartSentinel(t)
	t.Cleanup(func() { awaitDialProbes(t) })
	subCfg := sentinelCfg(set, "sub")
	subCfg.Transport, subCfg.DeliverDuplicates = bridge.TransportStreams, true
	rec := &seqRec{got: map[uint64]bool{}}
	sub, err := bridge.New(subCfg)
	if err != nil {
		t.Fatal(err)
	}
	sub.Handle(rec.handle)
	if err := sub.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	pubCfg := sentinelCfg(set, "pub")
	pubCfg.Transport, pubCfg.DisableSubscription = bridge.TransportStreams, true
	pub, _ := startBridge(t, pubCfg)
	tp := startTruthPub(pub)
	halted := false
	t.Cleanup(func() {
		if !halted {
			tp.halt()
		}
	})
	waitFor(t, "deliveries before the failover", 5*time.Second, func() bool { return rec.count() >= truthWarm })
	addr := set.Failover(t)
	healed := time.Now()
	waitFor(t, "the reader to follow the new master", 5*time.Second, func() bool {
		st := sub.Stats()
		return len(st.Shards) == 1 && st.Shards[0].Addr == addr && st.State == bridge.StateConnected && rec.lastAt().After(healed)
	})
	tp.halt()
	halted = true
	var last uint64
	for range truthTail {
		a := tp.once()
		if !a.ok {
			t.Fatalf("publish %d after the failover: failed", a.seq)
		}
		last = a.seq
	}
	waitFor(t, "the tail", 5*time.Second, func() bool { return rec.has(last) })
	time.Sleep(3 * subCfg.PingInterval)
	st := sub.Stats()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	lost := 0
	for _, a := range tp.attempts() {
		if a.ok && !rec.got[a.seq] {
			lost++
		}
	}
	missing := last - uint64(len(rec.got))
	if st.Gaps != missing || rec.dups != 0 || st.Duplicates != 0 || st.Reconnects < 1 {
		t.Errorf("gaps %d, want the %d seqs missing of %d; duplicates %d (bridge %d); reconnects %d",
			st.Gaps, missing, last, rec.dups, st.Duplicates, st.Reconnects)
	}
	t.Logf("failover to %s: %d of %d seqs received; %d successful publishes lost, %d seqs missing in all; reconnects %d",
		addr, len(rec.got), last, lost, missing, st.Reconnects)
}
