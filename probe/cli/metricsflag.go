package cli

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics/prom"
	"github.com/bridgescope/bridgescope/probe/harness"
)

// metricsFlag is --metrics-addr, taken by watch (and demo), agent and
// validate.
type metricsFlag struct{ addr string }

func (m *metricsFlag) register(fs *pflag.FlagSet) {
	fs.StringVar(&m.addr, "metrics-addr", "", "serve Prometheus metrics at http://`host:port`/metrics, e.g. :9464 (default: off)")
}

// serve starts the metrics server when the flag is set and says where on
// stderr ("metrics on http://ADDR/metrics", the bound address, so port 0
// works). The returned stop is never nil; a nil m serves nothing.
func (m *metricsFlag) serve(ctx context.Context, env *Env, cs ...prometheus.Collector) (stop func(), err error) {
	if m == nil || m.addr == "" {
		return func() {}, nil
	}
	stop, addr, err := prom.Serve(ctx, m.addr, cs...)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	fmt.Fprintf(env.Stderr, "bridgescope: metrics on http://%s/metrics\n", addr)
	return stop, nil
}

// agentCounters reads b's counters for the agent's metrics at scrape time.
func agentCounters(b *bridge.Bridge, role string) func() prom.AgentCounters {
	ctl := b.Config().ControlChannel()
	return func() prom.AgentCounters {
		st := b.Stats()
		a := prom.AgentCounters{
			ID: st.InstanceID, Boot: st.Boot, Role: role, Connected: st.State == bridge.StateConnected,
			Received: st.Received, Gaps: st.Gaps, Duplicates: st.Duplicates, Late: st.Late,
			SelfReceived: st.SelfReceived, Collisions: st.Collisions, Errors: st.Errors(),
			Reconnects: st.Reconnects, Drops: st.Drops, Malformed: st.Malformed,
		}
		for ch, n := range st.Published {
			if ch != ctl { // acks and stats reports are not the agent's events
				a.Published += n
			}
		}
		return a
	}
}

// liveProgress keeps the latest progress of a validate run for scrapes.
type liveProgress struct {
	mu sync.Mutex
	p  prom.ValidateProgress
}

func newLiveProgress(instances int, duration time.Duration) *liveProgress {
	return &liveProgress{p: prom.ValidateProgress{Instances: instances, Duration: duration}}
}

// tee returns a harness Progress callback that records hp, then calls next.
func (l *liveProgress) tee(next func(harness.Progress)) func(harness.Progress) {
	return func(hp harness.Progress) {
		l.mu.Lock()
		l.p.Elapsed, l.p.Duration = hp.Elapsed, hp.Duration
		l.p.Published, l.p.Expected, l.p.Received = hp.Published, hp.Expected, hp.Received
		l.mu.Unlock()
		next(hp)
	}
}

func (l *liveProgress) get() prom.ValidateProgress {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.p
}
