package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
)

// SoakConfig configures RunSoak.
type SoakConfig struct {
	Conn      bridge.ConnConfig
	Instances int     // cooperating instances in this process
	Rate      float64 // events per second, all instances together
	Duration  time.Duration
	Every     time.Duration // sampling interval; default one minute
	Channel   string        // default bridge.DefaultChannel
	Logger    *slog.Logger
	// Sample, when set, receives each sample as it is taken.
	Sample func(SoakSample)
}

// SoakSample is one reading of a soak run.
type SoakSample struct {
	Elapsed   time.Duration `json:"elapsedNs"`
	Mem       MemUsage      `json:"mem"`
	Published int64         `json:"published"`
	Received  int64         `json:"received"`
	Expected  int64         `json:"expected"`
	Instances int           `json:"instances"` // as the observer sees them
}

// SoakResult is a whole soak run: the samples, the largest RSS, its growth
// from the first minute's sample to the end, and the run's delivery rate.
type SoakResult struct {
	Samples      []SoakSample `json:"samples"`
	MaxRSS       uint64       `json:"maxRssBytes"`
	GrowthRSS    int64        `json:"growthRssBytes"`
	DeliveryRate float64      `json:"deliveryRate"`
}

// RunSoak runs the harness with every instance cooperating and an observer
// watching them, for Duration at Rate, sampling this process's memory and
// goroutines every Every: the observer's RSS is at most the process's.
func RunSoak(ctx context.Context, cfg SoakConfig) (SoakResult, error) {
	if cfg.Every <= 0 {
		cfg.Every = time.Minute
	}
	if cfg.Channel == "" {
		cfg.Channel = bridge.DefaultChannel
	}
	o, err := NewObserver(ObserverConfig{Conn: cfg.Conn, Channels: []string{cfg.Channel}, ID: "bridgescope-soak",
		Logger: cfg.Logger})
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
	s := &soakSampler{cfg: cfg, obs: o}
	in, err := RunHarness(ctx, HarnessConfig{Conn: cfg.Conn, Instances: cfg.Instances, Duration: cfg.Duration,
		Drain: 2 * time.Second, Rate: cfg.Rate, Channel: cfg.Channel, Logger: cfg.Logger, Attach: true,
		Progress: s.progress})
	if err != nil {
		return SoakResult{}, err
	}
	s.take(HarnessProgress{Elapsed: in.Duration, Published: sumOf(in.Published)})
	rep := metrics.BuildValidateReport(in, metrics.DefaultThresholds())
	return s.result(rep.DeliveryRate), nil
}

// soakSampler turns the harness's progress calls into one sample per Every.
type soakSampler struct {
	cfg     SoakConfig
	obs     *Observer
	next    time.Duration
	samples []SoakSample
}

func (s *soakSampler) progress(p HarnessProgress) {
	if p.Elapsed < s.next || p.Elapsed > s.cfg.Duration {
		return
	}
	s.next += s.cfg.Every
	if s.next == s.cfg.Every {
		return // time zero: nothing has run yet
	}
	s.take(p)
}

func (s *soakSampler) take(p HarnessProgress) {
	sample := SoakSample{Elapsed: p.Elapsed, Mem: ReadMemUsage(), Published: p.Published,
		Received: p.Received, Expected: p.Expected, Instances: len(s.obs.Snapshot().Instances)}
	s.samples = append(s.samples, sample)
	if s.cfg.Sample != nil {
		s.cfg.Sample(sample)
	}
}

func (s *soakSampler) result(delivery float64) SoakResult {
	r := SoakResult{Samples: s.samples, DeliveryRate: delivery}
	for _, x := range s.samples {
		r.MaxRSS = max(r.MaxRSS, x.Mem.RSS)
	}
	if len(s.samples) > 1 {
		r.GrowthRSS = int64(s.samples[len(s.samples)-1].Mem.RSS) - int64(s.samples[0].Mem.RSS)
	}
	return r
}

func sumOf(v []int64) int64 {
	var n int64
	for _, x := range v {
		n += x
	}
	return n
}

// SoakLine renders one sample as a line.
func SoakLine(s SoakSample) metrics.Reporter {
	return func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "soak %6s  rss %6.1f MiB  heap %6.1f MiB  goroutines %4d  published %d  received %d/%d  instances seen %d\n",
			s.Elapsed.Round(time.Second), mib(s.Mem.RSS), mib(s.Mem.HeapInUse), s.Mem.Goroutines,
			s.Published, s.Received, s.Expected, s.Instances)
		if err != nil {
			return fmt.Errorf("probe: write soak line: %w", err)
		}
		return nil
	}
}

// SoakSummary renders the run's verdict lines.
func SoakSummary(r SoakResult) metrics.Reporter {
	return func(w io.Writer) error {
		if len(r.Samples) == 0 {
			return errors.New("probe: soak: no samples were taken")
		}
		_, err := fmt.Fprintf(w, "soak done: max rss %.1f MiB, rss change from the first sample %+.1f MiB, delivery %s\n",
			mib(r.MaxRSS), float64(r.GrowthRSS)/(1<<20), metrics.FormatPercent(r.DeliveryRate))
		if err != nil {
			return fmt.Errorf("probe: write soak summary: %w", err)
		}
		return nil
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
