package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe/harness"
)

// faultUsage is the part of validate's usage about faults.
const faultUsage = `
With --fault NAME@T[:D] (repeatable) the run injects faults, T after
publishing began, lasting D:
  kill-subscribers@T   close the run's subscription connections (CLIENT KILL)
  pause@T:D            CLIENT PAUSE D WRITE: every publish waits
  proxy-blackhole@T:D  the instances connect through an in-process proxy that
                       drops every byte for D
The report adds, per fault (times since publishing began):
  detected   the first sign: a subscription leaving "connected", a publish
             failing, or a publish stalled over 250ms
  recovered  the first event sent, once every subscription was back and the
             fault over, that reached every other instance
  lost       deliveries of the events sent from 50ms before the fault to its
             recovery that never arrived (by sender boot and seq)
The thresholds still decide the verdict: a fault's loss FAILs the run when
delivery falls below --delivery-crit, and so does a fault not recovered
before publishing ends. --compare-transports runs the scenario once per
transport and prints the faults side by side. The injector uses the run's
Redis user: it needs CLIENT LIST and CLIENT KILL (kill-subscribers) and
CLIENT PAUSE (pause), and checks them before publishing.
`

// faultFlags are validate's flags for fault runs.
type faultFlags struct {
	faults  harness.FaultList
	compare bool
}

func (f *faultFlags) register(fs *pflag.FlagSet) {
	fs.Var(typed(&f.faults, "fault"), "fault", "inject a fault `NAME@T[:D]` (repeatable): kill-subscribers@T, pause@T:D, proxy-blackhole@T:D")
	fs.BoolVar(&f.compare, "compare-transports", false, "run the --fault scenario once per transport (pubsub, streams) and compare the faults side by side")
}

// active reports whether the run is a fault run.
func (f *faultFlags) active() bool { return len(f.faults) > 0 || f.compare }

// check checks the faults against the run's duration; transport says
// whether --transport was given.
func (f *faultFlags) check(duration time.Duration, transport bool) error {
	var errs []error
	if f.compare && len(f.faults) == 0 {
		errs = append(errs, errors.New("--compare-transports compares faults: give at least one --fault"))
	}
	if f.compare && transport {
		errs = append(errs, errors.New("--transport and --compare-transports exclude each other: the comparison runs every transport"))
	}
	if duration > 0 {
		for _, e := range unjoin(harness.CheckFaults(f.faults, duration)) {
			if e != nil { // each is about a fault and the duration: name their flags
				errs = append(errs, errors.New(faultFlagNames.Replace(e.Error())))
			}
		}
	}
	return errors.Join(errs...)
}

// runFaults runs the fault scenario, once or once per transport, prints the
// report and returns the exit code: 0 PASS, 1 FAIL (any run), 2 when a run
// could not start (connection, rights for the injector).
func (v *validateFlags) runFaults(ctx context.Context, env *Env, cfg harness.Config, prog *progress) int {
	if !v.fault.compare {
		fr, err := harness.RunFaults(ctx, cfg, v.fault.faults)
		prog.finish(err != nil)
		if err != nil {
			return env.Fail(ExitUsage, fmt.Errorf("validate: %w", err))
		}
		v.noteInterrupted(ctx, env, fr.Input.Duration)
		return v.report(env, fr.Report(v.th))
	}
	var runs []report.ValidateReport
	for _, t := range bridge.Transports() {
		c := cfg
		c.Bridge.Transport = t
		fr, err := harness.RunFaults(ctx, c, v.fault.faults)
		if err != nil {
			prog.finish(true)
			return env.Fail(ExitUsage, fmt.Errorf("validate: transport %s: %w", t, err))
		}
		runs = append(runs, fr.Report(v.th))
		if ctx.Err() != nil {
			v.noteInterrupted(ctx, env, fr.Input.Duration)
			break
		}
	}
	prog.finish(false)
	return v.reportCompare(env, report.BuildCompareReport(bridge.Transports(), runs))
}

func (v *validateFlags) noteInterrupted(ctx context.Context, env *Env, ran time.Duration) {
	if ctx.Err() != nil {
		env.Errorf("validate: interrupted after %v of %v: the report covers what was published", ran, v.duration)
	}
}

// reportCompare prints a transport comparison and turns its verdict into
// the exit code.
func (v *validateFlags) reportCompare(env *Env, c report.CompareReport) int {
	rep := report.CompareText(c)
	switch {
	case v.json:
		rep = report.CompareJSON(c)
	case v.markdown:
		rep = report.CompareMarkdown(c)
	}
	if err := rep(env.Stdout); err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("validate: %w", err))
	}
	if c.Status != "PASS" {
		return ExitFail
	}
	return ExitOK
}
