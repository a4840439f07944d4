package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime"
	"strconv"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe"
	"github.com/bridgescope/bridgescope/probe/harness"
	"github.com/bridgescope/bridgescope/probe/load"
)

// Bench defaults: the closed loop's bound on events published but not yet
// delivered everywhere, its publisher count, and the drain after each segment.
const (
	DefaultBenchInFlight = 512
	benchMaxWorkers      = 16
	benchDrain           = 5 * time.Second
	benchDrainPoll       = time.Millisecond
	benchInFlightPoll    = 50 * time.Microsecond
)

// Config configures Run.
type Config struct {
	// Conn says how to reach Redis.
	Conn bridge.ConnConfig
	// Instances in each lane, at least 2: every event reaches the others.
	Instances int
	// Duration each lane publishes at each rate, in two alternating
	// segments: bare, bridge, bridge, bare (drift cancels out).
	Duration time.Duration
	// Rates are events per second, all instances together; 0 means max,
	// the closed loop.
	Rates []float64
	// Channel of the bridge lane. Default bridge.DefaultChannel; the bare
	// lane always uses a private channel.
	Channel string
	// InFlight bounds the closed loop: events published but not yet
	// delivered to every other instance. Default DefaultBenchInFlight.
	InFlight int
	// Observer adds the observer lane at each rate (on Channel + ":observer"):
	// a bare publisher, one bare subscriber and the observer, both
	// subscribers run with LaneCommand, each in a process of its own.
	Observer    bool
	LaneCommand LaneCommand
	// LaneProfileDir, when set, is where each lane process writes its CPU
	// profile, <role>-<rate>.prof.
	LaneProfileDir string
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Logger receives the bridges' and go-redis's log lines.
	Logger *slog.Logger
}

func (c *Config) check() error {
	var errs []error
	if c.Instances < 2 || c.Instances > probe.MaxBaselineInstances {
		errs = append(errs, fmt.Errorf("instances must be 2..%d, got %d", probe.MaxBaselineInstances, c.Instances))
	}
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration must be positive, got %v", c.Duration))
	}
	if len(c.Rates) == 0 {
		errs = append(errs, errors.New("no rates"))
	}
	for _, r := range c.Rates {
		if r < 0 || math.IsNaN(r) || math.IsInf(r, 0) {
			errs = append(errs, fmt.Errorf("rate must be positive (or 0 for max), got %v", r))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// Run measures the bridge against raw Redis: for each rate it runs
// the bare lane (Baseline) and the bridge lane (the validate harness,
// timed at the handler) in alternating segments on fresh connections, and
// reports throughput, latency and this process's CPU and allocations for
// both. When ctx ends it stops and reports the rates it completed.
func Run(ctx context.Context, cfg Config) (report.BenchReport, error) {
	if cfg.Channel == "" {
		cfg.Channel = bridge.DefaultChannel
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = DefaultBenchInFlight
	}
	if err := cfg.check(); err != nil {
		return report.BenchReport{}, err
	}
	rep := report.BenchReport{Redis: cfg.Conn.Redacted(), Instances: cfg.Instances,
		DurationMs: cfg.Duration.Milliseconds(), CPUs: runtime.NumCPU(),
		GoVersion: runtime.Version(), Rates: []report.BenchRateResult{}}
	for _, rate := range cfg.Rates {
		if ctx.Err() != nil {
			break
		}
		res, err := benchRate(ctx, &cfg, rate, &rep)
		if err != nil {
			return rep, err
		}
		if ctx.Err() != nil {
			break // cut short: its lanes did not run alike
		}
		rep.Rates = append(rep.Rates, res)
	}
	return rep, nil
}

// benchRate runs both lanes at one rate.
func benchRate(ctx context.Context, cfg *Config, rate float64, rep *report.BenchReport) (report.BenchRateResult, error) {
	h, err := harness.Start(ctx, harness.Config{Conn: cfg.Conn, Instances: cfg.Instances, Channel: cfg.Channel,
		Logger: cfg.Logger, LatencyAtHandler: true})
	if err != nil {
		return report.BenchRateResult{}, fmt.Errorf("bench: %w", err)
	}
	defer h.Close()
	// The bare lane moves as many bytes per message as the bridge's: the
	// ratios are then the bridge's own work, not Redis copying more bytes.
	bare, err := StartRaw(ctx, probe.BaselineConfig{Conn: cfg.Conn, Instances: cfg.Instances, Logger: cfg.Logger,
		PayloadSize: h.EventSize()})
	if err != nil {
		return report.BenchRateResult{}, fmt.Errorf("bench: %w", err)
	}
	defer bare.Close()
	rep.PayloadBytes = bare.PayloadSize()
	if rep.RedisVersion == "" {
		rep.RedisVersion = redisVersion(ctx, bare)
	}
	lanes := [2]load.Lane{bare, h}
	var acc [2]segment
	half := cfg.Duration / 2
	for i, which := range []int{0, 1, 1, 0} { // bare, bridge, bridge, bare
		d := half
		if i >= 2 {
			d = cfg.Duration - half
		}
		if d <= 0 || ctx.Err() != nil {
			continue
		}
		seg := runSegment(ctx, lanes[which], rate, d, cfg.InFlight)
		acc[which] = acc[which].add(seg)
		benchLogf(cfg.Log, "rate %s, %s lane: %d of %d deliveries in %v", RateName(rate),
			[]string{"bare", "bridge"}[which], seg.delivered, seg.expected, seg.elapsed.Round(time.Millisecond))
	}
	bareRes := bare.Close()
	h.Close()
	br := report.BenchRateResult{Rate: RateName(rate),
		Bare: laneResult(acc[0], bareRes.Latency), Bridge: laneResult(acc[1], h.Latency())}
	br.Ratio = ratios(br.Bare, br.Bridge)
	if cfg.Observer && ctx.Err() == nil {
		if br.Observer, err = runObserverLane(ctx, cfg, rate); err != nil {
			return br, fmt.Errorf("bench: observer lane: %w", err)
		}
	}
	return br, nil
}

// RateName is how a bench rate is written: "max" for the closed loop,
// else the number of events per second.
func RateName(rate float64) string {
	if rate == 0 {
		return "max"
	}
	return strconv.FormatFloat(rate, 'f', -1, 64)
}

// segment is what one stretch of one lane measured.
type segment struct {
	elapsed             time.Duration
	delivered, expected int64
	usage               procUsage
}

func (s segment) add(o segment) segment {
	return segment{elapsed: s.elapsed + o.elapsed, delivered: s.delivered + o.delivered,
		expected: s.expected + o.expected, usage: s.usage.add(o.usage)}
}

// runSegment publishes on lane for d (paced at rate, or the closed loop
// when rate is 0), waits until every delivery arrived (or benchDrain
// passed), and measures the whole stretch.
func runSegment(ctx context.Context, lane load.Lane, rate float64, d time.Duration, inFlight int) segment {
	d0, e0 := lane.Delivered(), lane.Expected()
	u0 := readUsage()
	start := time.Now()
	if rate > 0 {
		load.PublishPaced(ctx, lane, start, d, rate)
	} else {
		load.PublishClosed(ctx, lane, start.Add(d), inFlight)
	}
	load.Drain(lane, benchDrain)
	seg := segment{elapsed: time.Since(start), usage: readUsage().sub(u0)}
	seg.delivered, seg.expected = lane.Delivered()-d0, lane.Expected()-e0
	return seg
}

func benchLogf(w io.Writer, format string, args ...any) {
	if w != nil {
		_, _ = fmt.Fprintf(w, "bench: "+format+"\n", args...) // progress only: a failed write loses nothing
	}
}

// redisVersion asks the server for its version, for the report's header;
// "" when it will not say (miniredis, an ACL without INFO).
func redisVersion(ctx context.Context, b *Raw) string {
	ctx, cancel := context.WithTimeout(ctx, bridge.DefaultCommandTimeout)
	defer cancel()
	info, err := b.l.Client().Info(ctx, "server").Result()
	if err != nil {
		return ""
	}
	return infoField(info, "redis_version")
}
