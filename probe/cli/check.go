package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe"
)

var checkCommand = &Command{
	Name:        "check",
	Summary:     "one short run for Nagios, Icinga, Sensu and cron (exit 0 OK … 3 UNKNOWN)",
	Usage:       checkUsage,
	Example:     checkExample,
	Setup:       setupCheck,
	UsageFailed: checkUsageFailed,
}

const checkUsage = `Usage: bridgescope check [flags]

Probes the cooperating instances for a few seconds and prints one verdict,
as a monitoring plugin does (like 'nats server check'). It probes until
every expected instance answered (--expect N, --instances a,b) or until
--duration less --late-after has passed, then stops probing and waits
--late-after for the last acks, so every probe sent is acked or lost.

The verdict is the alert engine's, as 'watch' judges, with the same
threshold flags; --alert-hold is 0 here, as a short run has no time to
hold. An expected instance that did not answer is CRITICAL; no instance
at all, none expected, is WARNING.

Exit codes (this subcommand's own, as Nagios, Icinga and Sensu read them):
0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN: Redis unreachable, a bad flag, or
the observer could not see (a stall, a disconnect) - never CRITICAL for
what it could not look at.

--format nagios (the default): 'BRIDGESCOPE STATUS - summary | perfdata',
with --per-instance a line and perfdata per instance; json (one object);
prometheus (the text format, for node_exporter's textfile collector);
text (for a person).
`

// Check formats.
const (
	checkNagios     = "nagios"
	checkJSON       = "json"
	checkPrometheus = "prometheus"
	checkText       = "text"
)

var checkFormats = []string{checkNagios, checkJSON, checkPrometheus, checkText}

// The check's bounds.
const (
	// checkDefaultDuration is the run's length without expectations met:
	// five seconds, the time a monitoring system gives a plugin many times
	// over, and ten probes' round trips past the default --late-after.
	checkDefaultDuration = 5 * time.Second
	// checkMaxDuration caps --duration: a check is short (a monitoring
	// system kills a plugin after a minute or so); watch --headless is
	// for longer runs.
	checkMaxDuration = 5 * time.Minute
	// checkMinProbing is the shortest probing before the wait for the
	// last acks: five probes at the default rate.
	checkMinProbing = 500 * time.Millisecond
	// checkRefresh is the observer's tick during a check: finer than
	// watch's 250 ms, so the wait for the last acks ends closer to them.
	checkRefresh = 100 * time.Millisecond
	// checkSettleTicks are the ticks waited past --late-after once probing
	// stops: the last probe is counted lost at the first tick after its
	// deadline and judged at that tick; two more are slack for a loaded
	// machine.
	checkSettleTicks = 3
	// checkMinAcks is how many probes an instance must have acked to
	// count as answered for ending the run early: enough round trips for
	// a p99 that is not a single sample, half a second at the default rate.
	checkMinAcks = 5
	// checkMaxExpect caps --expect and --instances at the observer's
	// instance table (1024 rows): more could never all be seen.
	checkMaxExpect = 1024
)

// CheckConfig is a check run, its flags parsed: another command line (or a
// test) fills it and calls runCheckConfig.
type CheckConfig struct {
	Conn          bridge.ConnConfig
	Channels      []string
	ProbeChannels []string
	ID            string
	Transport     string
	Sharded       bool
	ProbeRate     float64
	LateAfter     time.Duration
	Duration      time.Duration
	Expect        report.CheckExpect
	Thresholds    metrics.Thresholds
	Format        string // one of checkFormats
	PerInstance   bool
	Logger        *slog.Logger
}

type checkFlags struct {
	common        Common
	channels      string
	probeChannels string
	id            string
	probeRate     float64
	lateAfter     time.Duration
	duration      time.Duration
	expect        int
	instances     string
	format        string
	perInstance   bool
	transport     transportFlag
	th            metrics.Thresholds
}

func (f *checkFlags) register(fs *pflag.FlagSet) {
	f.common.Register(fs)
	fs.StringVar(&f.channels, "channels", bridge.DefaultChannel, "data channels, comma-separated; a name with * ? [ is a pattern")
	fs.StringVar(&f.probeChannels, "probe-channels", "", "channels to send probes on (default: the --channels that are not patterns)")
	fs.StringVar(&f.id, "id", "", "the observer's instance ID (default bridgescope-<hostname>-<pid>)")
	fs.Float64Var(&f.probeRate, "probe-rate", 10, fmt.Sprintf("probes per second on each probe channel (%g..%g)", float64(probe.MinProbeRate), float64(probe.MaxProbeRate)))
	durationVar(fs, &f.lateAfter, "late-after", 2*time.Second, "how long an instance has to ack a probe before it counts as lost")
	durationVar(fs, &f.duration, "duration", checkDefaultDuration, "the longest the check runs, the wait for the last acks included")
	fs.IntVar(&f.expect, "expect", 0, "expect at least `N` cooperating instances: fewer is CRITICAL; the check ends once N answered")
	fs.StringVar(&f.instances, "instances", "", "expect these instance `IDs`, comma-separated: a missing one is CRITICAL; the check ends once all answered")
	fs.StringVar(&f.format, "format", checkNagios, "output: "+strings.Join(checkFormats, ", "))
	fs.BoolVar(&f.perInstance, "per-instance", false, "nagios: a line and performance data per instance (json and text always list them)")
	f.transport.register(fs)
	f.th = metrics.DefaultThresholds()
	f.th.Hold = 0
	registerThresholds(fs, &f.th)
}

func (f *checkFlags) check() error {
	var errs []error
	if !slices.Contains(checkFormats, f.format) {
		errs = append(errs, fmt.Errorf("--format must be one of %s, got %q", strings.Join(checkFormats, ", "), f.format))
	}
	if f.lateAfter < 10*time.Millisecond || f.lateAfter > time.Minute {
		errs = append(errs, fmt.Errorf("--late-after must be within 10ms..1m, got %v", f.lateAfter))
	}
	if least := checkSettle(f.lateAfter) + checkMinProbing; f.duration < least || f.duration > checkMaxDuration {
		errs = append(errs, fmt.Errorf("--duration must be within %v (--late-after and %v more) .. %v, got %v",
			least, least-f.lateAfter, checkMaxDuration, f.duration))
	}
	if f.expect < 0 || f.expect > checkMaxExpect {
		errs = append(errs, fmt.Errorf("--expect must be within 0..%d, got %d", checkMaxExpect, f.expect))
	}
	if n := len(splitList(f.instances)); n > checkMaxExpect {
		errs = append(errs, fmt.Errorf("--instances names %d instances, at most %d", n, checkMaxExpect))
	}
	if f.probeRate < probe.MinProbeRate || f.probeRate > probe.MaxProbeRate {
		errs = append(errs, fmt.Errorf("--probe-rate must be within %g..%g, got %g", float64(probe.MinProbeRate), float64(probe.MaxProbeRate), f.probeRate))
	}
	if err := checkThresholds(f.th); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// setupCheck parses the flags into a CheckConfig and runs it. Every failure
// before the verdict is UNKNOWN (3), also a bad flag: a monitoring system
// must not page for a typo in its own configuration.
func setupCheck(fs *pflag.FlagSet) RunFunc {
	f := &checkFlags{}
	f.register(fs)
	return func(ctx context.Context, env *Env, _ []string) int { return f.run(ctx, env, time.Now()) }
}

// checkUsageFailed puts a usage error into the verdict, UNKNOWN: Nagios
// reads stdout.
func checkUsageFailed(env *Env, err error) int {
	return checkFailed(env, &CheckConfig{Format: checkNagios}, time.Now(), err)
}

func (f *checkFlags) run(ctx context.Context, env *Env, start time.Time) int {
	cfg := CheckConfig{
		Channels: splitList(f.channels), ProbeChannels: splitList(f.probeChannels), ID: f.id,
		Transport: f.transport.String(), Sharded: f.common.Sharded, ProbeRate: f.probeRate,
		LateAfter: f.lateAfter, Duration: f.duration, Thresholds: f.th, Format: f.format,
		Expect:      report.CheckExpect{Count: f.expect, IDs: splitList(f.instances)},
		PerInstance: f.perInstance,
	}
	if !slices.Contains(checkFormats, cfg.Format) {
		cfg.Format = checkNagios
	}
	if err := f.check(); err != nil {
		return checkFailed(env, &cfg, start, err)
	}
	var err error
	if cfg.Conn, err = f.common.Conn(env); err != nil {
		return checkFailed(env, &cfg, start, err)
	}
	// Log lines only to --log: a monitoring system may show stderr as the
	// check's output.
	logger, closeLog, err := f.common.SetupLog(env, nil)
	if err != nil {
		return checkFailed(env, &cfg, start, err)
	}
	defer closeLog()
	cfg.Logger = logger
	return runCheckConfig(ctx, env, cfg, start)
}
