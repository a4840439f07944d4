package probe

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

func TestBaselineConfigErrors(t *testing.T) {
	sink := func(int, uint32, int64, int64) {}
	for _, n := range []int{1, -3, MaxBaselineInstances + 1} {
		if _, err := StartBaseline(context.Background(), BaselineConfig{Instances: n, OnSample: sink}); err == nil {
			t.Errorf("StartBaseline with %d instances: no error", n)
		}
	}
	if _, err := StartBaseline(context.Background(), BaselineConfig{}); err == nil {
		t.Error("StartBaseline without OnSample: no error")
	}
	for _, size := range []int{-1, 13, MaxBaselinePayload + 1} {
		_, err := StartBaseline(context.Background(), BaselineConfig{PayloadSize: size, OnSample: sink})
		if err == nil || !strings.Contains(err.Error(), "payload size") {
			t.Errorf("StartBaseline with a %d-byte payload: %v, want an error naming the payload size", size, err)
		}
	}
}

// TestBaselinePadsToPayloadSize: with PayloadSize 180 every message on the
// lane's channel is 180 bytes and is timed; one of another length (the bare
// 14-byte header) is not the lane's and is not counted.
func TestBaselinePadsToPayloadSize(t *testing.T) {
	const size, n = 180, 50
	srv := bridgetest.Start(t)
	var mu sync.Mutex
	samples := 0
	ctx := context.Background()
	l, err := StartBaseline(ctx, BaselineConfig{Conn: bridge.ConnConfig{URL: srv.URL()}, PayloadSize: size,
		OnSample: func(int, uint32, int64, int64) { mu.Lock(); samples++; mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	watch := srv.Client(t).Subscribe(ctx, l.Channel())
	defer watch.Close()
	if _, err := watch.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	for k := range n {
		if err := l.Publish(ctx, k%2); err != nil {
			t.Fatal(err)
		}
	}
	for range n {
		m, err := watch.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Payload) != size || strings.Trim(m.Payload[baselinePayloadLen:], ".") != "" {
			t.Fatalf("a %d-byte message (padding %q), want %d bytes of header and dots", len(m.Payload), m.Payload[baselinePayloadLen:], size)
		}
	}
	srv.Client(t).Publish(ctx, l.Channel(), make([]byte, baselinePayloadLen)) // header only: not the lane's
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		got := samples
		mu.Unlock()
		if got == n || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // room for the stray message to be (wrongly) counted
	mu.Lock()
	defer mu.Unlock()
	if samples != n {
		t.Errorf("%d samples from %d padded events (each reaches the one other subscriber) and one stray, want %d", samples, n, n)
	}
}
