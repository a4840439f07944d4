package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
)

// Lane is a started harness without a schedule, for a caller that paces
// publishing itself (the bench): a load.Lane of bridge instances.
type Lane struct{ h *harness }

// Start connects cfg.Instances bridges and returns once every one is
// subscribed. Duration, Drain and Rate are not used. Close it.
func Start(ctx context.Context, cfg Config) (*Lane, error) {
	if cfg.Instances < 2 {
		return nil, fmt.Errorf("harness: need at least 2 instances, got %d", cfg.Instances)
	}
	if cfg.Channel == "" {
		cfg.Channel = bridge.DefaultChannel
	}
	h, err := startHarness(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Lane{h: h}, nil
}

// Publish sends event k from instance from.
func (l *Lane) Publish(ctx context.Context, from int, k int64) { l.h.pubs.publish(ctx, from, k) }

// Instances is the number of instances.
func (l *Lane) Instances() int { return len(l.h.bridges) }

// Expected is how many deliveries the events published so far call for.
func (l *Lane) Expected() int64 { return l.h.expected() }

// Delivered is how many distinct deliveries to other instances arrived.
func (l *Lane) Delivered() int64 { return l.h.received() }

// EventSize is the length in bytes of a typical message of the lane on the
// wire: the envelope instance 0 sends for event 100,000 as its 100,000th,
// within a few bytes of every other (numbers of other lengths). A bare lane
// held against this one pads its messages to it.
func (l *Lane) EventSize() int {
	b := l.h.bridges[0]
	now := time.Now()
	return len(bridge.AppendEnvelope(nil, &bridge.Envelope{
		Type: harnessEventType, Data: eventData(100_000), Timestamp: now.UnixMilli(),
		Source: b.Config().InstanceID, Seq: 100_000, Boot: b.Boot(), SentNs: now.UnixNano(),
	}))
}

// Close closes every bridge; their handlers have finished when it returns.
func (l *Lane) Close() { l.h.closeBridges() }

// Latency merges every instance's delivery latencies. Call it after Close.
func (l *Lane) Latency() *metrics.Histogram {
	all := metrics.NewHistogram()
	for _, r := range l.h.recv {
		all.Merge(r.lat)
	}
	return all
}
