package probe

import (
	"bytes"
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
)

// baselinePayloadLen is the raw lane's whole message: sender (2 bytes),
// event number (4) and the publisher's clock in ns (8), big-endian.
const baselinePayloadLen = 14

// MaxBaselinePayload bounds BaselineConfig.PayloadSize.
const MaxBaselinePayload = 64 << 10

// MaxBaselineInstances bounds the sender field and the connections a lane holds.
const MaxBaselineInstances = 1 << 12

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
	// PayloadSize is every message's length in bytes: the 14-byte header
	// (sender, number, clock) padded with '.' to it, so that the lane moves
	// as many bytes as the traffic it is held against. 0 means 14, the
	// header alone; at most MaxBaselinePayload. Subscribers take only
	// messages of exactly this length.
	PayloadSize int
	// OnSample is called for every message a subscriber reads from another
	// instance: which subscriber (0 ≤ sub < Instances), the event's number,
	// when it was sent and when it was read (ns, this process's clock). It
	// runs on that subscriber's goroutine, one call at a time per sub: keep
	// it short. Required: the lane keeps no counts of its own, so telling a
	// duplicate and timing a delivery is OnSample's job (the observer's
	// registry, or the bench's raw lane), and the lane's memory stays flat
	// however long it runs.
	OnSample func(sub int, seq uint32, sentNs, recvNs int64)
}

// Baseline is a raw lane: plain go-redis PUBLISH of a 14-byte header
// (padded to BaselineConfig.PayloadSize) on a private channel, read by
// plain subscriptions (ReceiveTimeout, no Go channel in between) and timed
// as the bridge path is, recv − sent on this process's clock. It is Redis and the network with nothing of ours on top.
type Baseline struct {
	cfg    BaselineConfig
	b      *bridge.Bridge // never started: it only owns the client
	client redis.UniversalClient
	subs   []*baselineSub
	seq    atomic.Uint32
	pub    []atomic.Int64 // successful publishes per sender
	bufs   sync.Pool      // *[]byte of PayloadSize, padded (PayloadSize > 14 only)
	failed atomic.Int64
	errors atomic.Int64 // subscription read errors (go-redis reconnects)
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// StartBaseline connects the lane's subscribers and returns once Redis
// confirmed every subscription.
func StartBaseline(ctx context.Context, cfg BaselineConfig) (*Baseline, error) {
	if cfg.Instances == 0 {
		cfg.Instances = 2
	}
	if cfg.Instances < 2 || cfg.Instances > MaxBaselineInstances {
		return nil, fmt.Errorf("probe: baseline: instances must be 2..%d, got %d", MaxBaselineInstances, cfg.Instances)
	}
	if cfg.OnSample == nil {
		return nil, errors.New("probe: baseline: no OnSample: nothing would count the deliveries")
	}
	if cfg.PayloadSize == 0 {
		cfg.PayloadSize = baselinePayloadLen
	}
	if cfg.PayloadSize < baselinePayloadLen || cfg.PayloadSize > MaxBaselinePayload {
		return nil, fmt.Errorf("probe: baseline: payload size must be %d..%d bytes, got %d",
			baselinePayloadLen, MaxBaselinePayload, cfg.PayloadSize)
	}
	if cfg.Channel == "" {
		cfg.Channel = "bridgescope:baseline:" + bridge.NewBoot()
	}
	b, err := bridge.New(bridge.Config{Conn: cfg.Conn, InstanceID: baselineID, Logger: cfg.Logger,
		DisableSubscription: true})
	if err != nil {
		return nil, fmt.Errorf("probe: baseline: %w", err)
	}
	if err := b.Ping(ctx); err != nil { // named at once, with what to do about it
		_ = b.Close()
		return nil, err
	}
	l := &Baseline{cfg: cfg, b: b, client: b.Redis(), pub: make([]atomic.Int64, cfg.Instances)}
	l.bufs.New = func() any {
		p := bytes.Repeat([]byte{'.'}, cfg.PayloadSize)
		return &p
	}
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
		s := &baselineSub{index: i, ps: ps, lane: l}
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

// PayloadSize is the length of every message the lane publishes.
func (l *Baseline) PayloadSize() int { return l.cfg.PayloadSize }

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
	var head [baselinePayloadLen]byte
	p := head[:]
	if l.cfg.PayloadSize > baselinePayloadLen {
		buf := l.bufs.Get().(*[]byte) // the padding stays; only the header is written
		defer l.bufs.Put(buf)
		p = *buf
	}
	seq := l.seq.Add(1)
	if before != nil {
		before(seq, time.Now().UnixNano())
	}
	binary.BigEndian.PutUint16(p[0:], uint16(from))
	binary.BigEndian.PutUint32(p[2:], seq)
	binary.BigEndian.PutUint64(p[6:], uint64(time.Now().UnixNano()))
	if err := l.client.Publish(ctx, l.cfg.Channel, p).Err(); err != nil {
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

// Failed is how many publishes failed.
func (l *Baseline) Failed() int64 { return l.failed.Load() }

// Errors is how many subscription reads failed (go-redis reconnects and
// resubscribes on the next read).
func (l *Baseline) Errors() int64 { return l.errors.Load() }

// Client is the lane's command client, for a caller that asks Redis about
// itself (INFO for the bench's header).
func (l *Baseline) Client() redis.UniversalClient { return l.client }

// Close stops the subscribers; every OnSample call has returned when it
// does. It is safe to call more than once.
func (l *Baseline) Close() {
	l.once.Do(func() {
		if l.cancel != nil {
			l.cancel()
		}
		for _, s := range l.subs {
			_ = s.ps.Close() // unblocks its reader; nothing is lost that is counted
		}
		l.wg.Wait()
		_ = l.b.Close()
	})
}

// baselineSub is one raw subscriber.
type baselineSub struct {
	index int
	ps    *redis.PubSub
	lane  *Baseline
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
				s.lane.errors.Add(1) // go-redis reconnects and resubscribes on the next read
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

// take hands one message to OnSample: its own echo is not a delivery, as
// the bridge does not deliver it either, and a message of another shape
// is not the lane's.
func (s *baselineSub) take(p string, recvNs int64) {
	if len(p) != s.lane.cfg.PayloadSize {
		return
	}
	from := int(binary.BigEndian.Uint16([]byte(p[0:2])))
	if from == s.index {
		return
	}
	seq := binary.BigEndian.Uint32([]byte(p[2:6]))
	sentNs := int64(binary.BigEndian.Uint64([]byte(p[6:14])))
	s.lane.cfg.OnSample(s.index, seq, sentNs, recvNs)
}
