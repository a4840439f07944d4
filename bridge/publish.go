package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ErrPublishingDisabled is returned by Publish on a subscribe-only bridge.
var ErrPublishingDisabled = errors.New("bridge: publishing is disabled")

// ErrTooLarge is returned by Publish for a message above Config.MaxPayload.
var ErrTooLarge = errors.New("bridge: message exceeds max payload")

// publisher numbers messages per channel and counts what it sent.
type publisher struct {
	mu     sync.Mutex
	chans  map[string]*pubChannel
	errors uint64
	sig    *signer // signs control messages; nil without a control key
}

type pubChannel struct {
	seq       uint64
	published uint64
}

func (p *publisher) counts() (map[string]uint64, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := make(map[string]uint64, len(p.chans))
	for ch, c := range p.chans {
		m[ch] = c.published
	}
	return m, p.errors
}

// msgPool recycles encoded messages: go-redis has written a message to the
// socket by the time PUBLISH returns, and keeps no reference to it.
var msgPool = sync.Pool{New: func() any { return new([]byte) }}

// encode assigns the next seq of channel and encodes env into a buffer from
// msgPool; the caller returns it with putMsg. A message too large is
// refused before it takes a seq, so it leaves no gap behind.
func (p *publisher) encode(channel string, env *Envelope, max int) (*[]byte, error) {
	msg := msgPool.Get().(*[]byte)
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.chans[channel]
	if c == nil {
		c = &pubChannel{}
		p.chans[channel] = c
	}
	env.Seq = c.seq + 1
	*msg = AppendEnvelope((*msg)[:0], env)
	if p.sig != nil && env.IsControl() {
		*msg = p.sig.sign(*msg)
	}
	if n := len(*msg); n > max {
		p.errors++
		putMsg(msg)
		return nil, fmt.Errorf("%w: %d > %d bytes on %s", ErrTooLarge, n, max, channel)
	}
	c.seq++
	return msg, nil
}

// maxPooledMsg keeps one huge message from pinning its buffer for good.
const maxPooledMsg = 64 << 10

func putMsg(msg *[]byte) {
	if cap(*msg) <= maxPooledMsg {
		msgPool.Put(msg)
	}
}

func (p *publisher) done(channel string, err error) {
	p.mu.Lock()
	if err != nil {
		p.errors++
	} else {
		p.chans[channel].published++
	}
	p.mu.Unlock()
}

// Publish sends one event of type typ on channel and returns the envelope
// as sent. data is any JSON-encodable value, or json.RawMessage. A PUBLISH
// that fails is not retried (it may have been delivered): its seq stays
// used, so receivers count it as lost unless it did arrive.
func (b *Bridge) Publish(ctx context.Context, channel, typ string, data any) (Envelope, error) {
	return b.PublishTracked(ctx, channel, typ, data, nil)
}

// PublishTracked is Publish with a callback that sees the envelope once it
// is numbered and stamped, before it goes on the wire: a reply to it can
// then never arrive before the caller knows what it sent.
func (b *Bridge) PublishTracked(ctx context.Context, channel, typ string, data any, sending func(Envelope)) (Envelope, error) {
	if b.cfg.DisablePublishing && !strings.HasPrefix(typ, ControlTypePrefix) {
		return Envelope{}, ErrPublishingDisabled // a subscribe-only bot still acks probes
	}
	raw, err := MarshalData(data)
	if err != nil {
		return Envelope{}, err
	}
	now := time.Now().Add(b.cfg.TestClockOffset)
	env := Envelope{
		Type: typ, Data: raw, Timestamp: now.UnixMilli(), Source: b.cfg.InstanceID,
		Boot: b.boot, SentNs: now.UnixNano(),
	}
	msg, err := b.pub.encode(channel, &env, b.cfg.MaxPayload)
	if err != nil {
		return env, err
	}
	if sending != nil {
		sending(env)
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.CommandTimeout)
	defer cancel()
	err = b.publishRaw(ctx, channel, *msg)
	putMsg(msg)
	b.pub.done(channel, err)
	if err != nil {
		return env, fmt.Errorf("bridge: publish %s: %w", channel, err)
	}
	return env, nil
}
