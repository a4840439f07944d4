package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe/load"
)

// Observer lane: its publisher's sources (as many senders as a seed
// deployment's hosts, spread round-robin) and how often the drain asks the
// lane processes for their counts.
const (
	observerLaneSources = 4
	observerDrainPoll   = 50 * time.Millisecond
	observerEventType   = "bench.event"
)

// runObserverLane runs the observer lane at one rate for cfg.Duration: a
// bare publisher in this process, the bare subscriber and the observer in
// processes of their own.
func runObserverLane(ctx context.Context, cfg *Config, rate float64) (*report.BenchObserver, error) {
	ch := cfg.Channel + ":observer"
	pid := strconv.Itoa(os.Getpid())
	pub, err := newObserverPublisher(ctx, cfg.Conn, ch, "bridgescope-bench-publisher-"+pid)
	if err != nil {
		return nil, err
	}
	defer pub.close()
	bareID, obsID := "bridgescope-bench-bare-"+pid, "bridgescope-bench-observer-"+pid
	bare, err := startLaneProc(cfg.LaneCommand, LaneSpec{Role: RoleBare, Conn: cfg.Conn, Channel: ch, ID: bareID,
		CPUProfile: laneProfile(cfg, RoleBare, rate)})
	if err != nil {
		return nil, err
	}
	defer bare.close()
	obs, err := startLaneProc(cfg.LaneCommand, LaneSpec{Role: RoleObserver, Conn: cfg.Conn, Channel: ch, ID: obsID,
		CPUProfile: laneProfile(cfg, RoleObserver, rate)})
	if err != nil {
		return nil, err
	}
	defer obs.close()
	procs := []*laneProc{bare, obs}
	m0, err := markAll(procs)
	if err != nil {
		return nil, err
	}
	omem := startOmemPoll(pub.client, []string{bridge.ClientName(bareID), bridge.ClientName(obsID)})
	start := time.Now()
	if rate > 0 {
		load.PublishPaced(ctx, pub, start, cfg.Duration, rate)
	} else {
		load.PublishClosed(ctx, pub, start.Add(cfg.Duration), 1) // counts nothing back: free-running
	}
	published := pub.published.Load()
	ran := time.Since(start)
	m1, err := drainLanes(procs, published)
	peaks := omem.stop()
	if err != nil {
		return nil, err
	}
	res := &report.BenchObserver{Published: published, BareCounted: m1[0].Counted - m0[0].Counted,
		Counted: m1[1].Counted - m0[1].Counted, OmemMaxBytes: peaks[1], BareOmemMaxBytes: peaks[0]}
	if ran > 0 {
		res.EventsPerSec = float64(published) / ran.Seconds()
	}
	res.BareCPUSecPer100k = cpuPer100k(m1[0].CPUNs-m0[0].CPUNs, res.BareCounted)
	res.ObserverCPUSecPer100k = cpuPer100k(m1[1].CPUNs-m0[1].CPUNs, res.Counted)
	res.Ratio.CPU = ratio(res.ObserverCPUSecPer100k, res.BareCPUSecPer100k)
	benchLogf(cfg.Log, "rate %s, observer lane: published %d, observer counted %d, bare %d", RateName(rate),
		published, res.Counted, res.BareCounted)
	return res, nil
}

// laneProfile is where a lane process writes its CPU profile, "" for none.
func laneProfile(cfg *Config, role string, rate float64) string {
	if cfg.LaneProfileDir == "" {
		return ""
	}
	return filepath.Join(cfg.LaneProfileDir, role+"-"+RateName(rate)+".prof")
}

func cpuPer100k(ns, n int64) float64 {
	if n <= 0 {
		return 0
	}
	return float64(ns) / 1e9 * 1e5 / float64(n)
}

func markAll(procs []*laneProc) ([]laneMark, error) {
	out := make([]laneMark, len(procs))
	for i, p := range procs {
		m, err := p.mark()
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

// drainLanes waits until every lane process counted published events (or
// benchDrain passed) and returns their last marks.
func drainLanes(procs []*laneProc, published int64) ([]laneMark, error) {
	deadline := time.Now().Add(benchDrain)
	for {
		ms, err := markAll(procs)
		if err != nil {
			return nil, err
		}
		done := true
		for _, m := range ms {
			done = done && m.Counted >= published
		}
		if done || time.Now().After(deadline) {
			return ms, nil
		}
		time.Sleep(observerDrainPoll)
	}
}

// observerPublisher is the lane's bare publisher: plain go-redis PUBLISH
// of the seed's four-field envelope, one source per sender. It is a
// load.Lane that counts nothing back.
type observerPublisher struct {
	b         *bridge.Bridge // never started: it owns the client
	client    redis.UniversalClient
	channel   string
	sources   [observerLaneSources]string
	published atomic.Int64
}

func newObserverPublisher(ctx context.Context, conn bridge.ConnConfig, ch, id string) (*observerPublisher, error) {
	b, err := bridge.New(bridge.Config{Conn: conn, InstanceID: id, DisableSubscription: true})
	if err != nil {
		return nil, err
	}
	if err := b.Ping(ctx); err != nil {
		_ = b.Close()
		return nil, err
	}
	p := &observerPublisher{b: b, client: b.Redis(), channel: ch}
	for i := range p.sources {
		p.sources[i] = fmt.Sprintf("bench-host-%d", i)
	}
	return p, nil
}

// Publish sends event k as source from.
func (p *observerPublisher) Publish(ctx context.Context, from int, k int64) {
	data := strconv.AppendInt([]byte(`{"n":`), k, 10)
	env := bridge.Envelope{Type: observerEventType, Data: append(data, '}'), Timestamp: time.Now().UnixMilli(),
		Source: p.sources[from]}
	if p.client.Publish(ctx, p.channel, bridge.AppendEnvelope(make([]byte, 0, 128), &env)).Err() == nil {
		p.published.Add(1)
	}
}

func (p *observerPublisher) Instances() int   { return observerLaneSources }
func (p *observerPublisher) Expected() int64  { return 0 }
func (p *observerPublisher) Delivered() int64 { return 0 }

func (p *observerPublisher) close() { _ = p.b.Close() }
