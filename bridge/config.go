package bridge

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
)

// Defaults for Config. Every one is documented where it applies.
const (
	DefaultPrefix         = "bridge:"
	DefaultChannel        = "bridge:events"
	DefaultMaxPayload     = 1 << 20 // 1 MiB
	DefaultDialTimeout    = 5 * time.Second
	DefaultCommandTimeout = 3 * time.Second
	DefaultPingInterval   = time.Second
	DefaultQueueSize      = 8192
	DefaultBackoffMin     = 100 * time.Millisecond
	DefaultBackoffMax     = 5 * time.Second
	// ControlTypePrefix marks bridgescope's own messages (probes, acks, stats).
	// They are never handed to ordinary handlers.
	ControlTypePrefix = "bridgescope."
)

// Config configures a Bridge. The zero value of every field means its
// documented default, so Config{} plus an instance ID is a working bridge on
// redis://127.0.0.1:6379.
type Config struct {
	// Conn says how to reach Redis (URL, TLS, credentials).
	Conn ConnConfig

	// Prefix of bridgescope's channels: the control channel is Prefix+"bridgescope".
	// Default "bridge:".
	Prefix string

	// Channels to subscribe to, full names. A name containing *, ? or [ is a
	// pattern and is subscribed with PSUBSCRIBE. Default ["bridge:events"].
	Channels []string

	// InstanceID names this instance on the wire ("source"). Any string.
	// Default "<hostname>-<pid>". Two processes must never share one: the
	// bridge reports it as a collision.
	InstanceID string

	// Sharded uses sharded pub/sub (SPUBLISH, SSUBSCRIBE; Redis 7): in a cluster a
	// channel then lives on the shard owning its slot instead of being broadcast
	// to every node. Channels may not be patterns. Default off.
	Sharded bool

	// DisablePublishing and DisableSubscription are the seed's roles:
	// the WebSocket host only publishes, bots only subscribe.
	DisablePublishing   bool
	DisableSubscription bool

	// MaxPayload is the largest message accepted or sent, in bytes.
	// Default 1 MiB. Larger incoming messages are counted as "oversize".
	MaxPayload int

	// DialTimeout bounds connecting to Redis. Default 5s.
	DialTimeout time.Duration
	// CommandTimeout bounds one PUBLISH or SUBSCRIBE round trip. Default 3s.
	CommandTimeout time.Duration
	// PingInterval is how long the subscription may be idle before the
	// liveness check sends a PING over it. Default 1s.
	PingInterval time.Duration
	// PingTimeout is how long the subscription may stay silent (no message,
	// no PONG) before it is declared dead and resubscribed. Default 3×PingInterval.
	PingTimeout time.Duration
	// BackoffMin and BackoffMax bound the reconnect backoff (doubling, with
	// jitter). Defaults 100ms and 5s.
	BackoffMin, BackoffMax time.Duration

	// QueueSize bounds the queue between the socket reader and the handlers.
	// Default 8192 messages.
	QueueSize int
	// DropWhenFull makes a full queue drop (and count) messages instead of
	// blocking the reader. Blocking is the default: Redis then buffers, and
	// its output-buffer limit decides, visibly.
	DropWhenFull bool
	// DeliverDuplicates hands messages whose seq was already seen to the
	// handlers (flagged Dup). By default they are counted and dropped.
	DeliverDuplicates bool

	// ControlKey, when set, is the key shared by every observer and agent: the
	// bridge signs every control message it publishes (types starting
	// ControlTypePrefix: probes, acks, stats) with HMAC-SHA256, and refuses
	// every one it receives unsigned, wrongly signed or stale, counted as
	// malformed by those reasons and never delivered (sign.go). Default none:
	// nothing is signed or checked. Never printed.
	ControlKey []byte

	// Logger receives the bridge's own log lines. Default: discarded.
	Logger *slog.Logger

	// Transport is TransportPubSub ("pubsub", the default) or TransportStreams
	// ("streams"): every channel, the control channel included, is then the stream
	// StreamName(channel), written with XADD and read by every instance with XREAD
	// BLOCK from the last ID it read. No patterns, no Sharded. See streams.go.
	Transport string
	// StreamMaxLen trims each stream on every XADD (MAXLEN ~ N): entries trimmed
	// before an instance read them are lost, and counted in Stats.Trimmed.
	// Default 100000 (DefaultStreamMaxLen).
	StreamMaxLen int64
	// StreamBlock is XREAD's BLOCK: how long a read waits for new entries. A read
	// with no reply within StreamBlock+PingTimeout declares the link dead. Never 0
	// (which would block forever). Default PingInterval (1s).
	StreamBlock time.Duration
	// StreamBatch is XREAD's COUNT: the most entries of one stream read per round
	// trip. Default 512 (DefaultStreamBatch).
	StreamBatch int64

	// TestDrop, TESTING ONLY, discards every message whose source it returns
	// true for, before any accounting, as if Redis had never delivered it:
	// the loss of one path (sender → this instance), for tests of the
	// delivery matrix. Never set on a production path.
	TestDrop func(source string) bool
	// TestClockOffset, TESTING ONLY, shifts this bridge's clock: every send
	// time it stamps and every receive time it records. It stands for a
	// machine whose clock is off, for tests of the clock-offset correction.
	TestClockOffset time.Duration
}

// withDefaults returns a copy of c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if len(c.Channels) == 0 {
		c.Channels = []string{DefaultChannel}
	}
	if c.InstanceID == "" {
		c.InstanceID = DefaultInstanceID()
	}
	if c.MaxPayload <= 0 {
		c.MaxPayload = DefaultMaxPayload
	}
	c.DialTimeout = orDuration(c.DialTimeout, DefaultDialTimeout)
	c.CommandTimeout = orDuration(c.CommandTimeout, DefaultCommandTimeout)
	c.PingInterval = orDuration(c.PingInterval, DefaultPingInterval)
	c.PingTimeout = orDuration(c.PingTimeout, 3*c.PingInterval)
	c.BackoffMin = orDuration(c.BackoffMin, DefaultBackoffMin)
	c.BackoffMax = orDuration(c.BackoffMax, DefaultBackoffMax)
	if c.QueueSize <= 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c.transportDefaults()
}

func (c Config) validate() error {
	var errs []error
	if c.DisablePublishing && c.DisableSubscription {
		errs = append(errs, errors.New("publishing and subscription are both disabled"))
	}
	for _, ch := range c.Channels {
		if strings.TrimSpace(ch) == "" {
			errs = append(errs, errors.New("empty channel name"))
		}
		if len(ch) > MaxChannelLen {
			errs = append(errs, fmt.Errorf("channel %q… is %d bytes long, above the %d the bridge accepts", ch[:channelMarkLen], len(ch), MaxChannelLen))
		}
	}
	if ctl := c.Prefix + "bridgescope"; len(ctl) > MaxChannelLen {
		errs = append(errs, fmt.Errorf("prefix: the control channel would be %d bytes long, above the %d the bridge accepts", len(ctl), MaxChannelLen))
	}
	if c.PingTimeout < c.PingInterval {
		errs = append(errs, fmt.Errorf("ping timeout %v is shorter than ping interval %v", c.PingTimeout, c.PingInterval))
	}
	if c.BackoffMax < c.BackoffMin {
		errs = append(errs, fmt.Errorf("backoff max %v is below backoff min %v", c.BackoffMax, c.BackoffMin))
	}
	errs = append(errs, c.validateTransport()...)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("bridge: config: %w", err)
	}
	return nil
}

// ControlChannel is the channel bridgescope's acks and stats travel on.
func (c Config) ControlChannel() string { return c.withDefaults().Prefix + "bridgescope" }

// DefaultInstanceID is "<hostname>-<pid>", the default instance ID.
func DefaultInstanceID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// IsPattern reports whether a channel name is a PSUBSCRIBE glob.
func IsPattern(ch string) bool { return strings.ContainsAny(ch, "*?[") }

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
