package bench

import (
	"context"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/probe"
)

func TestRawCountsEveryDelivery(t *testing.T) {
	s := bridgetest.Start(t)
	res, err := RunRaw(context.Background(), probe.BaselineConfig{Conn: bridge.ConnConfig{URL: s.URL()}, Instances: 3},
		200, time.Second, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if res.Published != 200 || res.Expected != 400 || res.Delivered != 400 || res.DeliveryRate() != 100 {
		t.Errorf("published %d, expected %d, delivered %d (%.1f%%); want 200, 400, 400 (100%%)",
			res.Published, res.Expected, res.Delivered, res.DeliveryRate())
	}
	if res.Duplicates != 0 || res.Failed != 0 || res.Errors != 0 || res.Instances != 3 {
		t.Errorf("duplicates %d, failed %d, errors %d, instances %d; want 0, 0, 0, 3", res.Duplicates, res.Failed, res.Errors, res.Instances)
	}
	if res.Latency.Count() != res.Delivered {
		t.Errorf("latency samples %d, want one per delivery (%d)", res.Latency.Count(), res.Delivered)
	}
	// Loopback: a raw delivery takes microseconds to milliseconds, never a second.
	if p50 := res.Latency.Quantile(50); p50 <= 0 || p50 > 100*time.Millisecond {
		t.Errorf("P50 = %v, want a loopback latency", p50)
	}
}

func TestRawIgnoresOwnEchoAndForeignMessages(t *testing.T) {
	s := bridgetest.Start(t)
	l, err := StartRaw(context.Background(), probe.BaselineConfig{Conn: bridge.ConnConfig{URL: s.URL()}, Instances: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s.Do(t, "PUBLISH", l.Channel(), "not a baseline message")
	for range 5 {
		l.Publish(context.Background(), 0, 0)
	}
	deadline := time.Now().Add(5 * time.Second)
	for l.Delivered() < 5 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	res := l.Close()
	// Instance 0 published: only instance 1 counts them; its own echo and
	// the stranger's message are no deliveries.
	if res.Delivered != 5 || res.Expected != 5 || res.Latency.Count() != 5 {
		t.Errorf("delivered %d, expected %d, samples %d; want 5 each", res.Delivered, res.Expected, res.Latency.Count())
	}
	if again := l.Close(); again.Delivered != res.Delivered {
		t.Errorf("second Close returned %+v, want the same result", again)
	}
}

func TestRawConfigErrors(t *testing.T) {
	if _, err := RunRaw(context.Background(), probe.BaselineConfig{}, 0, time.Second, 0); err == nil {
		t.Error("RunRaw at rate 0: no error")
	}
}
