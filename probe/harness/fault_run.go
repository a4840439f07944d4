package harness

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/bridgescope/bridgescope/bridge/tcpproxy"
	"github.com/bridgescope/bridgescope/metrics/report"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
)

// FaultRun is the outcome of RunFaults: the run's counts, as
// Run returns them, and what each fault did.
type FaultRun struct {
	Input  report.ValidateInput
	Faults []report.FaultResult
	Loss   report.FaultLoss
}

// Report builds the run's report with its faults (report.BuildFaultReport).
func (fr FaultRun) Report(th metrics.Thresholds) report.ValidateReport {
	return report.BuildFaultReport(fr.Input, th, fr.Faults, fr.Loss)
}

// RunFaults is Run with faults injected at their times into
// publishing. Besides the usual counts it logs every publish attempt by
// (sender, seq) and every instance's subscription state, and from them
// times each fault's detection and recovery and counts its loss (see
// report.FaultResult). With a proxy-blackhole fault the instances connect
// through an in-process proxy; the fault injector always connects
// directly. Before anything is published it checks that the faults fit
// the run and that Redis lets the injector inject them.
func RunFaults(ctx context.Context, cfg Config, faults []Fault) (FaultRun, error) {
	if cfg.Channel == "" {
		cfg.Channel = bridge.DefaultChannel
	}
	if err := cfg.check(); err != nil {
		return FaultRun{}, err
	}
	if err := CheckFaults(faults, cfg.Duration); err != nil {
		return FaultRun{}, fmt.Errorf("harness: %w", err)
	}
	faults = sortFaults(faults)
	inj, err := newInjector(ctx, cfg, faults)
	if err != nil {
		return FaultRun{}, err
	}
	defer inj.close()
	runCfg := cfg
	if slices.ContainsFunc(faults, func(f Fault) bool { return f.Kind == FaultProxyBlackhole }) {
		if runCfg.Conn, inj.proxy, err = throughProxy(cfg.Conn); err != nil {
			return FaultRun{}, err
		}
		defer inj.proxy.Close()
	}
	h, err := startHarness(ctx, runCfg)
	if err != nil {
		return FaultRun{}, err
	}
	defer h.closeBridges()
	return h.runFaults(ctx, inj, faults, cfg.Conn), nil
}

// runFaults publishes while the injector injects, drains, and accounts.
func (h *harness) runFaults(ctx context.Context, inj *injector, faults []Fault, orig bridge.ConnConfig) FaultRun {
	h.start = time.Now()
	tr := newFaultTracker(len(h.bridges), h.start)
	h.pubs.track = tr.published
	stopProgress := h.startProgress()
	stopPoll := tr.poll(h.bridges)
	injCtx, stopInj := context.WithCancel(ctx)
	injected := inj.schedule(injCtx, h.start, faults, h.logf)
	ran := h.publish(ctx)
	stopInj()
	injs := <-injected
	h.drain()
	stopPoll()
	stopProgress()
	h.closeBridges()
	in := h.collect(ran)
	if inj.proxy != nil {
		in.Redis, in.Proxy = orig.Redacted(), true
	}
	fb := &faultBooks{ids: h.ids, tr: tr, recv: h.recv, ran: ran}
	results, loss := fb.account(injs)
	for _, r := range results {
		h.logf("fault %s: detected %s, recovered %s, lost %d of %d deliveries in its window",
			r.Spec, msOrNever(r.DetectedMs), msOrNever(r.RecoveredMs), r.Lost, r.Expected)
	}
	return FaultRun{Input: in, Faults: results, Loss: loss}
}

func msOrNever(ms *int64) string {
	if ms == nil {
		return "never"
	}
	return (time.Duration(*ms) * time.Millisecond).String()
}

// throughProxy starts the proxy to c's server and returns c rewritten to
// connect through it. With TLS the certificate is still checked against
// the server's own name.
func throughProxy(c bridge.ConnConfig) (bridge.ConnConfig, *tcpproxy.Proxy, error) {
	raw := c.URL
	if raw == "" {
		raw = bridge.DefaultRedisURL
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return c, nil, fmt.Errorf("harness: proxy-blackhole: cannot read the server address from %s", bridge.RedactURL(raw))
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "6379")
	}
	p, err := tcpproxy.New(target, faultProxyMaxConns)
	if err != nil {
		return c, nil, err
	}
	if c.UsesTLS() && c.TLSServerName == "" {
		c.TLSServerName = u.Hostname()
	}
	u.Host = p.Addr()
	c.URL = u.String()
	return c, p, nil
}
