package harness

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bridgescope/bridgescope/bridge/tcpproxy"

	"github.com/redis/go-redis/v9"

	"github.com/bridgescope/bridgescope/bridge"
)

// injectorID names the injector's own connection in CLIENT LIST.
const injectorID = "bridgescope-fault-injector"

// noSuchClient is a client ID Redis never hands out: CLIENT KILL ID of it
// checks the permission and kills nothing.
const noSuchClient = "4611686018427387904"

// injection is one fault as it happened: when it began and ended, in time
// since publishing began, or why it could not be injected.
type injection struct {
	fault   Fault
	at, end time.Duration
	err     error
}

// injector injects a run's faults over its own command connection to
// Redis, never through the run's proxy. It needs more rights than the
// run's instances: CLIENT LIST and CLIENT KILL for kill-subscribers,
// CLIENT PAUSE for pause; a minimal ACL user gets NOPERM, which the
// preflight reports before anything is published.
type injector struct {
	b     *bridge.Bridge // publish-only, never started: its command client
	conn  bridge.ConnConfig
	names map[string]bool // the run's connection names (CLIENT SETNAME)
	proxy *tcpproxy.Proxy // for proxy-blackhole; nil otherwise
}

// newInjector builds the injector for a run of cfg and checks, once, that
// Redis lets it inject every kind of fault in faults.
func newInjector(ctx context.Context, cfg Config, faults []Fault) (*injector, error) {
	if cfg.Conn.Mode() != bridge.ModeStandalone {
		return nil, fmt.Errorf("harness: faults need a single Redis server; %s runs are not supported", cfg.Conn.Mode())
	}
	// Its command timeout outlasts the longest DEBUG SLEEP, whose reply
	// comes when the server wakes up.
	timeout := bridge.DefaultCommandTimeout
	for _, f := range faults {
		if f.Kind == faultDebugSleep {
			timeout = max(timeout, bridge.DefaultCommandTimeout+f.For)
		}
	}
	b, err := bridge.New(bridge.Config{Conn: cfg.Conn, InstanceID: injectorID, DisableSubscription: true,
		DialTimeout: cfg.Bridge.DialTimeout, CommandTimeout: timeout, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("harness: fault injector: %w", err)
	}
	in := &injector{b: b, conn: cfg.Conn, names: map[string]bool{}}
	for i := range cfg.Instances {
		in.names[bridge.ClientName(InstanceID(i, cfg.SharedID))] = true
	}
	if err := in.preflight(ctx, faults); err != nil {
		in.close()
		return nil, err
	}
	return in, nil
}

func (in *injector) rdb() redis.UniversalClient { return in.b.Redis() }

func (in *injector) close() { _ = in.b.Close() } // a command client: nothing to lose

// preflight runs, for each kind of fault the run will inject, a command
// that needs the same rights and changes nothing (CLIENT KILL of a client
// that cannot exist; a 1ms CLIENT PAUSE WRITE).
func (in *injector) preflight(ctx context.Context, faults []Fault) error {
	if err := in.b.Ping(ctx); err != nil {
		return fmt.Errorf("harness: fault injector: %w", err)
	}
	checks := map[FaultKind][][]any{
		FaultKillSubscribers: {{"CLIENT", "LIST"}, {"CLIENT", "KILL", "ID", noSuchClient}},
		FaultPause:           {{"CLIENT", "PAUSE", "1", "WRITE"}},
		faultDebugSleep:      {{"DEBUG", "SLEEP", "0"}},
	}
	done := map[FaultKind]bool{}
	for _, f := range faults {
		if done[f.Kind] {
			continue
		}
		done[f.Kind] = true
		for _, args := range checks[f.Kind] {
			cctx, cancel := context.WithTimeout(ctx, bridge.DefaultCommandTimeout)
			err := in.rdb().Do(cctx, args...).Err()
			cancel()
			if err != nil {
				return in.refused(f.Kind, args, err)
			}
		}
	}
	return nil
}

// refused explains a failed preflight command, naming the ACL rule that
// would allow it when Redis said NOPERM.
func (in *injector) refused(kind FaultKind, args []any, err error) error {
	cmd := strings.ToUpper(fmt.Sprint(args[0], " ", args[1]))
	msg := fmt.Sprintf("harness: fault %s needs %s on %s", kind, cmd, in.conn.Redacted())
	if strings.HasPrefix(err.Error(), "NOPERM") {
		rule := "+" + strings.ToLower(fmt.Sprint(args[0], "|", args[1]))
		return fmt.Errorf("%s, and this user may not run it (grant it %s, or run validate as a user that has it): %w", msg, rule, err)
	}
	return fmt.Errorf("%s: %w", msg, err)
}

// schedule injects faults (sorted by At) at their times after start, on
// its own goroutine, and sends what happened once the last one is over or
// ctx ends; a fault not yet due when ctx ends is not injected, and a
// black hole under way is lifted at once.
func (in *injector) schedule(ctx context.Context, start time.Time, faults []Fault, logf func(string, ...any)) <-chan []injection {
	out := make(chan []injection, 1)
	go func() {
		var done []injection
		for _, f := range faults {
			if !sleep(ctx, time.Until(start.Add(f.At))) {
				break
			}
			inj := in.inject(ctx, f, start)
			if inj.err != nil {
				logf("fault %s: not injected: %v", f, inj.err)
			} else {
				logf("fault %s: injected at %v", f, inj.at.Round(time.Millisecond))
			}
			done = append(done, inj)
		}
		out <- done
	}()
	return out
}

// inject injects one fault and, for a black hole, waits until it is
// lifted. A pause ends by itself on the server.
func (in *injector) inject(ctx context.Context, f Fault, start time.Time) injection {
	inj := injection{fault: f, at: time.Since(start)}
	cctx, cancel := context.WithTimeout(ctx, bridge.DefaultCommandTimeout+f.For)
	defer cancel()
	switch f.Kind {
	case FaultKillSubscribers:
		inj.err = in.killReaders(cctx, &inj, start)
	case FaultPause:
		ms := strconv.FormatInt(f.For.Milliseconds(), 10)
		inj.err = in.rdb().Do(cctx, "CLIENT", "PAUSE", ms, "WRITE").Err()
	case faultDebugSleep:
		secs := strconv.FormatFloat(f.For.Seconds(), 'f', 3, 64)
		inj.err = in.rdb().Do(cctx, "DEBUG", "SLEEP", secs).Err()
	case FaultProxyBlackhole:
		if in.proxy == nil {
			inj.err = errors.New("the run does not go through the proxy")
			break
		}
		in.proxy.Blackhole()
		sleep(ctx, f.For)
		in.proxy.Restore()
	}
	inj.end = inj.at + f.For
	if f.Kind == FaultProxyBlackhole {
		inj.end = time.Since(start)
	}
	if inj.err != nil {
		inj.err = fmt.Errorf("%s: %w", f, inj.err)
	}
	return inj
}

// killReaders closes the run's subscription connections: those named after
// one of its instances that hold a subscription (pub/sub) or last ran
// XREAD (a Streams reader). Other clients of the server are left alone.
func (in *injector) killReaders(ctx context.Context, inj *injection, start time.Time) error {
	list, err := in.rdb().ClientList(ctx).Result()
	if err != nil {
		return fmt.Errorf("CLIENT LIST: %w", err)
	}
	ids := readerIDs(list, in.names)
	if len(ids) == 0 {
		return errors.New("CLIENT LIST shows no subscription connection of this run (were the names refused?)")
	}
	inj.at = time.Since(start)
	pipe := in.rdb().Pipeline()
	for _, id := range ids {
		pipe.Do(ctx, "CLIENT", "KILL", "ID", id)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("CLIENT KILL: %w", err)
	}
	return nil
}

// readerIDs returns the IDs of the reading connections among the clients
// of a CLIENT LIST reply whose name is in names.
func readerIDs(list string, names map[string]bool) []string {
	var ids []string
	for _, line := range strings.Split(list, "\n") {
		kv := map[string]string{}
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			kv[k] = v
		}
		if !names[kv["name"]] || kv["id"] == "" {
			continue
		}
		subs := 0
		for _, k := range []string{"sub", "psub", "ssub"} {
			n, _ := strconv.Atoi(kv[k])
			subs += n
		}
		if subs > 0 || strings.HasPrefix(kv["cmd"], "xread") {
			ids = append(ids, kv["id"])
		}
	}
	return ids
}

// sleep waits d or until ctx ends, and reports whether the whole d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
