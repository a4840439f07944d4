package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/probe"
	"github.com/bridgescope/bridgescope/probe/load"
)

// DefaultRawRate is the raw lane's rate beside validate: light enough not
// to load Redis, frequent enough for its percentiles.
const DefaultRawRate = 100

// maxRawSeq bounds the event numbers a raw subscriber keeps in its set: a
// stranger's message on the private channel cannot make it allocate more.
const maxRawSeq = 1 << 31

// Raw is the bench's bare lane: a probe.Baseline whose deliveries are counted
// exactly (a set of event numbers per subscriber) and timed.
type Raw struct {
	l    *probe.Baseline
	subs []rawSub
	once sync.Once
	res  RawResult
}

// rawSub is what one subscriber received. OnSample runs on that
// subscriber's goroutine only, so the plain fields need no lock; they are
// read after Close. received is atomic: the drain reads it meanwhile.
type rawSub struct {
	seen     load.SeqSet
	lat      *metrics.Histogram
	dups     int64
	received atomic.Int64
}

// RawResult is what a raw lane measured. Latency holds one sample per
// delivery to another instance.
type RawResult struct {
	Instances                      int
	Published, Expected, Delivered int64
	Duplicates, Failed, Errors     int64
	Latency                        *metrics.Histogram
}

// DeliveryRate is Delivered as a percentage of Expected (100 when nothing
// was expected).
func (r RawResult) DeliveryRate() float64 {
	if r.Expected == 0 {
		return 100
	}
	return 100 * float64(r.Delivered) / float64(r.Expected)
}

// StartRaw connects a raw lane of cfg.Instances subscribers (cfg.OnSample
// is the lane's own) and returns once Redis confirmed every subscription.
func StartRaw(ctx context.Context, cfg probe.BaselineConfig) (*Raw, error) {
	if cfg.Instances == 0 {
		cfg.Instances = 2
	}
	r := &Raw{}
	if cfg.Instances >= 2 && cfg.Instances <= probe.MaxBaselineInstances {
		r.subs = make([]rawSub, cfg.Instances)
		for i := range r.subs {
			r.subs[i].lat = metrics.NewHistogram()
		}
	}
	cfg.OnSample = r.sample
	l, err := probe.StartBaseline(ctx, cfg)
	if err != nil {
		return nil, err
	}
	r.l = l
	return r, nil
}

func (r *Raw) sample(sub int, seq uint32, sentNs, recvNs int64) {
	s := &r.subs[sub]
	if seq == 0 || seq > maxRawSeq || !s.seen.Add(uint64(seq)) {
		s.dups++
		return
	}
	s.received.Add(1)
	s.lat.Record(time.Duration(recvNs - sentNs))
}

// PayloadSize is the length of every message the lane publishes.
func (r *Raw) PayloadSize() int { return r.l.PayloadSize() }

// Publish sends event k from instance from; a failure is counted by the
// lane and shows as a missing delivery.
func (r *Raw) Publish(ctx context.Context, from int, _ int64) { _ = r.l.Publish(ctx, from) }

// Instances is the number of subscribers (and senders).
func (r *Raw) Instances() int { return r.l.Instances() }

// Expected is how many deliveries the events sent so far call for.
func (r *Raw) Expected() int64 { return r.l.Expected() }

// Delivered is how many distinct deliveries to other instances arrived.
func (r *Raw) Delivered() int64 {
	var n int64
	for i := range r.subs {
		n += r.subs[i].received.Load()
	}
	return n
}

// Channel is the lane's private channel.
func (r *Raw) Channel() string { return r.l.Channel() }

// Close stops the subscribers and returns the lane's counts. It is safe to
// call more than once; every call returns the same result.
func (r *Raw) Close() RawResult {
	r.once.Do(func() { r.res = r.result() })
	return r.res
}

func (r *Raw) result() RawResult {
	r.l.Close()
	res := RawResult{Instances: r.l.Instances(), Published: r.l.Published(), Expected: r.l.Expected(),
		Failed: r.l.Failed(), Errors: r.l.Errors(), Latency: metrics.NewHistogram()}
	for i := range r.subs {
		s := &r.subs[i]
		res.Delivered += s.received.Load()
		res.Duplicates += s.dups
		res.Latency.Merge(s.lat)
	}
	return res
}

// RunRaw runs a raw lane at rate events per second for d, waits up to drain
// for deliveries still under way, and returns what it measured. When ctx
// ends, publishing stops early.
func RunRaw(ctx context.Context, cfg probe.BaselineConfig, rate float64, d, drain time.Duration) (RawResult, error) {
	if !(rate > 0) || d <= 0 {
		return RawResult{}, fmt.Errorf("bench: raw lane: rate %v and duration %v must be positive", rate, d)
	}
	r, err := StartRaw(ctx, cfg)
	if err != nil {
		return RawResult{}, err
	}
	defer r.Close()
	load.PublishPaced(ctx, r, time.Now(), d, rate)
	load.Drain(r, drain)
	return r.Close(), nil
}
