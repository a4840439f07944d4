package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe"
	"github.com/bridgescope/bridgescope/probe/load"
)

// soakEventType is the type of the events a soak publishes.
const soakEventType = "soak.event"

// soakQueue is the queue of the soak's instances, which receive probes only.
const soakQueue = 64

// SoakConfig configures RunSoak.
type SoakConfig struct {
	Conn      bridge.ConnConfig
	Instances int     // cooperating publishers in this process
	Rate      float64 // events per second, all instances together
	Duration  time.Duration
	Every     time.Duration // sampling interval; default one minute
	Channel   string        // data channel; default bridge.DefaultChannel
	Logger    *slog.Logger
	// Sample, when set, receives each sample as it is taken.
	Sample func(report.SoakSample)
}

// RunSoak is the observer's memory soak: Instances cooperating instances
// publish Rate events a second in total on Channel while an observer
// watches them (passively, and with probes on a channel of their own, so
// the instances do not each receive every event). Every Every it samples
// this process's RSS and goroutines, which bound the observer's.
func RunSoak(ctx context.Context, cfg SoakConfig) (report.SoakResult, error) {
	if cfg.Every <= 0 {
		cfg.Every = time.Minute
	}
	if cfg.Channel == "" {
		cfg.Channel = bridge.DefaultChannel
	}
	if cfg.Instances < 1 || !(cfg.Rate > 0) || cfg.Duration <= 0 {
		return report.SoakResult{}, fmt.Errorf("bench: soak: need instances, rate and duration, got %d, %v, %v", cfg.Instances, cfg.Rate, cfg.Duration)
	}
	probes := cfg.Channel + ":soak-probes"
	o, err := probe.NewObserver(probe.ObserverConfig{Conn: cfg.Conn, Channels: []string{cfg.Channel, probes},
		ProbeChannels: []string{probes}, ID: "bridgescope-soak", Logger: cfg.Logger})
	if err != nil {
		return report.SoakResult{}, fmt.Errorf("bench: soak: %w", err)
	}
	if err := o.Start(ctx); err != nil {
		return report.SoakResult{}, fmt.Errorf("bench: soak: %w", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the screen's part: take every snapshot
		defer wg.Done()
		for range o.Snapshots() {
		}
	}()
	defer wg.Wait()
	defer o.Stop()
	f, err := startFleet(ctx, cfg, probes)
	if err != nil {
		return report.SoakResult{}, err
	}
	defer f.stop()
	s := &soakSampler{cfg: cfg, obs: o, fleet: f, start: time.Now()}
	stopSampling := s.run()
	load.PublishPaced(ctx, f, s.start, cfg.Duration, cfg.Rate)
	stopSampling()
	s.settle(2 * time.Second)
	s.take()
	return s.result(), nil
}

// fleet is the soak's cooperating instances: each publishes on the data
// channel and listens only on the probe channel.
type fleet struct {
	channel   string
	bridges   []*bridge.Bridge
	agents    []*probe.Agent
	published atomic.Int64
}

func startFleet(ctx context.Context, cfg SoakConfig, probes string) (*fleet, error) {
	f := &fleet{channel: cfg.Channel}
	for i := range cfg.Instances {
		// Only probes reach these instances: a short queue keeps their memory
		// out of the figure, which is meant to bound the observer's.
		b, err := bridge.New(bridge.Config{Conn: cfg.Conn, Channels: []string{probes},
			InstanceID: fmt.Sprintf("soak-%02d", i), Logger: cfg.Logger, QueueSize: soakQueue})
		if err != nil {
			f.stop()
			return nil, fmt.Errorf("bench: soak: instance %d: %w", i, err)
		}
		a := probe.Attach(b, probe.AttachOptions{Role: "soak"})
		if err := b.Start(ctx); err != nil {
			_ = b.Close()
			f.stop()
			return nil, fmt.Errorf("bench: soak: instance %d: %w", i, err)
		}
		a.Run()
		f.bridges, f.agents = append(f.bridges, b), append(f.agents, a)
	}
	return f, nil
}

// stop sends every instance's final report and closes it.
func (f *fleet) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), bridge.DefaultCommandTimeout)
	defer cancel()
	for i, b := range f.bridges {
		f.agents[i].Stop(ctx)
		_ = b.Close() // the soak's figures are taken already
	}
	f.bridges, f.agents = nil, nil
}

// Publish, Instances, Expected and Delivered make a fleet a load.Lane for
// the pacer; it counts publishes only.
func (f *fleet) Publish(ctx context.Context, from int, k int64) {
	data := json.RawMessage(`{"n":` + strconv.FormatInt(k, 10) + `}`)
	if _, err := f.bridges[from].Publish(ctx, f.channel, soakEventType, data); err == nil {
		f.published.Add(1)
	}
}
func (f *fleet) Instances() int   { return len(f.bridges) }
func (f *fleet) Expected() int64  { return 0 }
func (f *fleet) Delivered() int64 { return 0 }

// soakSampler takes one sample every Every.
type soakSampler struct {
	cfg     SoakConfig
	obs     *probe.Observer
	fleet   *fleet
	start   time.Time
	mu      sync.Mutex
	samples []report.SoakSample
}

// run samples until the returned function is called; it waits for the
// last sample to end.
func (s *soakSampler) run() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.cfg.Every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s.take()
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// observed is how many events the observer counted, and how many
// cooperating instances it sees.
func (s *soakSampler) observed() (events int64, instances int) {
	snap := s.obs.Snapshot()
	for _, src := range snap.Sources {
		events += src.Events
	}
	return events, len(snap.Instances)
}

// settle waits up to max for the observer to count every published event.
func (s *soakSampler) settle(max time.Duration) {
	for deadline := time.Now().Add(max); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if seen, _ := s.observed(); seen >= s.fleet.published.Load() {
			return
		}
	}
}

func (s *soakSampler) take() {
	seen, instances := s.observed()
	sample := report.SoakSample{Elapsed: time.Since(s.start), Mem: ReadMemUsage(), Published: s.fleet.published.Load(),
		Observed: seen, Instances: instances}
	s.mu.Lock()
	s.samples = append(s.samples, sample)
	s.mu.Unlock()
	if s.cfg.Sample != nil {
		s.cfg.Sample(sample)
	}
}

func (s *soakSampler) result() report.SoakResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := report.SoakResult{Samples: s.samples}
	for _, x := range s.samples {
		r.MaxRSS = max(r.MaxRSS, x.Mem.RSS)
	}
	if len(s.samples) > 1 {
		r.GrowthRSS = int64(s.samples[len(s.samples)-1].Mem.RSS) - int64(s.samples[0].Mem.RSS)
	}
	return r
}
