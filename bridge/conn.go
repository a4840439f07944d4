package bridge

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisURL is used when neither --redis nor REDIS_URL says otherwise.
const DefaultRedisURL = "redis://127.0.0.1:6379"

// ConnConfig says how to reach Redis: one server (URL), a Sentinel-managed master
// (SentinelMaster and SentinelAddrs) or a Cluster (ClusterAddrs), in the clear or over TLS.
type ConnConfig struct {
	// URL is redis://[user:password@]host:port[/db] or rediss:// for TLS.
	// Default redis://127.0.0.1:6379. In Sentinel and Cluster mode only its
	// scheme, user, password and db apply; its host is not dialled.
	URL string
	// Password, when set, overrides the URL's password (e.g. from a file),
	// so the secret need not appear in a process listing.
	Password string

	// TLSCA is a PEM file of the CA certificates that sign the servers'
	// certificates. Default: the system's roots.
	TLSCA string
	// TLSCert and TLSKey are a PEM client certificate and its key, for servers
	// that demand one (tls-auth-clients yes). Both or neither.
	TLSCert, TLSKey string
	// TLSServerName is the name the server certificate must be valid for.
	// Default: the host dialled (each node's own in Sentinel and Cluster mode).
	TLSServerName string
	// TLSInsecure accepts any server certificate. Never the default: screens
	// show it (see Insecure) while it is on.
	TLSInsecure bool

	// SentinelMaster and SentinelAddrs (host:port each) select Sentinel mode:
	// the master is looked up by name, and followed across failovers.
	SentinelMaster string
	SentinelAddrs  []string
	// SentinelPassword authenticates to the sentinels themselves (the
	// requirepass of sentinel.conf), when they need it.
	SentinelPassword string

	// ClusterAddrs (host:port each, any subset of the nodes) select Cluster mode.
	// An ACL user then also needs +cluster|slots: the slot map places the
	// subscriptions, and go-redis routes commands with it.
	ClusterAddrs []string
}

// ConnMode is the kind of deployment a ConnConfig reaches.
type ConnMode string

// The deployment kinds.
const (
	ModeStandalone ConnMode = "standalone"
	ModeSentinel   ConnMode = "sentinel"
	ModeCluster    ConnMode = "cluster"
)

// Mode says which kind of deployment c reaches.
func (c ConnConfig) Mode() ConnMode {
	switch {
	case c.SentinelMaster != "" || len(c.SentinelAddrs) > 0:
		return ModeSentinel
	case len(c.ClusterAddrs) > 0:
		return ModeCluster
	}
	return ModeStandalone
}

// Validate checks c without connecting or reading files: mode flags that contradict or
// miss each other, malformed addresses, half a client certificate, TLS options on a
// redis:// URL. Its errors never contain a password.
func (c ConnConfig) Validate() error {
	var errs []error
	if c.SentinelMaster != "" && len(c.SentinelAddrs) == 0 {
		errs = append(errs, fmt.Errorf("sentinel master %q needs the sentinel addresses", c.SentinelMaster))
	}
	if c.SentinelMaster == "" && len(c.SentinelAddrs) > 0 {
		errs = append(errs, errors.New("the sentinel addresses need the sentinel master name"))
	}
	if c.Mode() == ModeSentinel && len(c.ClusterAddrs) > 0 {
		errs = append(errs, errors.New("sentinel and cluster addresses are mutually exclusive"))
	}
	errs = append(errs, checkAddrs("sentinel", c.SentinelAddrs), checkAddrs("cluster", c.ClusterAddrs))
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("a TLS client certificate needs both the TLS client certificate and key"))
	}
	if c.URL != "" && strings.HasPrefix(strings.ToLower(c.URL), "redis://") && c.wantsTLS() {
		errs = append(errs, fmt.Errorf("TLS options given with a plaintext URL %s: use rediss://", RedactURL(c.URL)))
	}
	if _, err := c.parseURL(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("bridge: connection: %w", err)
	}
	return nil
}

func checkAddrs(kind string, addrs []string) error {
	var errs []error
	for _, a := range addrs {
		host, port, err := net.SplitHostPort(a)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || host == "" || n <= 0 || n > 65535 {
			errs = append(errs, fmt.Errorf("%s address %q: want host:port", kind, a))
		}
	}
	return errors.Join(errs...)
}

// parseURL parses the URL (or the default) into go-redis options, with Password applied
// and without ever letting a password escape into an error. Validate reports its errors.
func (c ConnConfig) parseURL() (*redis.Options, error) {
	raw := c.URL
	if raw == "" {
		raw = DefaultRedisURL
	}
	if err := CheckURL(raw); err != nil {
		return nil, err
	}
	opt, err := redis.ParseURL(raw)
	if err != nil {
		// net/url quotes pieces of what it could not parse ("invalid port
		// \":s3cr\""): with credentials in the URL, none of it may show.
		why := c.scrub(err.Error())
		if strings.Contains(raw, "@") {
			why = passwordEscapes
		}
		return nil, &URLError{URL: RedactURL(raw), Problem: why}
	}
	if c.Password != "" {
		opt.Password = c.Password
	}
	return opt, nil
}

// options returns the validated base options: credentials, db and TLS (files loaded).
// In Sentinel and Cluster mode the address is left for each node.
func (c ConnConfig) options() (*redis.Options, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	opt, _ := c.parseURL() // Validate has parsed it
	var err error
	if opt.TLSConfig, err = c.tlsConfig(opt.TLSConfig); err != nil {
		return nil, err
	}
	if c.Mode() != ModeStandalone {
		opt.Addr = ""
		if opt.TLSConfig != nil && c.TLSServerName == "" {
			opt.TLSConfig.ServerName = "" // crypto/tls then checks each node's own host
		}
	}
	if c.Mode() == ModeCluster && opt.DB != 0 {
		return nil, fmt.Errorf("bridge: connection: a cluster has only db 0, the URL selects %d", opt.DB)
	}
	return opt, nil
}

// Insecure reports whether server certificates go unchecked (TLSInsecure, or
// skip_verify=true in a rediss:// URL). Screens show it while it is on.
func (c ConnConfig) Insecure() bool {
	if c.TLSInsecure {
		return true
	}
	opt, err := c.parseURL()
	return err == nil && opt.TLSConfig != nil && opt.TLSConfig.InsecureSkipVerify
}

// UsesTLS reports whether connections are encrypted.
func (c ConnConfig) UsesTLS() bool {
	return c.wantsTLS() || strings.HasPrefix(strings.ToLower(c.URL), "rediss://")
}

// Redacted describes where c connects, fit for screens, logs and reports: the redacted
// URL, or for Sentinel and Cluster redis+sentinel://[user@]h:p,…/master and
// redis+cluster://[user@]h:p,… ("rediss+…" with TLS). It never holds a password.
func (c ConnConfig) Redacted() string {
	mode := c.Mode()
	if mode == ModeStandalone {
		if c.URL == "" {
			return DefaultRedisURL
		}
		return RedactURL(c.URL)
	}
	scheme := "redis+" + string(mode)
	if c.UsesTLS() {
		scheme = "rediss+" + string(mode)
	}
	user := ""
	if opt, err := c.parseURL(); err == nil && opt.Username != "" {
		user = url.User(opt.Username).String() + "@"
	}
	if mode == ModeSentinel {
		return scheme + "://" + user + strings.Join(c.SentinelAddrs, ",") + "/" + url.PathEscape(c.SentinelMaster)
	}
	return scheme + "://" + user + strings.Join(c.ClusterAddrs, ",")
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

// secrets lists every password c holds, wherever it came from.
func (c ConnConfig) secrets() []string {
	s := []string{c.Password, c.SentinelPassword}
	if u, err := url.Parse(c.URL); err == nil {
		if u.User != nil {
			pw, _ := u.User.Password()
			s = append(s, pw)
		}
		q := u.Query()
		s = append(s, q.Get("password"), q.Get("sentinel_password"))
	}
	return s
}

// scrub removes the raw URL and every password of c from a text.
func (c ConnConfig) scrub(msg string) string {
	if c.URL != "" {
		msg = strings.ReplaceAll(msg, c.URL, RedactURL(c.URL))
	}
	for _, pw := range c.secrets() {
		if pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
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
