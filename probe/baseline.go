package probe

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
)

// baselinePayloadLen is the raw lane's whole message: sender (2 bytes),
// event number (4) and the publisher's clock in ns (8), big-endian.
const baselinePayloadLen = 14

// maxBaselineInstances bounds the sender field and the connections a lane holds.
const maxBaselineInstances = 1 << 12

// baselineReadTimeout is how long a raw subscriber blocks in one read
// before it checks whether the lane is closing.
const baselineReadTimeout = time.Second

// BaselineConfig configures a raw lane.
type BaselineConfig struct {
	// Conn says how to reach Redis; the lane's connections are made as a
	// bridge's are (TLS, Sentinel, Cluster, credentials).
	Conn bridge.ConnConfig
	// Channel is the lane's private channel. Default
	// "bridgescope:baseline:<random>", which no bridge listens on.
	Channel string
	// Instances is the number of subscribers, each also a sender: every
	// event reaches the Instances−1 others, as in the harness. Default 2.
	Instances int
	// Logger receives go-redis's log lines; nil discards them.
	Logger *slog.Logger
	// OnSample, when set, is called for every delivery to another instance
	// with the event's number, when it was sent and when it was read (ns,
	// this process's clock). It runs on a subscriber's goroutine: keep it
	// short. The observer feeds its registry with it. With OnSample set,
	// telling a duplicate is OnSample's job (the lane then keeps no set of
	// the numbers seen, and its memory stays flat however long it runs).
	OnSample func(seq uint32, sentNs, recvNs int64)
}

// Baseline is a raw lane: plain go-redis PUBLISH of a 14-byte payload on a
// private channel, read by plain subscriptions (ReceiveTimeout, no Go
// channel in between) and timed as the bridge path is, recv − sent on this
// process's clock. It is Redis and the network with nothing of ours on top.
type Baseline struct {
	cfg    BaselineConfig
	b      *bridge.Bridge // never started: it only owns the client
	client redis.UniversalClient
	subs   []*baselineSub
	seq    atomic.Uint32
	pub    []atomic.Int64 // successful publishes per sender
	failed atomic.Int64
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	res    BaselineResult
}

// BaselineResult is what a raw lane measured. Latency holds one sample per
// delivery to another instance.
type BaselineResult struct {
	Instances                      int
	Published, Expected, Delivered int64
	Duplicates, Failed, Errors     int64
	Latency                        *metrics.Histogram
}

// DeliveryRate is Delivered as a percentage of Expected (100 when nothing
// was expected).
func (r BaselineResult) DeliveryRate() float64 {
	if r.Expected == 0 {
		return 100
	}
	return 100 * float64(r.Delivered) / float64(r.Expected)
}

// StartBaseline connects the lane's subscribers and returns once Redis
// confirmed every subscription.
func StartBaseline(ctx context.Context, cfg BaselineConfig) (*Baseline, error) {
	if cfg.Instances == 0 {
		cfg.Instances = 2
	}
	if cfg.Instances < 2 || cfg.Instances > maxBaselineInstances {
		return nil, fmt.Errorf("probe: baseline: instances must be 2..%d, got %d", maxBaselineInstances, cfg.Instances)
	}
	if cfg.Channel == "" {
		cfg.Channel = "bridgescope:baseline:" + bridge.NewBoot()
	}
	b, err := bridge.New(bridge.Config{Conn: cfg.Conn, InstanceID: "bridgescope-baseline", Logger: cfg.Logger,
		DisableSubscription: true})
	if err != nil {
		return nil, fmt.Errorf("probe: baseline: %w", err)
	}
	l := &Baseline{cfg: cfg, b: b, client: b.Redis(), pub: make([]atomic.Int64, cfg.Instances)}
	if err := l.subscribe(ctx); err != nil {
		l.Close()
		return nil, fmt.Errorf("probe: baseline on %s: %w", cfg.Conn.Redacted(), err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	for _, s := range l.subs {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			s.run(runCtx)
		}()
	}
	return l, nil
}

func (l *Baseline) subscribe(ctx context.Context) error {
	for i := range l.cfg.Instances {
		ps := l.client.Subscribe(ctx, l.cfg.Channel)
		s := &baselineSub{index: i, ps: ps, lat: metrics.NewHistogram(), onSample: l.cfg.OnSample}
		l.subs = append(l.subs, s)
		cctx, cancel := context.WithTimeout(ctx, bridge.DefaultDialTimeout+bridge.DefaultCommandTimeout)
		_, err := ps.Receive(cctx) // the confirmation: only then can it miss nothing
		cancel()
		if err != nil {
			return fmt.Errorf("subscribe %d: %w", i, err)
		}
	}
	return nil
}

// Channel is the lane's channel.
func (l *Baseline) Channel() string { return l.cfg.Channel }

// Instances is the number of subscribers (and senders).
func (l *Baseline) Instances() int { return l.cfg.Instances }

// Publish sends one event from instance from (0 ≤ from < Instances).
func (l *Baseline) Publish(ctx context.Context, from int) error {
	_, err := l.publishSeq(ctx, from, nil)
	return err
}

// publishSeq is Publish that returns the event's number and, when before
// is set, tells it the number and the time before the PUBLISH goes out (a
// subscriber may read the event before the reply arrives). The payload's
// clock is read after before returns, so a wait in before (a lock) is not
// counted as Redis's latency.
func (l *Baseline) publishSeq(ctx context.Context, from int, before func(seq uint32, nowNs int64)) (uint32, error) {
	var p [baselinePayloadLen]byte
	seq := l.seq.Add(1)
	if before != nil {
		before(seq, time.Now().UnixNano())
	}
	binary.BigEndian.PutUint16(p[0:], uint16(from))
	binary.BigEndian.PutUint32(p[2:], seq)
	binary.BigEndian.PutUint64(p[6:], uint64(time.Now().UnixNano()))
	if err := l.client.Publish(ctx, l.cfg.Channel, p[:]).Err(); err != nil {
		l.failed.Add(1)
		return seq, fmt.Errorf("probe: baseline publish: %w", err)
	}
	l.pub[from].Add(1)
	return seq, nil
}

// PublishRandom sends one event from an instance chosen at random.
func (l *Baseline) PublishRandom(ctx context.Context) error {
	return l.Publish(ctx, rand.IntN(len(l.pub)))
}

// Published is how many events were sent.
func (l *Baseline) Published() int64 {
	var n int64
	for i := range l.pub {
		n += l.pub[i].Load()
	}
	return n
}

// Expected is how many deliveries the events sent so far call for.
func (l *Baseline) Expected() int64 { return l.Published() * int64(len(l.pub)-1) }

// Delivered is how many distinct deliveries to other instances arrived.
func (l *Baseline) Delivered() int64 {
	var n int64
	for _, s := range l.subs {
		n += s.received.Load()
	}
	return n
}

// Close stops the subscribers and returns the lane's counts. It is safe
// to call more than once; every call returns the same result.
func (l *Baseline) Close() BaselineResult {
	l.once.Do(func() {
		if l.cancel != nil {
			l.cancel()
		}
		for _, s := range l.subs {
			_ = s.ps.Close() // unblocks its reader; nothing is lost that is counted
		}
		l.wg.Wait()
		_ = l.b.Close()
		l.res = l.result()
	})
	return l.res
}

func (l *Baseline) result() BaselineResult {
	r := BaselineResult{Instances: len(l.pub), Published: l.Published(), Expected: l.Expected(),
		Failed: l.failed.Load(), Latency: metrics.NewHistogram()}
	for _, s := range l.subs {
		r.Delivered += s.received.Load()
		r.Duplicates += s.dups
		r.Errors += s.errors
		r.Latency.Merge(s.lat)
	}
	return r
}

// baselineSub is one raw subscriber. Its plain fields belong to its
// reader goroutine until Close has waited for it.
type baselineSub struct {
	index    int
	ps       *redis.PubSub
	seen     seqSet
	lat      *metrics.Histogram
	dups     int64
	errors   int64
	received atomic.Int64
	onSample func(seq uint32, sentNs, recvNs int64)
}

func (s *baselineSub) run(ctx context.Context) {
	for {
		msg, err := s.ps.ReceiveTimeout(ctx, baselineReadTimeout)
		now := time.Now().UnixNano()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, redis.ErrClosed) {
				return
			}
			if !timedOut(err) {
				s.errors++ // go-redis reconnects and resubscribes on the next read
				time.Sleep(10 * time.Millisecond)
			}
			continue
		}
		if m, ok := msg.(*redis.Message); ok {
			s.take(m.Payload, now)
		}
	}
}

func timedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// take accounts for one message: its own echo is not a delivery, as the
// bridge does not deliver it either.
func (s *baselineSub) take(p string, recvNs int64) {
	if len(p) != baselinePayloadLen {
		return
	}
	from := int(binary.BigEndian.Uint16([]byte(p[0:2])))
	if from == s.index {
		return
	}
	seq := binary.BigEndian.Uint32([]byte(p[2:6]))
	if s.onSample == nil && !s.seen.add(uint64(seq)) {
		s.dups++
		return
	}
	s.received.Add(1)
	sentNs := int64(binary.BigEndian.Uint64([]byte(p[6:14])))
	s.lat.Record(time.Duration(recvNs - sentNs))
	if s.onSample != nil {
		s.onSample(seq, sentNs, recvNs)
	}
}

// DefaultBaselineRate is the raw lane's rate beside validate: light enough
// not to load Redis, frequent enough for its percentiles.
const DefaultBaselineRate = 100

// RunBaseline runs a raw lane at rate events per second for d, waits up to
// drain for deliveries still under way, and returns what it measured.
// When ctx ends, publishing stops early.
func RunBaseline(ctx context.Context, cfg BaselineConfig, rate float64, d, drain time.Duration) (BaselineResult, error) {
	if !(rate > 0) || d <= 0 {
		return BaselineResult{}, fmt.Errorf("probe: baseline: rate %v and duration %v must be positive", rate, d)
	}
	l, err := StartBaseline(ctx, cfg)
	if err != nil {
		return BaselineResult{}, err
	}
	defer l.Close()
	lane := bareLane{l}
	publishPaced(ctx, lane, time.Now(), d, rate)
	drainLane(lane, drain)
	return l.Close(), nil
}
