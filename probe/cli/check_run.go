package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/prom"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe"
)

var errInterrupted = errors.New("interrupted before the verdict")

// checkSettle is the wait after probing stops until every probe sent is
// acked or counted lost, and judged.
func checkSettle(lateAfter time.Duration) time.Duration {
	return lateAfter + checkSettleTicks*checkRefresh
}

// runCheckConfig runs one check from start (when the command began) and
// prints its verdict in cfg.Format; it returns the verdict's exit code.
func runCheckConfig(ctx context.Context, env *Env, cfg CheckConfig, start time.Time) int {
	o, err := probe.NewObserver(probe.ObserverConfig{
		Conn: cfg.Conn, Channels: cfg.Channels, ProbeChannels: cfg.ProbeChannels, ID: cfg.ID,
		ProbeRate: cfg.ProbeRate, Thresholds: cfg.Thresholds, LateAfter: cfg.LateAfter,
		Refresh: checkRefresh, Logger: cfg.Logger,
		Bridge: bridge.Config{Sharded: cfg.Sharded, Transport: cfg.Transport},
	})
	if err != nil {
		return checkFailed(env, &cfg, start, err)
	}
	if err := o.Start(ctx); err != nil {
		return checkFailed(env, &cfg, start, err)
	}
	defer o.Stop()
	final, err := probeForCheck(ctx, o, cfg, start)
	if err != nil {
		return checkFailed(env, &cfg, start, err)
	}
	rep := report.BuildCheckReport(final, cfg.Expect, time.Since(start), cfg.PerInstance)
	return writeCheck(env, cfg.Format, rep, &final)
}

// probeForCheck probes until the expected instances answered or the
// probing time is up, then pauses the probes and waits until the last one
// is settled, and returns the snapshot judged then.
func probeForCheck(ctx context.Context, o *probe.Observer, cfg CheckConfig, start time.Time) (metrics.Snapshot, error) {
	settle := checkSettle(cfg.LateAfter)
	stopAt := start.Add(cfg.Duration - settle)
	t := time.NewTicker(checkRefresh)
	defer t.Stop()
	for !expectMet(o.Snapshot(), cfg.Expect) && time.Now().Before(stopAt) {
		select {
		case <-ctx.Done():
			return metrics.Snapshot{}, errInterrupted
		case <-t.C:
		}
	}
	o.SetPaused(true)
	wait := time.NewTimer(settle)
	defer wait.Stop()
	select {
	case <-ctx.Done():
		return metrics.Snapshot{}, errInterrupted
	case <-wait.C:
	}
	return o.Snapshot(), nil
}

// expectMet reports whether every expected instance has answered, by
// count and by name; false when nothing is expected (the run takes its
// whole --duration).
func expectMet(s metrics.Snapshot, exp report.CheckExpect) bool {
	if exp.Count == 0 && len(exp.IDs) == 0 {
		return false
	}
	answered := map[string]bool{}
	for _, in := range s.Instances {
		if in.RTT.Count >= checkMinAcks {
			answered[in.ID] = true
		}
	}
	for _, id := range exp.IDs {
		if !answered[id] {
			return false
		}
	}
	return len(answered) >= exp.Count
}

// checkFailed prints an UNKNOWN verdict for err in cfg's format (nagios
// when the flags were not understood: cfg is then only the format) and
// returns its code. For json and prometheus, whose stdout is for a
// program, the error is also the one line on stderr every subcommand
// prints.
func checkFailed(env *Env, cfg *CheckConfig, start time.Time, err error) int {
	msg := errorLine(userError(err))
	if cfg.Format == checkJSON || cfg.Format == checkPrometheus {
		env.Errorf("%s", msg)
	}
	base := report.CheckReport{Channels: cfg.Channels, Expect: cfg.Expect, Thresholds: cfg.Thresholds}
	if cfg.Conn.URL != "" {
		base.Redis = cfg.Conn.Redacted()
	}
	writeCheck(env, cfg.Format, report.CheckUnknownReport(base, time.Now(), time.Since(start), msg), nil)
	return report.CheckUnknown
}

// writeCheck prints rep in format, with the final snapshot's metrics
// beside it for prometheus, and returns rep's code (UNKNOWN if the write
// failed).
func writeCheck(env *Env, format string, rep report.CheckReport, final *metrics.Snapshot) int {
	var err error
	switch format {
	case checkJSON:
		err = report.CheckJSON(rep)(env.Stdout)
	case checkText:
		err = report.CheckText(rep)(env.Stdout)
	case checkPrometheus:
		answered := 0
		for _, in := range rep.Instances {
			if in.Answered {
				answered++
			}
		}
		cs := []prometheus.Collector{prom.NewCheckCollector(prom.CheckResult{Code: rep.Code, Answered: answered,
			Expected: max(rep.Expect.Count, len(rep.Expect.IDs)), Duration: time.Duration(rep.DurationMs) * time.Millisecond, At: rep.At})}
		if final != nil {
			s := *final
			cs = append(cs, prom.NewSnapshotCollector(func() metrics.Snapshot { return s }))
		}
		err = prom.WriteText(env.Stdout, cs...)
	default:
		err = report.CheckNagios(rep)(env.Stdout)
	}
	if err != nil {
		env.Errorf("%s", fmt.Errorf("write output: %w", err))
		return report.CheckUnknown
	}
	return rep.Code
}
