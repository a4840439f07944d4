package harness

import (
	"context"
	"testing"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// TestEventSizeIsWhatGoesOnTheWire: EventSize, which the bench pads its bare
// lane to, is the length of the envelope a lane's Publish really sends,
// within the digits its seq differs by (100,000 there, 1 here).
func TestEventSizeIsWhatGoesOnTheWire(t *testing.T) {
	s := bridgetest.Start(t)
	ctx := context.Background()
	l, err := Start(ctx, Config{Conn: bridge.ConnConfig{URL: s.URL()}, Instances: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	watch := s.Client(t).Subscribe(ctx, bridge.DefaultChannel)
	defer watch.Close()
	if _, err := watch.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	l.Publish(ctx, 0, 100_000)
	m, err := watch.ReceiveMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(m.Payload), l.EventSize(); got > want || want-got > len("100000")-len("1") {
		t.Errorf("EventSize %d, but the lane sent %d bytes: %s", want, got, m.Payload)
	}
}
