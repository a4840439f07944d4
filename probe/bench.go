package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
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

// BenchConfig configures RunBench.
type BenchConfig struct {
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
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Logger receives the bridges' and go-redis's log lines.
	Logger *slog.Logger
}

func (c *BenchConfig) check() error {
	var errs []error
	if c.Instances < 2 || c.Instances > maxBaselineInstances {
		errs = append(errs, fmt.Errorf("instances must be 2..%d, got %d", maxBaselineInstances, c.Instances))
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
		return fmt.Errorf("probe: bench: %w", err)
	}
	return nil
}

// benchLane is one side of a bench run: Instances instances on one Redis,
// each event published by one of them and counted at every other.
type benchLane interface {
	publish(ctx context.Context, from int, k int64)
	instances() int
	expected() int64
	delivered() int64
}

// RunBench measures the bridge against raw Redis: for each rate it runs
// the bare lane (Baseline) and the bridge lane (the validate harness,
// timed at the handler) in alternating segments on fresh connections, and
// reports throughput, latency and this process's CPU and allocations for
// both. When ctx ends it stops and reports the rates it completed.
func RunBench(ctx context.Context, cfg BenchConfig) (BenchReport, error) {
	if cfg.Channel == "" {
		cfg.Channel = bridge.DefaultChannel
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = DefaultBenchInFlight
	}
	if err := cfg.check(); err != nil {
		return BenchReport{}, err
	}
	rep := BenchReport{Redis: cfg.Conn.Redacted(), Instances: cfg.Instances,
		DurationMs: cfg.Duration.Milliseconds(), CPUs: runtime.NumCPU(),
		GoVersion: runtime.Version(), Rates: []BenchRateResult{}}
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
func benchRate(ctx context.Context, cfg *BenchConfig, rate float64, rep *BenchReport) (BenchRateResult, error) {
	bare, err := StartBaseline(ctx, BaselineConfig{Conn: cfg.Conn, Instances: cfg.Instances, Logger: cfg.Logger})
	if err != nil {
		return BenchRateResult{}, fmt.Errorf("probe: bench: %w", err)
	}
	defer bare.Close()
	if rep.RedisVersion == "" {
		rep.RedisVersion = redisVersion(ctx, bare)
	}
	h, err := startHarness(ctx, HarnessConfig{Conn: cfg.Conn, Instances: cfg.Instances, Channel: cfg.Channel,
		Logger: cfg.Logger, latencyAtHandler: true})
	if err != nil {
		return BenchRateResult{}, fmt.Errorf("probe: bench: %w", err)
	}
	defer h.closeBridges()
	lanes := [2]benchLane{bareLane{bare}, bridgeLane{h}}
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
	h.closeBridges()
	br := BenchRateResult{Rate: RateName(rate),
		Bare: laneResult(acc[0], bareRes.Latency), Bridge: laneResult(acc[1], h.latency())}
	br.Ratio = ratios(br.Bare, br.Bridge)
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
func runSegment(ctx context.Context, lane benchLane, rate float64, d time.Duration, inFlight int) segment {
	d0, e0 := lane.delivered(), lane.expected()
	u0 := readUsage()
	start := time.Now()
	if rate > 0 {
		publishPaced(ctx, lane, start, d, rate)
	} else {
		publishClosed(ctx, lane, start.Add(d), inFlight)
	}
	drainLane(lane, benchDrain)
	seg := segment{elapsed: time.Since(start), usage: readUsage().sub(u0)}
	seg.delivered, seg.expected = lane.delivered()-d0, lane.expected()-e0
	return seg
}

func publishPaced(ctx context.Context, lane benchLane, start time.Time, d time.Duration, rate float64) {
	workers := publisherCount(rate)
	jobs := make(chan int64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := lane.instances()
			for k := range jobs {
				lane.publish(ctx, int((k+int64(w))%int64(n)), k)
			}
		}()
	}
	pace(ctx, start, d, rate, jobs)
	close(jobs)
	wg.Wait()
}

// publishClosed publishes as fast as the lane delivers: each worker waits
// while more than inFlight events are not yet delivered everywhere.
func publishClosed(ctx context.Context, lane benchLane, until time.Time, inFlight int) {
	n := lane.instances()
	limit := int64(inFlight) * int64(n-1)
	var wg sync.WaitGroup
	for w := range benchMaxWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := int64(w); ctx.Err() == nil && time.Now().Before(until); {
				if lane.expected()-lane.delivered() > limit {
					time.Sleep(benchInFlightPoll)
					continue
				}
				lane.publish(ctx, int(k%int64(n)), k)
				k += benchMaxWorkers
			}
		}()
	}
	wg.Wait()
}

// drainLane waits until every expected delivery arrived, or max passed.
func drainLane(lane benchLane, max time.Duration) {
	deadline := time.Now().Add(max)
	for lane.delivered() < lane.expected() && time.Now().Before(deadline) {
		time.Sleep(benchDrainPoll)
	}
}

type bareLane struct{ b *Baseline }

func (l bareLane) publish(ctx context.Context, from int, _ int64) {
	_ = l.b.Publish(ctx, from) // counted by the lane; a failure shows as a missing delivery
}
func (l bareLane) instances() int   { return l.b.Instances() }
func (l bareLane) expected() int64  { return l.b.Expected() }
func (l bareLane) delivered() int64 { return l.b.Delivered() }

type bridgeLane struct{ h *harness }

func (l bridgeLane) publish(ctx context.Context, from int, k int64) { l.h.pubs.publish(ctx, from, k) }
func (l bridgeLane) instances() int                                 { return len(l.h.bridges) }
func (l bridgeLane) expected() int64                                { return l.h.expected() }
func (l bridgeLane) delivered() int64                               { return l.h.received() }

func benchLogf(w io.Writer, format string, args ...any) {
	if w != nil {
		_, _ = fmt.Fprintf(w, "bench: "+format+"\n", args...) // progress only: a failed write loses nothing
	}
}

// redisVersion asks the server for its version, for the report's header;
// "" when it will not say (miniredis, an ACL without INFO).
func redisVersion(ctx context.Context, b *Baseline) string {
	ctx, cancel := context.WithTimeout(ctx, bridge.DefaultCommandTimeout)
	defer cancel()
	info, err := b.client.Info(ctx, "server").Result()
	if err != nil {
		return ""
	}
	return infoField(info, "redis_version")
}
