package bridge

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// channels splits the subscription set into plain channels and patterns.
func (b *Bridge) channels() (plain, patterns []string) {
	b.hmu.Lock()
	defer b.hmu.Unlock()
	for _, ch := range append(append([]string(nil), b.cfg.Channels...), b.extra...) {
		if IsPattern(ch) {
			patterns = append(patterns, ch)
		} else {
			plain = append(plain, ch)
		}
	}
	return plain, patterns
}

// subs is the subscription set: the configured channels plus the control channel.
func (b *Bridge) subs() subSet {
	plain, patterns := b.channels()
	if b.cfg.Transport == TransportStreams {
		return b.streamSubs(plain)
	}
	return subSet{plain: plain, patterns: patterns, sharded: b.cfg.Sharded}
}

// subscribe opens a subscription connection to t's node and waits until Redis has
// confirmed every channel and pattern of it.
func (b *Bridge) subscribe(ctx context.Context, t target) (*redis.PubSub, error) {
	ps := t.client.Subscribe(ctx) // no channels yet: errors would be swallowed
	sctx, cancel := context.WithTimeout(ctx, b.cfg.DialTimeout+b.cfg.CommandTimeout)
	defer cancel()
	err := sendSubscribe(sctx, ps, t)
	if err == nil {
		err = b.awaitConfirmations(ps, t.count())
	}
	if err != nil {
		_ = ps.Close()
		return nil, fmt.Errorf("bridge: subscribe on %s: %w", t.addr, describeAt(err, t.addr))
	}
	return ps, nil
}

func sendSubscribe(ctx context.Context, ps *redis.PubSub, t target) error {
	if len(t.plain) > 0 {
		if err := ps.Subscribe(ctx, t.plain...); err != nil {
			return err
		}
	}
	if len(t.patterns) > 0 {
		if err := ps.PSubscribe(ctx, t.patterns...); err != nil {
			return err
		}
	}
	for _, group := range t.sharded {
		if err := ps.SSubscribe(ctx, group...); err != nil {
			return err
		}
	}
	return nil
}

// awaitConfirmations reads until n subscribe confirmations arrived. A
// NOPERM arrives here as an error reply, and fails the attempt.
func (b *Bridge) awaitConfirmations(ps *redis.PubSub, n int) error {
	deadline := time.Now().Add(b.cfg.CommandTimeout)
	for n > 0 {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("no confirmation within %v", b.cfg.CommandTimeout)
		}
		msg, err := ps.ReceiveTimeout(context.Background(), left)
		if err != nil {
			return err
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			n--
		case *redis.Message:
			b.enqueue(m, time.Now().UnixNano()) // published between two confirmations
		}
	}
	return nil
}

// errDropped is the server ending a subscription by itself: a shard channel's slot
// moved to another node (SUNSUBSCRIBE), for one.
var errDropped = errors.New("the server ended the subscription")

// errSilent is the liveness check's verdict on a link that answers nothing.
var errSilent = errors.New("subscription silent: no message and no PONG")

// read hands messages to the dispatcher until the link fails, in batches
// through h (see readHook). When the link is idle it sends PING over it; if
// nothing at all arrives for PingTimeout the link is declared dead (a frozen
// server or a black hole never fails a read by itself).
func (b *Bridge) read(ctx context.Context, ps *redis.PubSub, h *readHook) error {
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()
	defer h.flush() // what was read before the link failed is delivered
	lastRx := time.Now().UnixNano()
	for {
		msg, err := ps.ReceiveTimeout(ctx, b.cfg.PingInterval)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !isTimeout(err) {
				return err
			}
			now := time.Now()
			silent := now.Sub(time.Unix(0, max(lastRx, h.lastActive())))
			if silent >= b.cfg.PingTimeout {
				return fmt.Errorf("%w for %v", errSilent, silent.Round(time.Millisecond))
			}
			if err := ps.Ping(ctx, "bridgescope-liveness"); err != nil {
				return fmt.Errorf("liveness ping: %w", err)
			}
			continue
		}
		lastRx = h.stamp()
		switch m := msg.(type) {
		case *redis.Message:
			h.add(m, lastRx)
		case *redis.Subscription:
			if strings.HasSuffix(m.Kind, "unsubscribe") {
				return fmt.Errorf("%w: %s %s", errDropped, m.Kind, m.Channel)
			}
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// enqueue passes a message to the dispatcher: blocking by default, or
// dropping and counting with DropWhenFull.
func (b *Bridge) enqueue(m *redis.Message, recvNs int64) {
	raw := rawMsg{channel: m.Channel, pattern: m.Pattern, payload: m.Payload, recvNs: recvNs}
	b.bound(&raw)
	if !b.cfg.DropWhenFull {
		b.send(raw)
		return
	}
	if !b.trySend(raw) {
		b.mu.Lock()
		b.c.drops++
		b.mu.Unlock()
	}
}

func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
