package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
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
	Sample func(SoakSample)
}

// SoakSample is one reading of a soak run.
type SoakSample struct {
	Elapsed   time.Duration `json:"elapsedNs"`
	Mem       MemUsage      `json:"mem"`
	Published int64         `json:"published"`
	Observed  int64         `json:"observed"`  // events the observer counted
	Instances int           `json:"instances"` // cooperating instances it sees
}

// SoakResult is a whole soak run: the samples, the largest RSS and its
// change from the first sample to the last.
type SoakResult struct {
	Samples   []SoakSample `json:"samples"`
	MaxRSS    uint64       `json:"maxRssBytes"`
	GrowthRSS int64        `json:"growthRssBytes"`
}

// RunSoak is the observer's memory soak: Instances cooperating instances
// publish Rate events a second in total on Channel while an observer
// watches them (passively, and with probes on a channel of their own, so
// the instances do not each receive every event). Every Every it samples
// this process's RSS and goroutines, which bound the observer's.
func RunSoak(ctx context.Context, cfg SoakConfig) (SoakResult, error) {
	if cfg.Every <= 0 {
		cfg.Every = time.Minute
	}
	if cfg.Channel == "" {
		cfg.Channel = bridge.DefaultChannel
	}
	if cfg.Instances < 1 || !(cfg.Rate > 0) || cfg.Duration <= 0 {
		return SoakResult{}, fmt.Errorf("probe: soak: need instances, rate and duration, got %d, %v, %v", cfg.Instances, cfg.Rate, cfg.Duration)
	}
	probes := cfg.Channel + ":soak-probes"
	o, err := NewObserver(ObserverConfig{Conn: cfg.Conn, Channels: []string{cfg.Channel, probes},
		ProbeChannels: []string{probes}, ID: "bridgescope-soak", Logger: cfg.Logger})
	if err != nil {
		return SoakResult{}, fmt.Errorf("probe: soak: %w", err)
	}
	if err := o.Start(ctx); err != nil {
		return SoakResult{}, fmt.Errorf("probe: soak: %w", err)
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
		return SoakResult{}, err
	}
	defer f.stop()
	s := &soakSampler{cfg: cfg, obs: o, fleet: f, start: time.Now()}
	stopSampling := s.run()
	publishPaced(ctx, f, s.start, cfg.Duration, cfg.Rate)
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
	agents    []*Agent
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
			return nil, fmt.Errorf("probe: soak: instance %d: %w", i, err)
		}
		a := Attach(b, AttachOptions{Role: "soak"})
		if err := b.Start(ctx); err != nil {
			_ = b.Close()
			f.stop()
			return nil, fmt.Errorf("probe: soak: instance %d: %w", i, err)
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

// publish, instances, expected and delivered make a fleet a benchLane for
// the pacer; it counts publishes only.
func (f *fleet) publish(ctx context.Context, from int, k int64) {
	data := json.RawMessage(`{"n":` + strconv.FormatInt(k, 10) + `}`)
	if _, err := f.bridges[from].Publish(ctx, f.channel, soakEventType, data); err == nil {
		f.published.Add(1)
	}
}
func (f *fleet) instances() int   { return len(f.bridges) }
func (f *fleet) expected() int64  { return 0 }
func (f *fleet) delivered() int64 { return 0 }

// soakSampler takes one sample every Every.
type soakSampler struct {
	cfg     SoakConfig
	obs     *Observer
	fleet   *fleet
	start   time.Time
	mu      sync.Mutex
	samples []SoakSample
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
	sample := SoakSample{Elapsed: time.Since(s.start), Mem: ReadMemUsage(), Published: s.fleet.published.Load(),
		Observed: seen, Instances: instances}
	s.mu.Lock()
	s.samples = append(s.samples, sample)
	s.mu.Unlock()
	if s.cfg.Sample != nil {
		s.cfg.Sample(sample)
	}
}

func (s *soakSampler) result() SoakResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := SoakResult{Samples: s.samples}
	for _, x := range s.samples {
		r.MaxRSS = max(r.MaxRSS, x.Mem.RSS)
	}
	if len(s.samples) > 1 {
		r.GrowthRSS = int64(s.samples[len(s.samples)-1].Mem.RSS) - int64(s.samples[0].Mem.RSS)
	}
	return r
}

// SoakLine renders one sample as a line.
func SoakLine(s SoakSample) metrics.Reporter {
	return func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "soak %6s  rss %6.1f MiB  heap %6.1f MiB  goroutines %4d  published %d  observed %d  instances %d\n",
			s.Elapsed.Round(time.Second), mib(s.Mem.RSS), mib(s.Mem.HeapInUse), s.Mem.Goroutines,
			s.Published, s.Observed, s.Instances)
		if err != nil {
			return fmt.Errorf("probe: write soak line: %w", err)
		}
		return nil
	}
}

// SoakSummary renders the run's closing line.
func SoakSummary(r SoakResult) metrics.Reporter {
	return func(w io.Writer) error {
		if len(r.Samples) == 0 {
			return errors.New("probe: soak: no samples were taken")
		}
		_, err := fmt.Fprintf(w, "soak done: max rss %.1f MiB, rss change from the first sample %+.1f MiB\n",
			mib(r.MaxRSS), float64(r.GrowthRSS)/(1<<20))
		if err != nil {
			return fmt.Errorf("probe: write soak summary: %w", err)
		}
		return nil
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
