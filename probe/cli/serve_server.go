package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/tui"
)

// Defaults of ServeConfig, and the flags that set them.
const (
	// DefaultServeAddr is --ssh: loopback, so that nothing listens beyond
	// the host unless an address says so.
	DefaultServeAddr = "127.0.0.1:2222"
	// DefaultIdleTimeout is --idle-timeout: a session nobody typed in for
	// this long is closed (the dashboard redraws by itself, so the
	// connection is never idle on its own).
	DefaultIdleTimeout = 30 * time.Minute
	// defaultKeysPoll is how often the keys files are checked for changes:
	// a removed key's sessions end within seconds; a stat costs nothing.
	defaultKeysPoll = 2 * time.Second
	// sessionEndGrace is how long a session the server ends has to draw
	// its last frame and say why before its channel is closed under it
	// (a client that stopped reading would otherwise hold it forever).
	sessionEndGrace = 2 * time.Second
	// shutdownGrace is how long a shutdown waits for sessions to leave
	// before it closes every connection.
	shutdownGrace = 5 * time.Second
	// hangUpGrace is how long a shutdown lets clients close their
	// connections once their sessions ended, before it closes them.
	hangUpGrace = time.Second
)

// ServeConfig is everything the SSH server needs; zero fields take the
// defaults above. The command line fills it from flags (serveFlags).
type ServeConfig struct {
	// Addr is host:port; a port alone (":2222" or "2222") is loopback.
	Addr               string
	HostKeyFile        string // created with mode 0600 when missing
	AuthorizedKeysFile string // who may log in (re-read on change)
	OperatorsFile      string // which of them may pause, change the rate, reset; "" for none
	MaxSessions        int
	IdleTimeout        time.Duration
	ConnBurst          int           // connections per address at once; defaultConnBurst
	ConnEvery          time.Duration // one more per address each; defaultConnEvery
	LoginGrace         time.Duration // defaultLoginGrace
	KeysPoll           time.Duration // defaultKeysPoll
	Theme, SnapshotDir string        // each session's first theme; where operators' `s` writes
	SnapshotBg         string        // the page of the snapshots' images (--snapshot-bg)
	Log                *slog.Logger  // logins, logouts, refusals, control actions
	// Context and Production are the config context, for every session's
	// header (tui.Config's).
	Context    string
	Production bool
}

func (c *ServeConfig) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Addr == "" {
		c.Addr = DefaultServeAddr
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.ConnBurst <= 0 {
		c.ConnBurst = defaultConnBurst
	}
	def(&c.IdleTimeout, DefaultIdleTimeout)
	def(&c.ConnEvery, defaultConnEvery)
	def(&c.LoginGrace, defaultLoginGrace)
	def(&c.KeysPoll, defaultKeysPoll)
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// listenAddr makes a port alone loopback: listening beyond the host takes
// an address that says so (0.0.0.0:2222, [::]:2222, an interface's).
func listenAddr(addr string) (string, error) {
	if _, err := strconv.Atoi(addr); err == nil {
		addr = ":" + addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--ssh %q: want host:port or :port: %w", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// sshServer is serve's SSH side: each session its own dashboard over the
// one observer's snapshots.
type sshServer struct {
	cfg      ServeConfig
	log      *slog.Logger
	srv      *ssh.Server
	ln       net.Listener
	hostKey  gossh.Signer
	created  bool // the host key was generated at this start
	auth     *keyFile
	ops      *keyFile // nil without --operators
	sessions *sessionTable
	snaps    *broadcaster[metrics.Snapshot]
	ctrl     tui.Controller
	limiter  *addrLimiter
	starting startups
	bySess   sync.Map // ssh.Session → *viewerSession
	pending  sync.Map // *graceConn: connections before their first session

	closing  atomic.Bool // shutdown began: Serve's error is expected
	stop     chan struct{}
	wg       sync.WaitGroup
	shutOnce sync.Once
}

// startSSH loads the keys, listens and serves until shutdown. snaps is
// read by this server alone; ctrl is the observer the operators control.
func startSSH(cfg ServeConfig, snaps <-chan metrics.Snapshot, ctrl tui.Controller) (*sshServer, error) {
	cfg.defaults()
	s := &sshServer{cfg: cfg, log: cfg.Log, ctrl: ctrl, snaps: newBroadcaster[metrics.Snapshot](),
		limiter: newAddrLimiter(cfg.ConnBurst, cfg.ConnEvery), stop: make(chan struct{})}
	var err error
	if s.hostKey, s.created, err = loadOrCreateHostKey(cfg.HostKeyFile); err != nil {
		return nil, err
	}
	if s.auth, err = loadKeyFile(cfg.AuthorizedKeysFile, "authorized keys", s.log); err != nil {
		return nil, err
	}
	if cfg.OperatorsFile != "" {
		if s.ops, err = loadKeyFile(cfg.OperatorsFile, "operators", s.log); err != nil {
			return nil, err
		}
	}
	s.sessions = newSessionTable(cfg.MaxSessions, s.isOperator)
	addr, err := listenAddr(cfg.Addr)
	if err != nil {
		return nil, err
	}
	if s.ln, err = net.Listen("tcp", addr); err != nil {
		return nil, fmt.Errorf("--ssh: %w", err)
	}
	if err := s.newServer(); err != nil {
		_ = s.ln.Close()
		return nil, err
	}
	s.wg.Add(3)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, ssh.ErrServerClosed) && !s.closing.Load() {
			s.log.Error("ssh: serve", "err", err)
		}
	}()
	go func() { defer s.wg.Done(); s.pump(snaps) }()
	go func() { defer s.wg.Done(); s.pollKeys() }()
	return s, nil
}

// newServer builds the SSH server: public keys only, the session
// channel filtered, no global requests (no port forwarding), no
// subsystems, and the gate before the dashboard.
func (s *sshServer) newServer() error {
	s.srv = &ssh.Server{
		Version:          "bridgescope",
		HostSigners:      []ssh.Signer{s.hostKey},
		PublicKeyHandler: s.allowKey,
		ConnCallback:     s.onConn,
		ServerConfigCallback: func(ssh.Context) *gossh.ServerConfig {
			return &gossh.ServerConfig{MaxAuthTries: maxAuthTries, AuthLogCallback: s.authLog}
		},
		IdleTimeout:       s.cfg.IdleTimeout,
		ChannelHandlers:   map[string]ssh.ChannelHandler{"session": sessionChannels(s.refuseRequest)},
		RequestHandlers:   map[string]ssh.RequestHandler{},
		SubsystemHandlers: map[string]ssh.SubsystemHandler{},
	}
	// The last middleware runs first: the gate, then the dashboard.
	if err := wish.WithMiddleware(bm.MiddlewareWithProgramHandler(s.program, termenv.Ascii), s.gate)(s.srv); err != nil {
		return fmt.Errorf("ssh: %w", err)
	}
	return nil
}

// Addr is the address listened on.
func (s *sshServer) Addr() string { return s.ln.Addr().String() }

// Fingerprint is the host key's, as ssh shows it on first connect.
func (s *sshServer) Fingerprint() string { return gossh.FingerprintSHA256(s.hostKey.PublicKey()) }

// pump is the snapshots' one reader: it hands every session the newest.
func (s *sshServer) pump(src <-chan metrics.Snapshot) {
	defer s.snaps.close()
	for {
		select {
		case <-s.stop:
			return
		case v, ok := <-src:
			if !ok {
				return
			}
			s.snaps.publish(v)
		}
	}
}

// pollKeys reloads the keys files when they change: sessions of a key no
// longer authorized end, and everyone's audience follows the operators.
func (s *sshServer) pollKeys() {
	t := time.NewTicker(s.cfg.KeysPoll)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		if s.auth.refresh() {
			n := s.sessions.endWhere(func(vs *viewerSession) bool {
				_, ok := s.auth.lookup(vs.key)
				return !ok
			}, endReason{"your key is no longer authorized: this session is closed"})
			if n > 0 {
				s.log.Info("ssh: sessions of removed keys closed", "sessions", n)
			}
		}
		if s.ops != nil && s.ops.refresh() {
			s.sessions.refresh()
		}
	}
}

func (s *sshServer) isOperator(k gossh.PublicKey) bool {
	if _, ok := s.auth.lookup(k); !ok {
		return false // an operator's key must also be authorized
	}
	_, ok := s.ops.lookup(k)
	return ok
}

// shutdown ends every session with a line saying why, stops listening
// and closes every connection. Idempotent.
func (s *sshServer) shutdown(why error) {
	s.shutOnce.Do(func() {
		s.closing.Store(true)
		_ = s.ln.Close() // no new connections
		n := s.sessions.count()
		s.sessions.endAll(why)
		if !s.sessions.wait(shutdownGrace) {
			s.log.Warn("ssh: sessions still open at shutdown: closing their connections", "sessions", s.sessions.count())
		}
		// Let the clients hang up after the line, then close what is left.
		ctx, cancel := context.WithTimeout(context.Background(), hangUpGrace)
		_ = s.srv.Shutdown(ctx)
		cancel()
		_ = s.srv.Close()
		s.pending.Range(func(c, _ any) bool { // mid-handshake: the server does not track them
			_ = c.(*graceConn).Close()
			return true
		})
		s.log.Info("ssh: server stopped", "why", why.Error(), "sessions", n)
		close(s.stop)
		s.wg.Wait()
		s.sessions.wait(shutdownGrace) // the closed connections' sessions
	})
}

// onConn admits a connection before its handshake: per-address rate,
// then a startup slot held until it starts a session or the grace ends.
func (s *sshServer) onConn(ctx ssh.Context, c net.Conn) net.Conn {
	host := remoteHost(c.RemoteAddr())
	if s.closing.Load() {
		return nil
	}
	if !s.limiter.allow(host, time.Now()) {
		s.log.Warn("ssh: connection refused: too many from this address", "addr", host)
		return nil
	}
	if !s.starting.acquire() {
		s.log.Warn("ssh: connection refused: too many logins in progress", "addr", host, "max", maxStartups)
		return nil
	}
	gc := &graceConn{Conn: c}
	gc.release = func() { s.starting.release(); s.pending.Delete(gc) }
	s.pending.Store(gc, struct{}{})
	gc.timer = time.AfterFunc(s.cfg.LoginGrace, func() {
		s.log.Info("ssh: connection closed: no session within the login grace", "addr", host, "grace", s.cfg.LoginGrace)
		_ = c.Close()
	})
	ctx.SetValue(graceKey{}, gc)
	ctx.SetValue(channelsKey{}, new(atomic.Int32))
	return gc
}

// allowKey is the only authentication there is: a key in the authorized
// keys file, as it reads now. Certificates are refused.
func (s *sshServer) allowKey(ctx ssh.Context, key ssh.PublicKey) bool {
	if _, ok := key.(*gossh.Certificate); ok {
		s.log.Info("ssh: key refused: certificates are not supported", "user", cleanUser(ctx.User()), "addr", addrOf(ctx.RemoteAddr()))
		return false
	}
	s.auth.refresh()
	if _, ok := s.auth.lookup(key); !ok {
		s.log.Info("ssh: key refused: not in the authorized keys", "user", cleanUser(ctx.User()),
			"key", gossh.FingerprintSHA256(key), "addr", addrOf(ctx.RemoteAddr()))
		return false
	}
	return true
}

// authLog logs the refused attempts the key handler does not see:
// passwords, keyboard-interactive and the rest (never offered).
func (s *sshServer) authLog(conn gossh.ConnMetadata, method string, err error) {
	if err == nil || method == "none" || method == "publickey" {
		return
	}
	s.log.Info("ssh: authentication refused: public keys only", "method", method, "user", cleanUser(conn.User()), "addr", addrOf(conn.RemoteAddr()))
}

// refuseRequest logs a refused forwarding request.
func (s *sshServer) refuseRequest(ctx ssh.Context, what string) {
	s.log.Info("ssh: request refused", "request", what, "user", cleanUser(ctx.User()), "addr", addrOf(ctx.RemoteAddr()))
}

func addrOf(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
