package bridge

import (
	"errors"
	"fmt"
	"time"
)

// The transports a bridge can use (Config.Transport).
const (
	// TransportPubSub is Redis pub/sub: PUBLISH and SUBSCRIBE, at-most-once. The default.
	TransportPubSub = "pubsub"
	// TransportStreams is Redis Streams: XADD MAXLEN ~ and XREAD BLOCK from the last ID
	// read, at-least-once across connection loss.
	TransportStreams = "streams"
)

// Defaults of the Streams transport.
const (
	// DefaultStreamMaxLen bounds each stream: XADD … MAXLEN ~ 100000.
	DefaultStreamMaxLen = 100000
	// DefaultStreamBatch is XREAD's COUNT: entries read per stream per round trip.
	DefaultStreamBatch = 512
	// StreamField is the one field of every stream entry; its value is the envelope.
	StreamField = "e"
	// streamInfix sits between the prefix and the channel in a stream's key.
	streamInfix = "stream:"
)

// Transports lists the valid values of Config.Transport.
func Transports() []string { return []string{TransportPubSub, TransportStreams} }

// StreamName is the key of the stream that carries channel with the Streams
// transport: Prefix + "stream:" + channel, e.g. bridge:stream:bridge:events.
func (c Config) StreamName(channel string) string {
	return c.withDefaults().Prefix + streamInfix + channel
}

// transportDefaults sets the Streams transport's zero fields. StreamBlock defaults to
// PingInterval, so PingInterval is the liveness cadence of both transports.
func (c Config) transportDefaults() Config {
	if c.Transport == "" {
		c.Transport = TransportPubSub
	}
	if c.StreamMaxLen == 0 {
		c.StreamMaxLen = DefaultStreamMaxLen
	}
	if c.StreamBatch == 0 {
		c.StreamBatch = DefaultStreamBatch
	}
	if c.StreamBlock == 0 {
		c.StreamBlock = c.PingInterval
	}
	return c
}

// validateTransport checks the transport and what it cannot do. Streams are keys: no
// patterns (a key cannot be subscribed to by glob) and no sharded pub/sub (a stream
// always lives on the shard of its slot).
func (c Config) validateTransport() []error {
	var errs []error
	switch c.Transport {
	case TransportPubSub:
		return nil
	case TransportStreams:
	default:
		return []error{fmt.Errorf("transport %q: want %q or %q", c.Transport, TransportPubSub, TransportStreams)}
	}
	for _, ch := range c.Channels {
		if IsPattern(ch) {
			errs = append(errs, fmt.Errorf("transport streams has no patterns (a stream is read by its key): %s", ch))
		}
	}
	if c.Sharded {
		errs = append(errs, errors.New("sharded is for pub/sub: with transport streams each stream lives on its slot's shard anyway"))
	}
	if c.StreamMaxLen < 1 {
		errs = append(errs, fmt.Errorf("stream max length %d: want at least 1", c.StreamMaxLen))
	}
	if c.StreamBatch < 1 {
		errs = append(errs, fmt.Errorf("stream batch %d: want at least 1", c.StreamBatch))
	}
	// XREAD BLOCK 0 blocks forever (go-redis sends a zero Block as is): never.
	if c.StreamBlock < time.Millisecond {
		errs = append(errs, fmt.Errorf("stream block %v: want at least 1ms (0 would block forever)", c.StreamBlock))
	}
	return errs
}
