package bridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// TestTestKnobs: TestDrop loses exactly what it is told to, before any
// accounting (the tracker sees gaps, not receipts); TestClockOffset shifts
// both the send and the receive clock; a stream of control messages on a data
// channel is counted as such.
func TestTestKnobs(t *testing.T) {
	srv := bridgetest.Start(t)
	k := 0
	recvCfg := fastCfg(srv.URL(), "recv")
	recvCfg.TestDrop = func(source string) bool { k++; return source == "send" && k%5 == 0 }
	recvCfg.TestClockOffset = -time.Hour / 2
	recv, rec := startBridge(t, recvCfg)
	sendCfg := fastCfg(srv.URL(), "send")
	sendCfg.TestClockOffset = time.Minute
	send, _ := startBridge(t, sendCfg)
	ctx := context.Background()
	for range 50 {
		if _, err := send.Publish(ctx, bridge.DefaultChannel, "tick", nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := send.Publish(ctx, bridge.DefaultChannel, bridge.ControlTypePrefix+"probe", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "40 of the 50 events", 5*time.Second, func() bool { return rec.count() >= 40 })
	time.Sleep(100 * time.Millisecond)
	st := recv.Stats()
	if st.Received != 40 || len(st.Streams) != 1 {
		t.Fatalf("received %d in %d streams, want 40 in 1: %+v", st.Received, len(st.Streams), st.Streams)
	}
	s := st.Streams[0]
	if s.MaxSeq != 51 || s.Received != 41 || s.Gaps != 10 || s.Control != 1 {
		t.Errorf("stream %+v: want max 51, received 41 (one a probe), 10 gaps, 1 control", s)
	}
	ev := rec.snapshot()[0]
	if skew := time.Duration(ev.RecvNs - ev.SentNs); skew > -30*time.Minute-time.Minute+time.Second || skew < -32*time.Minute {
		t.Errorf("receive minus send %v, want about -31m (the two test clock offsets)", skew)
	}
}
