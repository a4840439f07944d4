// Package bridgetest starts private redis-server processes on free loopback ports and injects
// faults (kill, restart, freeze, client kill, network proxy), like net/http/httptest for Redis.
package bridgetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// RequireEnv names the environment variable that, set to "1", makes a missing redis-server
// fatal instead of falling back to miniredis (.ci/run sets it).
const RequireEnv = "BRIDGESCOPE_REQUIRE_REDIS"

// binaryName is the program Start looks up on PATH.
const binaryName = "redis-server"

// doTimeout bounds every Do/DoErr round trip, dial included, so a frozen server fails a
// test instead of hanging it.
const doTimeout = 5 * time.Second

type config struct {
	args []string
}

// Option configures Start.
type Option func(*config)

// WithArgs appends extra redis-server arguments (e.g. "--appendonly", "yes"); they come
// after the defaults, so they override them. miniredis ignores them.
func WithArgs(args ...string) Option {
	return func(c *config) { c.args = append(c.args, args...) }
}

// Server is a private Redis server owned by one test: a redis-server child process, or an
// embedded miniredis when no redis-server is installed.
type Server struct {
	cfg     config
	bin     string // absolute path of redis-server; "" on miniredis
	dir     string // working directory and --dir of the server
	logPath string
	mini    *miniredis.Miniredis

	mu     sync.Mutex
	port   int
	proc   *proc // nil while stopped
	frozen bool
}

// Start starts a private redis-server on a free 127.0.0.1 port (never 6379), waits until it
// answers PING, and stops it in t.Cleanup. Without redis-server on PATH it falls back to an
// embedded miniredis, unless BRIDGESCOPE_REQUIRE_REDIS=1, where it calls t.Fatal.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	bin, err := exec.LookPath(binaryName)
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("bridgetest: %s=1 but %s is not on PATH (%v): install redis-server "+
				"(apt-get install redis-server) or unset %s to use miniredis",
				RequireEnv, binaryName, err, RequireEnv)
		}
		return startMini(t, cfg)
	}
	dir := t.TempDir() // registered before our Cleanup, so removed after the server stops
	s := &Server{cfg: cfg, bin: bin, dir: dir, logPath: dir + "/redis.log"}
	t.Cleanup(s.stop)
	for attempt := 1; ; attempt++ {
		port, perr := freePort()
		if perr != nil {
			t.Fatalf("bridgetest: %v", perr)
		}
		err = s.boot(port)
		if err == nil {
			return s
		}
		if !errors.Is(err, errPortInUse) || attempt >= maxPortTries {
			break
		}
	}
	t.Fatalf("bridgetest: start redis-server: %v\n%s", err, s.LogTail())
	return nil
}

func startMini(t testing.TB, cfg config) *Server {
	t.Helper()
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatalf("bridgetest: start miniredis: %v", err)
	}
	t.Cleanup(m.Close)
	if len(cfg.args) > 0 {
		t.Logf("bridgetest: miniredis ignores redis-server args %q", cfg.args)
	}
	t.Logf("bridgetest: %s not on PATH, using miniredis on %s", binaryName, m.Addr())
	return &Server{cfg: cfg, mini: m}
}

// Addr returns "127.0.0.1:PORT".
func (s *Server) Addr() string {
	if s.mini != nil {
		return s.mini.Addr()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("127.0.0.1:%d", s.port)
}

// URL returns "redis://127.0.0.1:PORT".
func (s *Server) URL() string { return "redis://" + s.Addr() }

// Real reports whether s is a real redis-server (false on the miniredis fallback).
func (s *Server) Real() bool { return s.mini == nil }

// RequireReal skips the test when s is miniredis; fault tests call it first. Under
// BRIDGESCOPE_REQUIRE_REDIS=1 the server is always real, so nothing is skipped there.
func (s *Server) RequireReal(t testing.TB) {
	t.Helper()
	if !s.Real() {
		t.Skip("bridgetest: needs a real redis-server, running on miniredis")
	}
}

// DoErr runs one raw command on a fresh short-lived RESP2 connection. A nil reply comes
// back as redis.Nil, as go-redis reports it.
func (s *Server) DoErr(args ...any) (any, error) {
	c := redis.NewClient(&redis.Options{
		Addr:            s.Addr(),
		Protocol:        2,
		DisableIdentity: true,
		DialTimeout:     doTimeout,
		ReadTimeout:     doTimeout,
		WriteTimeout:    doTimeout,
		MaxRetries:      -1,
		PoolSize:        1,
	})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), doTimeout)
	defer cancel()
	v, err := c.Do(ctx, args...).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return v, fmt.Errorf("bridgetest: %s on %s: %w", cmdName(args), s.Addr(), err)
	}
	return v, err
}

// Do is DoErr that calls t.Fatal on an error; a nil reply returns nil.
func (s *Server) Do(t testing.TB, args ...any) any {
	t.Helper()
	v, err := s.DoErr(args...)
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, s.LogTail())
	}
	return v
}

// Client returns a go-redis client with default options for s, closed in t.Cleanup.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// LogTail returns the last lines of the server log for failure messages ("" on miniredis).
func (s *Server) LogTail() string {
	if s.logPath == "" {
		return ""
	}
	tail, err := readTail(s.logPath, 0, logTailLines)
	if err != nil {
		return fmt.Sprintf("bridgetest: no redis log: %v", err)
	}
	return "redis-server log (tail):\n" + tail
}

func cmdName(args []any) string {
	if len(args) == 0 {
		return "empty command"
	}
	return strings.ToUpper(fmt.Sprint(args[0]))
}
