package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics/prom"
	"github.com/bridgescope/bridgescope/probe"
)

var agentCommand = &Command{
	Name:    "agent",
	Summary: "run one cooperating instance: it acks probes and reports its counters",
	Usage:   agentUsage,
	Example: agentExample,
	Setup:   setupAgent,
}

const agentUsage = `Usage: bridgescope agent [flags]

Runs one cooperating bridge instance as its own process: it subscribes to
the channels, acks every probe of every 'bridgescope watch', reports its
counters every second, and publishes --publish-rate events per second of
its own. Run it in staging beside the real bots, with the same Redis and
channels, so watch sees the path they use. Stops on Ctrl-C, telling the
observers it left (a graceful stop raises no alert).
`

type agentFlags struct {
	common      Common
	channels    string
	id          string
	role        string
	publishRate float64
	dropAcks    float64
	ackDelay    time.Duration
	dropFrom    string
	clockOffset time.Duration
	promAddr    metricsFlag
	transport   transportFlag
	controlKey  controlKeyFlag
}

func (f *agentFlags) register(fs *pflag.FlagSet) {
	f.common.Register(fs)
	fs.StringVar(&f.channels, "channels", bridge.DefaultChannel, "data channels, comma-separated; a name with * ? [ is a pattern")
	fs.StringVar(&f.id, "id", "", "instance ID (default <hostname>-<pid>)")
	fs.StringVar(&f.role, "role", "agent", "role shown on the dashboard")
	fs.Float64Var(&f.publishRate, "publish-rate", 0, "ordinary events per second to publish on the first channel (0: none)")
	fs.Float64Var(&f.dropAcks, "test-drop-acks", 0, "TESTING ONLY: drop this fraction (0..1) of acks, evenly spread, to see a lossy instance")
	durationVar(fs, &f.ackDelay, "test-ack-delay", 0, "TESTING ONLY: delay every ack (and so the handler) by this long")
	fs.StringVar(&f.dropFrom, "test-drop-from", "", "TESTING ONLY: `ID=FRACTION` loses that fraction (0..1) of the events from instance ID, evenly spread,\nbefore any accounting: one lossy path in the delivery matrix")
	fs.Func("test-clock-offset", "TESTING ONLY: shift this agent's clock by a `duration` (-250ms, 1s): a machine whose clock is off", func(v string) error {
		d, err := time.ParseDuration(v)
		f.clockOffset = d
		return err
	})
	f.promAddr.register(fs)
	f.transport.register(fs)
	f.controlKey.register(fs)
}

func (f *agentFlags) check() error {
	var errs []error
	if f.publishRate < 0 || f.publishRate > 100000 {
		errs = append(errs, fmt.Errorf("--publish-rate must be within 0..100000, got %g", f.publishRate))
	}
	if f.dropAcks < 0 || f.dropAcks > 1 {
		errs = append(errs, fmt.Errorf("--test-drop-acks must be within 0..1, got %g", f.dropAcks))
	}
	if f.ackDelay < 0 {
		errs = append(errs, fmt.Errorf("--test-ack-delay must not be negative, got %v", f.ackDelay))
	}
	if _, _, err := parseDropFrom(f.dropFrom); err != nil {
		errs = append(errs, err)
	}
	if f.clockOffset > time.Hour || f.clockOffset < -time.Hour {
		errs = append(errs, fmt.Errorf("--test-clock-offset must be within ±1h, got %v", f.clockOffset))
	}
	chans := splitList(f.channels)
	if len(chans) == 0 {
		errs = append(errs, errors.New("--channels names no channel"))
	} else if f.publishRate > 0 && bridge.IsPattern(chans[0]) {
		errs = append(errs, fmt.Errorf("--publish-rate publishes on the first channel, and %q is a pattern", chans[0]))
	}
	return errors.Join(errs...)
}

func setupAgent(fs *pflag.FlagSet) RunFunc {
	f := &agentFlags{}
	f.register(fs)
	return func(ctx context.Context, env *Env, _ []string) int { return f.run(ctx, env) }
}

func (f *agentFlags) run(ctx context.Context, env *Env) int {
	if err := f.check(); err != nil {
		return env.Fail(ExitUsage, err)
	}
	conn, err := f.common.Conn(env)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	key, err := f.controlKey.load(env)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	// Log lines wait until the agent is subscribed: a failure to start is
	// one error line, not the subscription's warnings and then the error.
	held := newProgress(env.Stderr, false, false)
	logger, closeLog, err := f.common.SetupLog(env, held)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	defer closeLog()
	opt := probe.AttachOptions{Role: f.role}
	if f.dropAcks > 0 {
		opt.TestDropAck = probe.DropRatio(f.dropAcks)
	}
	if f.ackDelay > 0 {
		d := f.ackDelay
		opt.TestAckDelay = func() time.Duration { return d }
	}
	cfg := bridge.Config{Conn: conn, Channels: splitList(f.channels), InstanceID: f.id, Logger: logger, Sharded: f.common.Sharded,
		Transport: f.transport.String(), ControlKey: key, TestClockOffset: f.clockOffset}
	if from, frac, _ := parseDropFrom(f.dropFrom); from != "" {
		lose := probe.DropRatio(frac)
		cfg.TestDrop = func(source string) bool { return source == from && lose() }
	}
	return runAgentServing(ctx, env, cfg, opt, publishing{rate: f.publishRate, event: agentEvent}, &f.promAddr, held.finish)
}

// publishing says what an agent publishes of its own: rate events per
// second (0: none), each made by event from its running number.
type publishing struct {
	rate  float64
	event func(n int64) (typ string, data any)
}

// agentEvent is what `agent --publish-rate` sends: a type no bot acts on,
// since agents run beside real bots.
func agentEvent(n int64) (string, any) { return "agent.event", map[string]int64{"n": n} }

// runAgentInstance runs one attached bridge until ctx ends.
func runAgentInstance(ctx context.Context, env *Env, cfg bridge.Config, opt probe.AttachOptions, pub publishing) int {
	return runAgentServing(ctx, env, cfg, opt, pub, nil, nil)
}

// runAgentServing is runAgentInstance serving its counters as m says;
// started, when set, is told whether the start failed.
func runAgentServing(ctx context.Context, env *Env, cfg bridge.Config, opt probe.AttachOptions, pub publishing, m *metricsFlag,
	started func(failed bool)) int {
	if started == nil {
		started = func(bool) {}
	}
	b, err := bridge.New(cfg)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	a := probe.Attach(b, opt)
	stopMetrics, err := m.serve(ctx, env, prom.NewAgentCollector(agentCounters(b, opt.Role)))
	if err != nil {
		started(true)
		b.Close()
		return env.Fail(ExitUsage, err)
	}
	defer stopMetrics()
	if err := b.Start(ctx); err != nil {
		started(true)
		b.Close()
		return env.Fail(ExitUsage, err)
	}
	started(false)
	a.Run()
	signed := ""
	if len(cfg.ControlKey) > 0 {
		signed = ", control messages signed"
	}
	fmt.Fprintf(env.Stderr, "bridgescope agent %s (boot %s) on %s, channels %v: acking probes%s\n",
		b.InstanceID(), b.Boot(), cfg.Conn.Redacted(), b.Config().Channels, signed)
	if pub.rate > 0 {
		publishLoop(ctx, b, b.Config().Channels[0], pub)
	} else {
		<-ctx.Done()
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	a.Stop(stopCtx)
	st := b.Stats()
	b.Close()
	fmt.Fprintf(env.Stderr, "bridgescope agent %s stopped: received %d, gaps %d, reconnects %d, errors %d\n",
		st.InstanceID, st.Received, st.Gaps, st.Reconnects, st.Errors())
	return ExitOK
}

// publishLoop publishes ordinary events at rate per second until ctx ends,
// paced by elapsed time so a slow PUBLISH does not lower the rate.
func publishLoop(ctx context.Context, b *bridge.Bridge, channel string, pub publishing) {
	rate := pub.rate
	start := time.Now()
	var sent int64
	t := time.NewTicker(max(time.Millisecond, time.Duration(float64(time.Second)/rate)))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		due := int64(time.Since(start).Seconds() * rate)
		for ; sent < due && ctx.Err() == nil; sent++ {
			typ, data := pub.event(sent)
			_, _ = b.Publish(ctx, channel, typ, data) // counted in Stats
		}
	}
}

// parseDropFrom parses --test-drop-from's ID=FRACTION ("" is none).
func parseDropFrom(v string) (string, float64, error) {
	if v == "" {
		return "", 0, nil
	}
	id, fr, ok := strings.Cut(v, "=")
	p, err := strconv.ParseFloat(fr, 64)
	if !ok || id == "" || err != nil || p < 0 || p > 1 {
		return "", 0, fmt.Errorf("--test-drop-from wants ID=FRACTION with a fraction within 0..1, got %q", v)
	}
	return id, p, nil
}
