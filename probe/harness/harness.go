package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe"
	"github.com/bridgescope/bridgescope/probe/load"
)

// How often Run reports progress and checks whether the drain is complete.
const (
	progressInterval = 250 * time.Millisecond
	drainPoll        = 10 * time.Millisecond
)

// Config configures Run: the seed's multi-instance test.
type Config struct {
	// Conn says how to reach Redis.
	Conn bridge.ConnConfig
	// Instances is the number of in-process instances, at least 2.
	Instances int
	// Duration is how long events are published. Drain is how long to wait
	// afterwards for deliveries still under way.
	Duration, Drain time.Duration
	// Rate is events per second, all instances together; each event is
	// published by an instance chosen at random.
	Rate float64
	// Channel to publish and subscribe on. Default bridge.DefaultChannel.
	Channel string
	// SharedID gives every instance the ID "test-instance", reproducing the
	// seed's bug (all instances shared process.pid).
	SharedID bool
	// Log receives verbose progress lines; nil discards them.
	Log io.Writer
	// Logger receives the bridges' own log lines; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called about four times a second while the
	// run publishes and drains, never after Run returns.
	Progress func(Progress)
	// Attach makes every instance a cooperating one (probe.Attach): it
	// acks probes and reports stats, for an observer watching the run.
	Attach bool
	// Bridge tunes every instance's bridge (liveness interval, timeouts,
	// backoff); Conn, Channels, InstanceID, DeliverDuplicates and Logger
	// are the harness's and win.
	Bridge bridge.Config

	// LatencyAtHandler times deliveries when the handler runs rather than
	// when the message left the socket: bench measures the whole bridge path.
	LatencyAtHandler bool
}

// Progress is a running count of a harness run. Elapsed passes
// Duration while the run drains.
type Progress struct {
	Elapsed, Duration             time.Duration
	Published, Received, Expected int64
}

func (c Config) check() error {
	var errs []error
	if c.Instances < 2 {
		errs = append(errs, fmt.Errorf("need at least 2 instances, got %d", c.Instances))
	}
	if !(c.Rate > 0) {
		errs = append(errs, fmt.Errorf("rate must be positive, got %v", c.Rate))
	}
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration must be positive, got %v", c.Duration))
	}
	if c.Drain < 0 {
		errs = append(errs, fmt.Errorf("drain must not be negative, got %v", c.Drain))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	return nil
}

// Run runs N bridges in this process against one Redis, publishes
// events from random instances at the configured rate, and counts what
// every instance received from every other: each event must reach exactly
// the N−1 others. It returns once every bridge is closed and every
// goroutine it started has ended. When ctx ends, publishing stops early
// and the run drains and reports what it has; failing to connect is an error.
func Run(ctx context.Context, cfg Config) (report.ValidateInput, error) {
	if cfg.Channel == "" {
		cfg.Channel = bridge.DefaultChannel
	}
	if err := cfg.check(); err != nil {
		return report.ValidateInput{}, err
	}
	h, err := startHarness(ctx, cfg)
	if err != nil {
		return report.ValidateInput{}, err
	}
	defer h.closeBridges()
	h.start = time.Now()
	stopProgress := h.startProgress()
	ran := h.publish(ctx)
	h.drain()
	stopProgress()
	h.closeBridges()
	return h.collect(ran), nil
}

// harness is one run: the bridges, their receivers and the publishers.
type harness struct {
	cfg     Config
	ids     []string
	bridges []*bridge.Bridge
	recv    []*receiver
	agents  []*probe.Agent // with Attach; started once every bridge is
	running bool
	pubs    *publishers
	start   time.Time // publishing began
	begun   time.Time // Run began, for log lines
	logMu   sync.Mutex
	closed  sync.Once
}

// InstanceID is the ID of harness instance i; with shared, every
// instance's ID is the same.
func InstanceID(i int, shared bool) string {
	if shared {
		return "test-instance"
	}
	return fmt.Sprintf("test-instance-%d", i)
}

func startHarness(ctx context.Context, cfg Config) (*harness, error) {
	h := &harness{cfg: cfg, begun: time.Now()}
	senders := make(map[senderKey]int, cfg.Instances)
	for i := range cfg.Instances {
		id := InstanceID(i, cfg.SharedID)
		bc := cfg.Bridge
		bc.Conn, bc.Channels, bc.InstanceID = cfg.Conn, []string{cfg.Channel}, id
		bc.DeliverDuplicates, bc.Logger = true, cfg.Logger
		b, err := bridge.New(bc)
		if err != nil {
			h.closeBridges()
			return nil, fmt.Errorf("harness: instance %d: %w", i, err)
		}
		h.ids, h.bridges = append(h.ids, id), append(h.bridges, b)
		senders[senderKey{id, b.Boot()}] = i
	}
	for i, b := range h.bridges {
		r := newReceiver(i, h.ids[i], cfg.Channel, senders, cfg.Instances)
		r.atHandler = cfg.LatencyAtHandler
		h.recv = append(h.recv, r)
		b.Handle(r.handle)
		if cfg.Attach {
			h.agents = append(h.agents, probe.Attach(b, probe.AttachOptions{Role: "harness"}))
		}
	}
	h.pubs = newPublishers(h.bridges, cfg.Channel, h.logf)
	if err := h.connect(ctx); err != nil {
		h.closeBridges()
		return nil, err
	}
	for _, a := range h.agents {
		a.Run()
	}
	h.running = true
	h.logf("%d instances subscribed to %s on %s", cfg.Instances, cfg.Channel, cfg.Conn.Redacted())
	return h, nil
}

// connect checks that Redis answers at all, so an unreachable server fails
// at once rather than after Start's subscription timeout, then starts every
// bridge. Start returns once Redis confirmed the subscription: nothing is
// published before every instance can receive it.
func (h *harness) connect(ctx context.Context) error {
	if err := h.bridges[0].Ping(ctx); err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	errs := make([]error, len(h.bridges))
	var wg sync.WaitGroup
	for i, b := range h.bridges {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = b.Start(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("harness: start instance %d (%s) on %s: %w", i, h.ids[i], h.cfg.Conn.Redacted(), err)
		}
	}
	return nil
}

// publish runs the pacer and the publisher pool for Duration (or until ctx
// ends) and waits for the last publish. It returns how long it published.
func (h *harness) publish(ctx context.Context) time.Duration {
	workers := load.Workers(h.cfg.Rate)
	jobs := make(chan int64, workers)
	h.pubs.start = h.start
	wg := h.pubs.run(ctx, workers, jobs)
	ran := load.Pace(ctx, h.start, h.cfg.Duration, h.cfg.Rate, jobs)
	close(jobs)
	wg.Wait()
	if ctx.Err() != nil {
		h.logf("interrupted after %v: publishing stopped", ran.Round(time.Millisecond))
	}
	h.logf("published %d events (%d failed) in %v with %d publishers",
		h.pubs.total(), sum(h.pubs.failedCounts()), ran.Round(time.Millisecond), workers)
	return ran
}

// inFlightGrace is how long the harness listens after the cut-off (the end of
// the drain): a delivery arriving then was in flight at the cut-off, and is
// reported so, not as lost. Redis delivers in well under a millisecond on a
// healthy link and in tens of milliseconds under load; a second is far
// beyond either, and costs only a run with missing deliveries one more second.
const inFlightGrace = time.Second

// drain waits until every expected delivery arrived or Drain elapsed, then
// cuts off. It runs even after ctx ended: the events already published are
// what the report is about.
func (h *harness) drain() {
	defer h.cutOff()
	begin := time.Now()
	deadline := begin.Add(h.cfg.Drain)
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for {
		got, want := h.received(), h.expected()
		if got >= want {
			h.logf("drain: all %d deliveries arrived after %v", want, time.Since(begin).Round(time.Millisecond))
			return
		}
		if !time.Now().Before(deadline) {
			h.logf("drain: %d of %d deliveries arrived within %v", got, want, h.cfg.Drain)
			return
		}
		<-tick.C
	}
}

// cutOff ends what counts as received, and waits up to inFlightGrace for
// the deliveries still missing: those that arrive are in flight.
func (h *harness) cutOff() {
	for _, r := range h.recv {
		r.cut.Store(true)
	}
	deadline := time.Now().Add(inFlightGrace)
	for h.received()+h.inFlight() < h.expected() && time.Now().Before(deadline) {
		time.Sleep(drainPoll)
	}
	if n := h.inFlight(); n > 0 {
		h.logf("cut-off: %d deliveries arrived after it: in flight, not lost", n)
	}
}

func (h *harness) expected() int64 { return h.pubs.total() * int64(len(h.bridges)-1) }

func (h *harness) inFlight() int64 {
	var n int64
	for _, r := range h.recv {
		n += r.late.Load()
	}
	return n
}

func (h *harness) received() int64 {
	var n int64
	for _, r := range h.recv {
		n += r.received.Load()
	}
	return n
}

// startProgress calls cfg.Progress every progressInterval until the
// returned stop function is called; stop waits for the last call to end.
func (h *harness) startProgress() (stop func()) {
	if h.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(progressInterval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				h.cfg.Progress(Progress{
					Elapsed: time.Since(h.start), Duration: h.cfg.Duration,
					Published: h.pubs.total(), Received: h.received(), Expected: h.expected(),
				})
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// closeBridges closes every bridge once; their handlers have finished when
// it returns.
func (h *harness) closeBridges() {
	h.closed.Do(func() {
		var wg sync.WaitGroup
		for i, b := range h.bridges {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if h.running && i < len(h.agents) {
					ctx, cancel := context.WithTimeout(context.Background(), bridge.DefaultCommandTimeout)
					h.agents[i].Stop(ctx) // the final report: a graceful leave
					cancel()
				}
				_ = b.Close() // a close error loses no count: they are read afterwards
			}()
		}
		wg.Wait()
	})
}

func (h *harness) logf(format string, args ...any) {
	if h.cfg.Log == nil {
		return
	}
	h.logMu.Lock()
	defer h.logMu.Unlock()
	elapsed := time.Since(h.begun).Seconds()
	// A failing log writer must not fail the run.
	_, _ = fmt.Fprintf(h.cfg.Log, "[%7.3fs] %s\n", elapsed, fmt.Sprintf(format, args...))
}

// transport is a run's transport as every report names it ("pubsub",
// "streams") and whether it reaches Redis over TLS.
func transport(c bridge.Config) (name string, tls bool) {
	return c.Transport, c.Conn.UsesTLS()
}
