package bridge

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// errKind classifies a connection failure by what a person must do about it.
type errKind int

const (
	kindOther    errKind = iota
	kindAuth             // wrong user or password
	kindPerm             // the ACL forbids a command or channel
	kindTrust            // the server certificate is not signed by a trusted CA
	kindHost             // the server certificate is for another host
	kindClientTL         // the server wants (another) client certificate
	kindNotTLS           // a TLS client met a plaintext server
	kindRefused          // nothing listens at the address
	kindNoHost           // the host name does not resolve
	kindTimeout          // no answer within the dial timeout
)

func classify(err error) errKind {
	if err == nil {
		return kindOther
	}
	msg := err.Error()
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		header    tls.RecordHeaderError
	)
	switch {
	case strings.Contains(msg, "WRONGPASS"), strings.Contains(msg, "NOAUTH"),
		strings.Contains(msg, "invalid password"), strings.Contains(msg, "invalid username-password"):
		return kindAuth
	case strings.Contains(msg, "NOPERM"):
		return kindPerm
	case errors.As(err, &unknownCA), errors.As(err, &invalid):
		return kindTrust
	case errors.As(err, &hostname):
		return kindHost
	case strings.Contains(msg, "tls: certificate required"), strings.Contains(msg, "tls: bad certificate"),
		strings.Contains(msg, "tls: unknown certificate authority"), strings.Contains(msg, "tls: expired certificate"):
		return kindClientTL
	case errors.As(err, &header), errors.Is(err, errNotTLS):
		return kindNotTLS
	case strings.Contains(msg, "connection refused"):
		return kindRefused
	case strings.Contains(msg, "no such host"), strings.Contains(msg, "server misbehaving"):
		return kindNoHost
	case errors.Is(err, context.DeadlineExceeded), strings.Contains(msg, "i/o timeout"):
		return kindTimeout
	}
	return kindOther
}

// hints say what to do about each kind of failure.
var hints = map[errKind]string{
	kindAuth:     "authentication failed (check the user and the password file or the URL's password)",
	kindPerm:     "permission denied by the server's ACL",
	kindTrust:    "TLS: the server's certificate is not signed by a trusted CA (set the TLS CA file)",
	kindHost:     "TLS: the server's certificate is not valid for this host name (set the TLS server name)",
	kindClientTL: "TLS: the server refused the connection for want of a valid client certificate (set the TLS client certificate and key)",
	kindNotTLS:   "TLS: the server does not speak TLS (use redis://)",
	kindRefused:  "nothing listens at that address (is Redis running there? check the host and port)",
	kindNoHost:   "the host name does not resolve (check the host in the URL)",
	kindTimeout:  "no answer in time (a firewall, a wrong address, or Redis frozen)",
}

// HintError is a failure to use Redis prefixed with what a person must do
// about it ("authentication failed (check …)"): one cause, one message, the
// same from every subcommand. A command line shows Hint and the server's
// own words (Cause) without the wrapping around them.
type HintError struct {
	Hint string
	// Addr is where it happened (redacted), when the bridge knows it.
	Addr string
	err  error
}

func (e *HintError) Error() string { return e.Hint + ": " + e.err.Error() }
func (e *HintError) Unwrap() error { return e.err }

// Cause is the underlying failure's text: what the server or the network said.
func (e *HintError) Cause() string { return e.err.Error() }

// describe prefixes err with what to do about it, when that is known and not said yet.
func describe(err error) error {
	var he *HintError
	if errors.As(err, &he) {
		return err
	}
	if h, ok := hints[classify(err)]; ok {
		return &HintError{Hint: h, err: err}
	}
	return err
}

// fatalAtStart tells failures that retrying cannot cure before a person acts: Start
// reports them at once instead of retrying until its deadline. After Start, the bridge
// retries them like any other, visibly (a revoked permission may come back).
func fatalAtStart(err error) bool {
	switch classify(err) {
	case kindAuth, kindPerm, kindTrust, kindHost, kindClientTL, kindNotTLS:
		return true
	}
	return false
}

// redactedError carries an error whose text had secrets removed; errors.Is and As still
// see the original.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every password of c removed from its text.
func (c ConnConfig) redact(err error) error {
	if err == nil {
		return nil
	}
	msg := c.scrub(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// Every live bridge registers its passwords here, so that go-redis's own log lines,
// which know nothing of bridges, are scrubbed too.
var (
	secretsMu sync.Mutex
	liveConns = map[*ConnConfig]struct{}{}
)

func registerSecrets(c *ConnConfig) {
	secretsMu.Lock()
	liveConns[c] = struct{}{}
	secretsMu.Unlock()
}

func unregisterSecrets(c *ConnConfig) {
	secretsMu.Lock()
	delete(liveConns, c)
	secretsMu.Unlock()
}

func scrubAll(msg string) string {
	secretsMu.Lock()
	defer secretsMu.Unlock()
	for c := range liveConns {
		msg = c.scrub(msg)
	}
	return msg
}

var (
	redisLog     atomic.Pointer[slog.Logger]
	redisLogOnce sync.Once
)

// SetRedisLogger routes go-redis's internal log lines (reconnects, pool
// errors) to l, with every live bridge's passwords removed. go-redis writes
// them to stderr by default, which tears a terminal UI; until this is called
// they are discarded.
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
		l.LogAttrs(ctx, slog.LevelWarn, "go-redis: "+scrubAll(fmt.Sprintf(format, v...)))
	}
}
