package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisURL is used when neither --redis nor REDIS_URL says otherwise.
const DefaultRedisURL = "redis://127.0.0.1:6379"

// ConnConfig says how to reach Redis.
type ConnConfig struct {
	// URL is redis://[user:password@]host:port[/db] or rediss:// for TLS.
	// Default redis://127.0.0.1:6379.
	URL string
	// Password, when set, overrides the URL's password (e.g. from a file),
	// so the secret need not appear in a process listing.
	Password string
}

// options parses the URL into go-redis options without ever letting the
// password escape into an error.
func (c ConnConfig) options() (*redis.Options, error) {
	raw := c.URL
	if raw == "" {
		raw = DefaultRedisURL
	}
	opt, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("bridge: invalid Redis URL %s: %s", RedactURL(raw), scrub(err.Error(), raw))
	}
	if c.Password != "" {
		opt.Password = c.Password
	}
	return opt, nil
}

// Redacted is the URL fit for screens, logs and reports.
func (c ConnConfig) Redacted() string {
	if c.URL == "" {
		return DefaultRedisURL
	}
	return RedactURL(c.URL)
}

// RedactURL replaces the password of a Redis URL with "xxxxx". An URL that
// does not parse is replaced whole: it may hold a secret in any place.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "<unparseable Redis URL>"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	for _, k := range []string{"password", "sentinel_password"} {
		if q.Has(k) {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// scrub removes the raw URL and any password in it from an error text.
func scrub(msg, raw string) string {
	msg = strings.ReplaceAll(msg, raw, RedactURL(raw))
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}

// newClient builds the go-redis client of one bridge. Retries are off: a
// PUBLISH whose reply timed out may still have been delivered, and a retry
// would deliver it twice. Each connection is named after the instance with
// CLIENT SETNAME so CLIENT LIST shows whose buffer grows; a user without
// that permission still connects.
func newClient(cfg Config, setNameRefused *atomic.Bool) (*redis.Client, error) {
	opt, err := cfg.Conn.options()
	if err != nil {
		return nil, err
	}
	opt.MaxRetries = -1
	opt.DialTimeout = cfg.DialTimeout
	opt.ReadTimeout = cfg.CommandTimeout
	opt.WriteTimeout = cfg.CommandTimeout
	opt.ContextTimeoutEnabled = true
	opt.DisableIdentity = true
	name := ClientName(cfg.InstanceID)
	opt.OnConnect = func(ctx context.Context, cn *redis.Conn) error {
		if err := cn.ClientSetName(ctx, name).Err(); err != nil {
			setNameRefused.Store(true)
		}
		return nil
	}
	installRedisLogger()
	return redis.NewClient(opt), nil
}

// ClientName is the CLIENT SETNAME form of an instance ID: Redis refuses
// spaces and newlines in names.
func ClientName(id string) string {
	b := []byte(id)
	for i, c := range b {
		if c <= ' ' || c > '~' {
			b[i] = '_'
		}
	}
	return string(b)
}

// RedisError tells whether err is an error reply from Redis (NOPERM, WRONGPASS…)
// rather than a network failure.
func RedisError(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && !errors.Is(err, redis.ErrClosed)
}

var (
	redisLog     atomic.Pointer[slog.Logger]
	redisLogOnce sync.Once
)

// SetRedisLogger routes go-redis's internal log lines (reconnects, pool
// errors) to l. go-redis writes them to stderr by default, which tears a
// terminal UI; until this is called they are discarded.
func SetRedisLogger(l *slog.Logger) {
	installRedisLogger()
	redisLog.Store(l)
}

func installRedisLogger() {
	redisLogOnce.Do(func() { redis.SetLogger(redisLogger{}) })
}

type redisLogger struct{}

func (redisLogger) Printf(ctx context.Context, format string, v ...any) {
	if l := redisLog.Load(); l != nil {
		l.LogAttrs(ctx, slog.LevelWarn, "go-redis: "+fmt.Sprintf(format, v...))
	}
}
