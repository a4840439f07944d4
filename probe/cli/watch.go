package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/mattn/go-isatty"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/prom"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe"
	"github.com/bridgescope/bridgescope/themes"
	"github.com/bridgescope/bridgescope/tui"
)

var watchCommand = &Command{
	Name:    "watch",
	Summary: "the live dashboard: probe every instance, show delivery, latency and alerts",
	Usage:   watchUsage,
	Example: watchExample,
	Setup:   setupWatch,
}

const watchUsage = `Usage: bridgescope watch [flags]

Joins the channels with its own instance ID, injects probes, and shows per
instance delivery, round-trip latency, loss and alerts. Cooperating
instances ('bridgescope agent', or a Go service using probe.Attach) ack
probes; every publisher on the channels is also watched passively.

Without a terminal, or with --headless, prints one summary line a second
and the final state at the end (--duration or Ctrl-C): text, --json or
--markdown. --json-stream (or --ndjson) prints the whole state as one JSON
line a second instead, the final state last, for jq and log shippers.
Exits 1 when an alert is CRIT at the end, 2 on usage or connection errors,
else 0.
`

// watchFlags are shared by watch and demo.
type watchFlags struct {
	common        Common
	channels      string
	probeChannels string
	probeRate     float64
	lateAfter     time.Duration
	forgetAfter   time.Duration
	id            string
	theme         string
	headless      bool
	duration      time.Duration
	json          bool
	jsonStream    bool
	markdown      bool
	snapshot      snapshotFlags
	th            metrics.Thresholds
	promAddr      metricsFlag
	transport     transportFlag
	baseline      bool
	controlKey    controlKeyFlag
	record        recordFlags
	// cmd is the subcommand ("watch" or "demo"), for the recording's header.
	cmd string
}

func (f *watchFlags) register(fs *pflag.FlagSet, withConn bool) {
	if withConn {
		f.common.Register(fs)
		fs.StringVar(&f.channels, "channels", bridge.DefaultChannel, "data channels to watch, comma-separated; a name with * ? [ is a pattern")
		fs.StringVar(&f.probeChannels, "probe-channels", "", "channels to send probes on (default: the --channels that are not patterns)")
		fs.StringVar(&f.id, "id", "", "the observer's instance ID (default bridgescope-<hostname>-<pid>)")
	} else {
		fs.StringVar(&f.common.LogFile, "log", "", "write log lines to `file`")
	}
	fs.Float64Var(&f.probeRate, "probe-rate", 10, fmt.Sprintf("probes per second on each probe channel (%g..%g; +/- on screen)", float64(probe.MinProbeRate), float64(probe.MaxProbeRate)))
	durationVar(fs, &f.lateAfter, "late-after", 2*time.Second, "how long an instance has to ack a probe before it counts as lost (and the ack as late)")
	durationVar(fs, &f.forgetAfter, "forget-after", metrics.DefaultForgetAfter, "forget an instance silent this long (its row and alerts; it comes back if it speaks)")
	fs.StringVar(&f.theme, "theme", themes.Auto, "colour theme: "+strings.Join(append([]string{themes.Auto}, themes.Names()...), ", "))
	fs.BoolVar(&f.headless, "headless", false, "no dashboard: a summary line a second, the final state at the end")
	durationVar(fs, &f.duration, "duration", 0, "stop after this long (default: until Ctrl-C or q)")
	fs.BoolVar(&f.json, "json", false, "headless: print the final state as one JSON object on stdout")
	fs.BoolVar(&f.markdown, "markdown", false, "headless: print the final state as Markdown on stdout")
	fs.BoolVar(&f.jsonStream, "json-stream", false, "headless: print the state as one JSON line a second on stdout (NDJSON), the final state last")
	fs.BoolVar(&f.jsonStream, "ndjson", false, "the same as --json-stream")
	f.snapshot.register(fs)
	f.record.register(fs)
	fs.BoolVar(&f.baseline, "baseline", false, "run a raw-Redis lane beside the probes (plain PUBLISH/SUBSCRIBE on a private channel,\nat the probe rate): raw latency shows next to the bridge's")
	f.promAddr.register(fs)
	f.transport.register(fs)
	f.controlKey.register(fs)
	f.th = metrics.DefaultThresholds()
	registerThresholds(fs, &f.th)
	fs.Var(typed(&f.th.ExpectSubscribers, "N"), "expect-subscribers", "`N` connections subscribed in all (CLIENT LIST, else the busiest channel's NUMSUB), or CHANNEL=N per channel\n(PUBSUB NUMSUB), comma-separated: WARN when fewer for longer than --alert-hold, CRIT at none")
}

func (f *watchFlags) check() error {
	var errs []error
	if n := countTrue(f.json, f.markdown, f.jsonStream); n > 1 {
		errs = append(errs, errors.New("--json, --markdown and --json-stream exclude each other"))
	}
	if f.duration < 0 {
		errs = append(errs, fmt.Errorf("--duration must not be negative, got %v", f.duration))
	}
	if f.theme != themes.Auto {
		if _, err := themes.Lookup(f.theme); err != nil {
			errs = append(errs, err)
		}
	}
	if f.forgetAfter < time.Minute {
		errs = append(errs, fmt.Errorf("--forget-after must be at least 1m (past every alert), got %v", f.forgetAfter))
	}
	if f.lateAfter < 10*time.Millisecond || f.lateAfter > time.Minute {
		errs = append(errs, fmt.Errorf("--late-after must be within 10ms..1m, got %v", f.lateAfter))
	}
	if f.probeRate < probe.MinProbeRate || f.probeRate > probe.MaxProbeRate {
		errs = append(errs, fmt.Errorf("--probe-rate must be within %g..%g, got %g", float64(probe.MinProbeRate), float64(probe.MaxProbeRate), f.probeRate))
	}
	if err := checkThresholds(f.th); err != nil {
		errs = append(errs, err)
	}
	if err := f.snapshot.check(); err != nil {
		errs = append(errs, err)
	}
	if err := f.record.check(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// splitList splits a comma-separated flag, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func setupWatch(fs *pflag.FlagSet) RunFunc {
	f := &watchFlags{}
	f.register(fs, true)
	return func(ctx context.Context, env *Env, _ []string) int { return f.run(ctx, env) }
}

func (f *watchFlags) run(ctx context.Context, env *Env) int {
	if err := f.check(); err != nil {
		return env.Fail(ExitUsage, err)
	}
	f.cmd = "watch"
	conn, err := f.common.Conn(env)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	return f.observe(ctx, env, probe.ObserverConfig{
		Conn: conn, Channels: splitList(f.channels), ProbeChannels: splitList(f.probeChannels), ID: f.id,
		Bridge: bridge.Config{Sharded: f.common.Sharded, Transport: f.transport.String()},
	})
}

// observe runs an observer with the flags' settings and shows it: the
// dashboard on a terminal, else headless.
func (f *watchFlags) observe(ctx context.Context, env *Env, oc probe.ObserverConfig) int {
	headless := f.headless || f.json || f.markdown || f.jsonStream || !isTerminal(os.Stdout) || !stdinIsTerminal(env)
	var logTo io.Writer
	held := newProgress(env.Stderr, false, false) // holds log lines until connected
	if headless {
		logTo = held
	}
	logger, closeLog, err := f.common.SetupLog(env, logTo)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	defer closeLog()
	o, err := f.startObserver(ctx, env, oc, logger, held)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	defer o.Stop()
	stopMetrics, err := f.promAddr.serve(ctx, env, prom.NewSnapshotCollector(o.Snapshot))
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	defer stopMetrics()
	if f.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.duration)
		defer cancel()
	}
	snaps, finish := (<-chan metrics.Snapshot)(o.Snapshots()), func(metrics.Snapshot) error { return nil }
	if f.record.path != "" {
		rec, err := startRecording(f.record, f.recordHeader(oc, o), o.Snapshots(), logger)
		if err != nil {
			return env.Fail(ExitUsage, err)
		}
		snaps, finish = rec.out, func(final metrics.Snapshot) error {
			said, err := rec.finish(final)
			if said != "" {
				env.Errorf("%s", said)
			}
			return err
		}
	}
	var final metrics.Snapshot
	code := ExitOK
	if headless {
		final, code = f.headlessLoop(ctx, env, o)
	} else {
		final, code = f.dashboard(ctx, env, o, snaps)
	}
	if err := finish(final); err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("recording %s: %w", f.record.path, err))
	}
	return code
}

// startObserver builds and starts the observer with the flags' settings;
// held holds the log lines until it is connected, and drops them when it
// fails (the one error line says it all).
func (f *watchFlags) startObserver(ctx context.Context, env *Env, oc probe.ObserverConfig, logger *slog.Logger, held *progress) (*probe.Observer, error) {
	oc.ProbeRate, oc.Thresholds, oc.Logger, oc.LateAfter = f.probeRate, f.th, logger, f.lateAfter
	oc.ForgetAfter = f.forgetAfter
	oc.Baseline = f.baseline
	var err error
	if oc.ControlKey, err = f.controlKey.load(env); err != nil {
		return nil, err
	}
	o, err := probe.NewObserver(oc)
	if err != nil {
		return nil, err
	}
	if err := o.Start(ctx); err != nil {
		held.finish(true)
		return nil, err
	}
	held.finish(false)
	return o, nil
}

func stdinIsTerminal(env *Env) bool {
	fl, ok := env.Stdin.(*os.File)
	return ok && isatty.IsTerminal(fl.Fd())
}

// headlessLoop prints a summary line a second (on stderr when stdout must
// hold only the final JSON or Markdown), or with --json-stream the state as
// a JSON line, then the final state.
func (f *watchFlags) headlessLoop(ctx context.Context, env *Env, o *probe.Observer) (metrics.Snapshot, int) {
	lines := env.Stdout
	if f.json || f.markdown {
		lines = env.Stderr
	}
	line := func(s metrics.Snapshot) report.Reporter {
		return func(w io.Writer) error {
			_, err := fmt.Fprintln(w, report.WatchLine(s))
			return err
		}
	}
	if f.jsonStream {
		line = report.WatchJSONLine
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-t.C:
			if err := line(o.Snapshot())(lines); err != nil {
				return o.Snapshot(), env.Fail(ExitUsage, fmt.Errorf("write output: %w", err))
			}
		}
	}
	final := o.Snapshot()
	out := report.WatchText(final)
	switch {
	case f.json:
		out = report.WatchJSON(final)
	case f.markdown:
		out = report.WatchMarkdown(final)
	case f.jsonStream:
		out = report.WatchJSONLine(final)
	}
	if err := out(env.Stdout); err != nil {
		return final, env.Fail(ExitUsage, fmt.Errorf("write report: %w", err))
	}
	return final, exitFor(final)
}

// exitFor is 1 when any alert is CRIT, else 0.
func exitFor(s metrics.Snapshot) int {
	for _, a := range s.Alerts {
		if a.Level == metrics.Crit {
			return ExitFail
		}
	}
	return ExitOK
}

// dashboard runs the terminal UI until q, Ctrl-C, --duration or ctx ends.
func (f *watchFlags) dashboard(ctx context.Context, env *Env, o *probe.Observer, snaps <-chan metrics.Snapshot) (metrics.Snapshot, int) {
	m := tui.New(tui.Config{
		Snapshots: snaps, Control: o, Theme: f.theme, SnapshotDir: f.snapshot.dir, SnapshotBg: f.snapshot.bg,
		Context: env.settings.contextName(), Production: env.settings.isProduction(),
	})
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithInput(env.Stdin), tea.WithOutput(os.Stdout))
	_, err := p.Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return o.Snapshot(), env.Fail(ExitUsage, fmt.Errorf("dashboard: %w", err))
	}
	final := o.Snapshot()
	if _, err := fmt.Fprintln(env.Stdout, report.WatchLine(final)); err != nil {
		return final, ExitUsage
	}
	// Quitting the dashboard is not a verdict: the CRIT-at-end exit code is
	// --headless's, for scripts.
	return final, ExitOK
}
