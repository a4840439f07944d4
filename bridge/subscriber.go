package bridge

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

// run owns the subscription: subscribe, read until the link fails or goes
// silent, back off, resubscribe — until ctx ends. go-redis's PubSub.Channel
// is not used: it drops messages when its Go channel stays full and only
// logs it, and its health check never waits for the PONG.
func (b *Bridge) run(ctx context.Context) {
	defer b.runWG.Done()
	backoff := b.cfg.BackoffMin
	first := true
	for ctx.Err() == nil {
		ps, err := b.subscribe(ctx)
		if err == nil {
			b.connected(first)
			first = false
			start := time.Now()
			err = b.read(ctx, ps)
			_ = ps.Close()
			if time.Since(start) > b.cfg.BackoffMax {
				backoff = b.cfg.BackoffMin // it was up long enough: start over
			}
		}
		if ctx.Err() != nil {
			return
		}
		b.lost(err)
		if !sleepCtx(ctx, jitter(backoff)) {
			return
		}
		backoff = min(backoff*2, b.cfg.BackoffMax)
	}
}

func (b *Bridge) connected(first bool) {
	b.mu.Lock()
	if !first {
		b.c.reconnects++
	}
	b.mu.Unlock()
	b.setState(StateConnected, nil)
	if first {
		close(b.ready)
	}
}

func (b *Bridge) lost(err error) {
	b.mu.Lock()
	b.c.subscribeFails++
	b.mu.Unlock()
	b.setState(StateDisconnected, err)
	b.cfg.Logger.Warn("bridge: subscription lost", "instance", b.cfg.InstanceID, "err", scrub(err.Error(), b.cfg.Conn.URL))
}

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

// subscribe opens a subscription connection and waits until Redis has
// confirmed every channel and pattern.
func (b *Bridge) subscribe(ctx context.Context) (*redis.PubSub, error) {
	plain, patterns := b.channels()
	ps := b.client.Subscribe(ctx) // no channels yet: errors would be swallowed
	sctx, cancel := context.WithTimeout(ctx, b.cfg.DialTimeout+b.cfg.CommandTimeout)
	defer cancel()
	err := b.sendSubscribe(sctx, ps, plain, patterns)
	if err == nil {
		err = b.awaitConfirmations(ps, len(plain)+len(patterns))
	}
	if err != nil {
		_ = ps.Close()
		return nil, fmt.Errorf("bridge: subscribe: %w", err)
	}
	return ps, nil
}

func (b *Bridge) sendSubscribe(ctx context.Context, ps *redis.PubSub, plain, patterns []string) error {
	if len(plain) > 0 {
		if err := ps.Subscribe(ctx, plain...); err != nil {
			return err
		}
	}
	if len(patterns) > 0 {
		if err := ps.PSubscribe(ctx, patterns...); err != nil {
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

// errSilent is the liveness check's verdict on a link that answers nothing.
var errSilent = errors.New("subscription silent: no message and no PONG")

// read hands messages to the dispatcher until the link fails. When the link
// is idle it sends PING over it; if nothing at all arrives for PingTimeout
// the link is declared dead (a frozen server or a black hole never fails a
// read by itself).
func (b *Bridge) read(ctx context.Context, ps *redis.PubSub) error {
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()
	lastRx := time.Now()
	for {
		msg, err := ps.ReceiveTimeout(ctx, b.cfg.PingInterval)
		now := time.Now()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !isTimeout(err) {
				return err
			}
			if now.Sub(lastRx) >= b.cfg.PingTimeout {
				return fmt.Errorf("%w for %v", errSilent, now.Sub(lastRx).Round(time.Millisecond))
			}
			if err := ps.Ping(ctx, "bridgescope-liveness"); err != nil {
				return fmt.Errorf("liveness ping: %w", err)
			}
			continue
		}
		lastRx = now
		if m, ok := msg.(*redis.Message); ok {
			b.enqueue(m, now.UnixNano())
			lastRx = time.Now() // a blocked queue is not a silent link
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
	if !b.cfg.DropWhenFull {
		b.queue <- raw
		return
	}
	select {
	case b.queue <- raw:
	default:
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
