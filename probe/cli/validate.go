package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/prom"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe"
	"github.com/bridgescope/bridgescope/probe/bench"
	"github.com/bridgescope/bridgescope/probe/harness"
)

// maxValidateInstances bounds --instances: each instance holds two Redis
// connections, and the run is a test, not a load generator for a server.
const maxValidateInstances = 500

var validateCommand = &Command{
	Name:    "validate",
	Summary: "run N instances in this process and check every event reaches the N−1 others",
	Usage:   validateUsage,
	Example: validateExample,
	Setup:   setupValidate,
}

const validateUsage = `Usage: bridgescope validate [flags]

Runs --instances bridges in this process, each with its own Redis
connections, publishes --rate events per second in total from random
instances for --duration, waits up to --drain for deliveries still under
way, and checks that every event reached exactly the other instances.
Prints the report as text (default), --json or --markdown; exits 0 on PASS,
1 on FAIL, 2 on usage or connection errors.
` + faultUsage

type validateFlags struct {
	common     Common
	yes        bool // --yes: run against a production context
	instances  int
	duration   time.Duration
	drain      time.Duration
	rate       float64
	channel    string
	channelSet bool // --channel was given: the run may be on a live channel
	json       bool
	markdown   bool
	html       string // also write the report as HTML there
	verbose    bool
	sharedID   bool
	baseline   bool
	th         metrics.Thresholds
	promAddr   metricsFlag
	fault      faultFlags
	transport  transportFlag
	controlKey controlKeyFlag
}

func (f *validateFlags) register(fs *pflag.FlagSet) {
	f.common.Register(fs)
	registerYes(fs, &f.yes)
	fs.IntVar(&f.instances, "instances", 3, "number of in-process instances (2.."+fmt.Sprint(maxValidateInstances)+")")
	durationVar(fs, &f.duration, "duration", 20*time.Second, "how long to publish")
	fs.Float64Var(&f.rate, "rate", 10, "events per second, all instances together (the report shows the rate achieved,\nand warns below 90 %)")
	fs.StringVar(&f.channel, "channel", "", "channel to publish and subscribe on (default a private bridge:validate:<random>;\n"+
		bridge.DefaultChannel+" is the bots' live channel: every bot there receives the run's events)")
	durationVar(fs, &f.drain, "drain", 2*time.Second, "how long to wait after publishing for deliveries still under way")
	fs.BoolVar(&f.json, "json", false, "print the report as one JSON object")
	fs.BoolVar(&f.markdown, "markdown", false, "print the report as Markdown")
	registerHTML(fs, &f.html)
	fs.BoolVar(&f.verbose, "verbose", false, "log the run's steps on stderr")
	fs.BoolVar(&f.sharedID, "shared-id", false, "give every instance the same ID, reproducing the seed's bug (must FAIL)")
	fs.BoolVar(&f.baseline, "baseline", false, "run a raw-Redis lane beside the bridges ("+fmt.Sprint(bench.DefaultRawRate)+
		" events/s on a private channel)\nand report its latency next to theirs")
	f.promAddr.register(fs)
	f.fault.register(fs)
	f.transport.register(fs)
	f.controlKey.register(fs)
	f.th = metrics.DefaultThresholds()
	registerThresholds(fs, &f.th)
}

// check reports every bad value at once.
func (f *validateFlags) check() error {
	var errs []error
	if f.instances < 2 || f.instances > maxValidateInstances {
		errs = append(errs, fmt.Errorf("--instances must be between 2 and %d, got %d", maxValidateInstances, f.instances))
	}
	if !(f.rate > 0) || math.IsInf(f.rate, 0) {
		errs = append(errs, fmt.Errorf("--rate must be a positive number of events per second, got %v", f.rate))
	}
	if f.duration <= 0 {
		errs = append(errs, fmt.Errorf("--duration must be positive, got %v", f.duration))
	}
	if f.drain < 0 {
		errs = append(errs, fmt.Errorf("--drain must not be negative, got %v", f.drain))
	}
	if f.channel == "" {
		f.channel = bridge.DefaultPrefix + "validate:" + bridge.NewBoot()
	} else if strings.TrimSpace(f.channel) == "" || bridge.IsPattern(f.channel) {
		errs = append(errs, fmt.Errorf("--channel must name one channel (no *, ? or [), got %q", f.channel))
	}
	if f.json && f.markdown {
		errs = append(errs, errors.New("--json and --markdown exclude each other"))
	}
	if err := checkThresholds(f.th); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, f.fault.check(f.duration, f.transport.name != ""))
	return errors.Join(errs...)
}

func setupValidate(fs *pflag.FlagSet) RunFunc {
	f := &validateFlags{}
	f.register(fs)
	return func(ctx context.Context, env *Env, _ []string) int {
		f.channelSet = fs.Changed("channel")
		return f.run(ctx, env)
	}
}

func (f *validateFlags) run(ctx context.Context, env *Env) int {
	if err := f.check(); err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("validate: %w", err))
	}
	if err := refuseProduction(env, "validate", f.yes); err != nil {
		return env.Fail(ExitUsage, err)
	}
	conn, err := f.common.Conn(env)
	if err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("validate: %w", err))
	}
	key, err := f.controlKey.load(env)
	if err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("validate: %w", err))
	}
	prog := newProgress(env.Stderr, env.StderrTTY, f.verbose)
	logger, closeLog, err := f.common.SetupLog(env, prog)
	if err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("validate: %w", err))
	}
	defer closeLog()
	live := newLiveProgress(f.instances, f.duration)
	stopMetrics, err := f.promAddr.serve(ctx, env, prom.NewValidateCollector(live.get))
	if err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("validate: %w", err))
	}
	defer stopMetrics()
	cfg := harness.Config{
		Conn: conn, Instances: f.instances, Duration: f.duration, Drain: f.drain,
		Rate: f.rate, Channel: f.channel, SharedID: f.sharedID,
		Logger: logger, Progress: live.tee(prog.update),
	}
	cfg.Bridge.Transport = f.transport.String() // --compare-transports sets it per run
	cfg.Bridge.ControlKey = key                 // the instances refuse forged control messages
	if f.verbose {
		cfg.Log = prog
	}
	if f.channelSet {
		if note := liveChannelNote(ctx, conn, f.channel, f.rate, f.duration); note != "" {
			env.Errorf("validate: %s", note)
		}
	}
	if f.fault.active() {
		return f.runFaults(ctx, env, cfg, prog)
	}
	base := f.startBaseline(ctx, env, conn, logger)
	in, err := harness.Run(ctx, cfg)
	in.Baseline = base(err != nil)
	prog.finish(err != nil)
	if err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("validate: %w", err))
	}
	if ctx.Err() != nil {
		env.Errorf("validate: interrupted after %v of %v: the report covers what was published", in.Duration, f.duration)
	}
	return f.report(env, report.BuildValidateReport(in, f.th))
}

// report prints r in the chosen format and turns the verdict into the
// exit code.
func (f *validateFlags) report(env *Env, r report.ValidateReport) int {
	rep := report.ValidateText(r)
	switch {
	case f.json:
		rep = report.ValidateJSON(r)
	case f.markdown:
		rep = report.ValidateMarkdown(r)
	}
	if err := rep(env.Stdout); err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("validate: %w", err))
	}
	if f.html != "" {
		if err := writeHTML(f.html, report.ValidateHTML(r, report.HTMLOptions{})); err != nil {
			return env.Fail(ExitUsage, fmt.Errorf("validate: %w", err))
		}
	}
	if r.Status != "PASS" {
		return ExitFail
	}
	return ExitOK
}

// startBaseline starts the raw lane when --baseline asks for it. The
// returned function waits for it (stopping it first when stop is set) and
// returns its latencies: nil without --baseline, or when the lane failed,
// which is reported as a warning.
func (f *validateFlags) startBaseline(ctx context.Context, env *Env, conn bridge.ConnConfig, logger *slog.Logger) func(stop bool) *metrics.Histogram {
	if !f.baseline {
		return func(bool) *metrics.Histogram { return nil }
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan *metrics.Histogram, 1)
	go func() {
		res, err := bench.RunRaw(ctx, probe.BaselineConfig{Conn: conn, Logger: logger},
			bench.DefaultRawRate, f.duration, f.drain)
		if err != nil {
			if ctx.Err() == nil {
				env.Errorf("validate: baseline lane: %v", err)
			}
			done <- nil
			return
		}
		done <- res.Latency
	}()
	return func(stop bool) *metrics.Histogram {
		if stop {
			cancel()
		}
		defer cancel()
		return <-done
	}
}

// liveChannelNote says, before a run on a channel given by name, how many
// subscribers it has now (PUBSUB NUMSUB): on the bots' live channel each of
// them receives every event of the run. "" when it has none or Redis will
// not say.
func liveChannelNote(ctx context.Context, conn bridge.ConnConfig, ch string, rate float64, d time.Duration) string {
	b, err := bridge.New(bridge.Config{Conn: conn, InstanceID: "bridgescope-validate-check", DisableSubscription: true})
	if err != nil {
		return ""
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(ctx, bridge.DefaultCommandTimeout)
	defer cancel()
	n, err := b.Redis().PubSubNumSub(ctx, ch).Result()
	if err != nil || n[ch] == 0 {
		return ""
	}
	return fmt.Sprintf("channel %s has %d subscribers besides this run (PUBSUB NUMSUB): each receives its %.0f events",
		ch, n[ch], rate*d.Seconds())
}
