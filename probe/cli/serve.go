package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics/prom"
	"github.com/bridgescope/bridgescope/probe"
)

var serveCommand = &Command{
	Name:    "serve",
	Summary: "one observer for the whole rotation: the dashboard over SSH, public keys only",
	Usage:   serveUsage,
	Example: serveExample,
	Setup:   setupServe,
}

const serveUsage = `Usage: bridgescope serve --host-key FILE --authorized-keys FILE [flags]

Starts one observer and serves its dashboard over SSH: every engineer runs
'ssh -p 2222 HOST' and gets a dashboard of their own (size, theme,
selection, filter, view) over the same probes and the same history.

Public keys only, from --authorized-keys (re-read when it changes; a
removed key's sessions end). Sessions are read-only: pause, rate, reset,
forget and snapshots need a key that is also in --operators. No commands,
no forwarding. Logins, logouts, refusals and every control action are
logged with the key's fingerprint (to --log, else stderr).

--ssh is loopback unless it names an address: ':2222' listens on
127.0.0.1:2222, '0.0.0.0:2222' on every interface. A missing --host-key
is generated (Ed25519, mode 0600); its fingerprint is printed at every
start. SIGTERM ends every session with a line saying why.

Takes watch's flags; --headless prints watch's summary line a second
beside the server, and the final state at the end.
`

// Bounds of --idle-timeout.
const (
	minIdleTimeout = time.Second
	// maxIdleTimeout: past a day, a forgotten terminal is a session nobody
	// watches, holding a slot and a key's access.
	maxIdleTimeout = 24 * time.Hour
)

// serveFlags are serve's own flags beside watch's; parsing stays thin and
// config turns them into the server's plain ServeConfig.
type serveFlags struct {
	watch                                    watchFlags
	addr, hostKey, authorizedKeys, operators string
	maxSessions                              int
	idleTimeout                              time.Duration
}

func (f *serveFlags) register(fs *pflag.FlagSet) {
	f.watch.register(fs, true)
	fs.StringVar(&f.addr, "ssh", DefaultServeAddr, "listen for SSH at `host:port`; a port alone (:2222) is loopback")
	fs.StringVar(&f.hostKey, "host-key", "", "the server's SSH host key `file` (generated, mode 0600, when missing)")
	fs.StringVar(&f.authorizedKeys, "authorized-keys", "", "authorized_keys `file`: the keys that may log in (re-read on change)")
	fs.StringVar(&f.operators, "operators", "", "authorized_keys-format `file`: the keys that may pause, change the rate,\nreset, forget and snapshot (default: none; every session is read-only)")
	fs.IntVar(&f.maxSessions, "max-sessions", DefaultMaxSessions, fmt.Sprintf("concurrent sessions (1..%d); the next is refused with a message", maxMaxSessions))
	durationVar(fs, &f.idleTimeout, "idle-timeout", DefaultIdleTimeout, "close a session nobody typed in for this long")
}

func (f *serveFlags) check() error {
	errs := []error{f.watch.check()}
	if f.hostKey == "" {
		errs = append(errs, errors.New("--host-key is required (a missing file is generated)"))
	}
	if f.authorizedKeys == "" {
		errs = append(errs, errors.New("--authorized-keys is required: public keys are the only way in"))
	}
	if f.maxSessions < 1 || f.maxSessions > maxMaxSessions {
		errs = append(errs, fmt.Errorf("--max-sessions must be within 1..%d, got %d", maxMaxSessions, f.maxSessions))
	}
	if f.idleTimeout < minIdleTimeout || f.idleTimeout > maxIdleTimeout {
		errs = append(errs, fmt.Errorf("--idle-timeout must be within %v..%v, got %v", minIdleTimeout, maxIdleTimeout, f.idleTimeout))
	}
	if _, err := listenAddr(f.addr); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// config is the server's configuration from the flags.
func (f *serveFlags) config(log *slog.Logger) ServeConfig {
	return ServeConfig{
		Addr: f.addr, HostKeyFile: f.hostKey, AuthorizedKeysFile: f.authorizedKeys, OperatorsFile: f.operators,
		MaxSessions: f.maxSessions, IdleTimeout: f.idleTimeout,
		Theme: f.watch.theme, SnapshotDir: f.watch.snapshot.dir, SnapshotBg: f.watch.snapshot.bg, Log: log,
	}
}

func setupServe(fs *pflag.FlagSet) RunFunc {
	f := &serveFlags{}
	f.register(fs)
	return func(ctx context.Context, env *Env, _ []string) int { return f.run(ctx, env) }
}

func (f *serveFlags) run(ctx context.Context, env *Env) int {
	if err := f.check(); err != nil {
		return env.Fail(ExitUsage, err)
	}
	conn, err := f.watch.common.Conn(env)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	return f.serve(ctx, env, probe.ObserverConfig{
		Conn: conn, Channels: splitList(f.watch.channels), ProbeChannels: splitList(f.watch.probeChannels), ID: f.watch.id,
		Bridge: bridge.Config{Sharded: f.watch.common.Sharded, Transport: f.watch.transport.String()},
	})
}

// serve runs one observer, its SSH server and, with --headless, watch's
// summary lines, until ctx ends (or --duration); then every session is
// told why it ends.
func (f *serveFlags) serve(ctx context.Context, env *Env, oc probe.ObserverConfig) int {
	held := newProgress(env.Stderr, false, false) // holds log lines until connected
	logger, closeLog, err := f.watch.common.setupLog(env, held, slog.LevelInfo)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	defer closeLog()
	o, err := f.watch.startObserver(ctx, env, oc, logger, held)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	defer o.Stop()
	stopMetrics, err := f.watch.promAddr.serve(ctx, env, prom.NewSnapshotCollector(o.Snapshot))
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	defer stopMetrics()
	cfg := f.config(logger)
	cfg.Context, cfg.Production = env.settings.contextName(), env.settings.isProduction()
	srv, err := startSSH(cfg, o.Snapshots(), o)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	announce(env, srv, f.hostKey)
	if f.watch.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.watch.duration)
		defer cancel()
	}
	code := ExitOK
	if f.watch.headless || f.watch.json || f.watch.markdown {
		_, code = f.watch.headlessLoop(ctx, env, o)
	} else {
		<-ctx.Done()
	}
	srv.shutdown(shutdownReason(ctx))
	return code
}

// announce prints the host key's fingerprint and where to connect.
func announce(env *Env, srv *sshServer, hostKeyFile string) {
	if srv.created {
		fmt.Fprintf(env.Stderr, "bridgescope: serve: generated host key %s (mode 0600)\n", hostKeyFile)
	}
	fmt.Fprintf(env.Stderr, "bridgescope: serve: host key %s\n", srv.Fingerprint())
	host, port, _ := net.SplitHostPort(srv.Addr())
	where := "listening on " + srv.Addr()
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		where += " (loopback only: --ssh 0.0.0.0:" + port + " listens on every interface)"
	}
	fmt.Fprintf(env.Stderr, "bridgescope: serve: %s; connect with ssh -p %s HOST\n", where, port)
}

// shutdownReason is the line every session is left with when the server
// stops.
func shutdownReason(ctx context.Context) error {
	why := "the server is shutting down"
	var sig SignalCause
	switch cause := context.Cause(ctx); {
	case errors.As(cause, &sig):
		why += " (" + sig.Name() + ")"
	case errors.Is(cause, context.DeadlineExceeded):
		why += " (--duration)"
	}
	return endReason{why + ": this session ends here"}
}

// SignalCause is the cause main cancels the run's context with when a
// signal arrives, so that serve can tell its sessions why they end.
type SignalCause struct{ Signal os.Signal }

func (c SignalCause) Error() string { return "received " + c.Name() }

// Name is the signal's name as people write it: SIGTERM, SIGINT.
func (c SignalCause) Name() string {
	switch c.Signal {
	case syscall.SIGTERM:
		return "SIGTERM"
	case os.Interrupt:
		return "SIGINT"
	}
	return c.Signal.String()
}
