package probe

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
)

// ObserverConfig configures an Observer. Zero fields take the defaults of
// every subcommand (DESIGN.md): channel bridge:events, 10 probes/s.
type ObserverConfig struct {
	Conn          bridge.ConnConfig
	Prefix        string
	Channels      []string // data channels and patterns to watch
	ProbeChannels []string // where probes go; default: the plain data channels
	ProbeRate     float64  // probes per second on each probe channel; default 10
	ID            string   // default bridgescope-<hostname>-<pid>
	Thresholds    metrics.Thresholds
	Refresh       time.Duration // snapshot interval; default 250ms
	LateAfter     time.Duration // an ack later than this is late; default 2s
	ForgetAfter   time.Duration // forget instances silent this long; default metrics.DefaultForgetAfter
	BufferPoll    time.Duration // how often CLIENT LIST is read for output buffers; default 2s
	Logger        *slog.Logger
	// Baseline runs a raw-Redis lane beside the probes: one plain PUBLISH
	// of a 14-byte payload per probe tick on a private channel, read by a
	// plain subscription and timed as the probes are. Default off.
	Baseline bool
	// ControlKey is the key shared with the agents (bridge.Config.ControlKey):
	// control messages are then signed and checked. Default none.
	ControlKey []byte
	// Bridge lets tests and the demo tune the observer's own bridge
	// (liveness interval, timeouts); Conn, Channels, ID, Prefix and
	// ControlKey win.
	Bridge bridge.Config
}

// Probe rate bounds: the screen's +/- keys stay inside them.
const (
	MinProbeRate = 0.5
	MaxProbeRate = 1000
)

// Observer joins the channels with its own instance ID, injects probes,
// and turns acks, stats reports and passive traffic into snapshots.
type Observer struct {
	cfg  ObserverConfig
	b    *bridge.Bridge
	reg  *metrics.Registry
	lane *Baseline // the raw lane, nil unless on and started

	mu       sync.Mutex
	rate     float64
	rung     int // the rate is cfg.ProbeRate × 2^rung, unless SetProbeRate set another
	paused   bool
	rateChg  chan struct{}
	probeID  uint64
	snaps    chan metrics.Snapshot
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopOnce sync.Once
}

// NewObserver validates cfg and builds an observer; Start connects.
func NewObserver(cfg ObserverConfig) (*Observer, error) {
	if cfg.ID == "" {
		host, _ := os.Hostname()
		cfg.ID = fmt.Sprintf("bridgescope-%s-%d", host, os.Getpid())
	}
	if len(cfg.Channels) == 0 {
		cfg.Channels = []string{bridge.DefaultChannel}
	}
	if len(cfg.ProbeChannels) == 0 {
		for _, ch := range cfg.Channels {
			if !bridge.IsPattern(ch) {
				cfg.ProbeChannels = append(cfg.ProbeChannels, ch)
			}
		}
	}
	if len(cfg.ProbeChannels) == 0 {
		return nil, fmt.Errorf("probe: probe channels: every channel is a pattern: name the channels to probe")
	}
	for _, ch := range cfg.ProbeChannels {
		if bridge.IsPattern(ch) {
			return nil, fmt.Errorf("probe: probe channels: cannot probe pattern %q: name a channel", ch)
		}
	}
	if cfg.ProbeRate == 0 {
		cfg.ProbeRate = 10
	}
	if cfg.ProbeRate < MinProbeRate || cfg.ProbeRate > MaxProbeRate {
		return nil, fmt.Errorf("probe: probe rate %g/s outside %g..%g", cfg.ProbeRate, float64(MinProbeRate), float64(MaxProbeRate))
	}
	if cfg.BufferPoll <= 0 {
		cfg.BufferPoll = 2 * time.Second
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = 250 * time.Millisecond
	}
	bc := cfg.Bridge
	bc.Conn, bc.Channels, bc.InstanceID, bc.Prefix, bc.Logger = cfg.Conn, cfg.Channels, cfg.ID, cfg.Prefix, cfg.Logger
	bc.ControlKey, bc.DeliverDuplicates = cfg.ControlKey, true // a duplicate ack is a finding, not noise
	b, err := bridge.New(bc)
	if err != nil {
		return nil, err
	}
	o := &Observer{cfg: cfg, b: b, rate: cfg.ProbeRate, rateChg: make(chan struct{}, 1), snaps: make(chan metrics.Snapshot, 1)}
	o.reg = metrics.NewRegistry(metrics.RegistryConfig{
		Observer: cfg.ID, Redis: cfg.Conn.Redacted(), Transport: b.Config().Transport,
		Channels: cfg.Channels, ProbeChannels: cfg.ProbeChannels,
		Thresholds: cfg.Thresholds, LateAfter: cfg.LateAfter, ForgetAfter: cfg.ForgetAfter, Signed: len(bc.ControlKey) > 0,
	}, time.Now())
	o.reg.SetProbing(o.rate, false)
	if cfg.Conn.Insecure() {
		o.reg.Note("tls", "TLS certificate verification is OFF")
	}
	b.HandlePrefix(TypeAck, o.onAck)
	b.HandlePrefix(TypeStats, o.onStats)
	b.AddChannel(b.Config().ControlChannel())
	b.Handle(o.onEvent)
	b.OnMalformed(func(m bridge.Malformed) { o.reg.Malformed(m.Source, string(m.Reason), time.Unix(0, m.RecvNs)) })
	return o, nil
}

// Start connects and subscribes (it fails if Redis cannot be reached), then
// starts probing and taking snapshots until Stop. An unreachable Redis is
// reported at once, not after the subscription's retries.
func (o *Observer) Start(ctx context.Context) error {
	if err := o.b.Ping(ctx); err != nil {
		o.b.Close()
		return err
	}
	if err := o.b.Start(ctx); err != nil {
		o.b.Close()
		return err
	}
	o.startBaseline(ctx)
	runCtx, cancel := context.WithCancel(context.Background())
	o.cancel = cancel
	o.wg.Add(3)
	go o.probeLoop(runCtx)
	go o.snapshotLoop(runCtx)
	go o.bufferLoop(runCtx)
	if o.lane != nil {
		o.wg.Add(1)
		go o.baselineLoop(runCtx)
	}
	return nil
}

// Stop ends probing, closes the bridge and the snapshot channel. Idempotent.
func (o *Observer) Stop() {
	o.stopOnce.Do(func() {
		if o.cancel != nil {
			o.cancel()
			o.wg.Wait()
		}
		if o.lane != nil {
			o.lane.Close()
		}
		o.b.Close()
		close(o.snaps)
	})
}

// Snapshots delivers the latest snapshot every refresh; a slow reader gets
// the newest, never a backlog. Closed by Stop.
func (o *Observer) Snapshots() <-chan metrics.Snapshot { return o.snaps }

// Snapshot reads the registry now: counts as of now, levels as of the last
// refresh tick. It is a pure read (a scrape or a report may call it at any
// rate without moving an alert).
func (o *Observer) Snapshot() metrics.Snapshot {
	return o.reg.Snapshot(time.Now())
}

// tick is the observer's one clock: it copies the bridge's connection state
// into the registry and lets the registry settle and judge.
func (o *Observer) tick(now time.Time) {
	o.syncConn()
	o.reg.Tick(now)
}

// ID is the observer's instance ID.
func (o *Observer) ID() string { return o.cfg.ID }

func (o *Observer) syncConn() {
	st := o.b.Stats()
	o.reg.SetConn(string(st.State), st.StateSince)
	o.reg.ObserverCollisions(st.Collisions, time.Now())
	if st.Collisions > 0 {
		o.reg.Note("self", fmt.Sprintf("another process publishes as this observer (%s): %d messages", o.cfg.ID, st.Collisions))
	}
	if st.State != bridge.StateConnected && st.LastError != "" {
		o.reg.Note("conn", st.LastError)
	} else {
		o.reg.Note("conn", "")
	}
	if o.cfg.Conn.Mode() != bridge.ModeStandalone || len(st.Shards) > 1 {
		o.reg.SetShards(shardRows(st.Shards))
	}
}

// shardRows turns the bridge's subscription connections into snapshot rows.
func shardRows(in []bridge.ShardStats) []metrics.ShardRow {
	out := make([]metrics.ShardRow, len(in))
	for i, s := range in {
		out[i] = metrics.ShardRow{Addr: s.Addr, State: string(s.State), Since: s.StateSince,
			Reconnects: int64(s.Reconnects), LastError: s.LastError}
	}
	return out
}

func (o *Observer) snapshotLoop(ctx context.Context) {
	defer o.wg.Done()
	t := time.NewTicker(o.cfg.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		o.tick(now)
		s := o.reg.Snapshot(now)
		select { // replace an unread snapshot with the newer one
		case <-o.snaps:
		default:
		}
		o.snaps <- s
	}
}

func (o *Observer) onAck(ev bridge.Event) {
	if ev.Type != TypeAck {
		return // a longer type under the same prefix is not an ack
	}
	ack, err := DecodeAck(ev.Data)
	if err != nil {
		o.reg.Malformed(ev.Source, "bad_ack", time.Unix(0, ev.RecvNs))
		return
	}
	if ack.Probe.Source != o.cfg.ID || ack.Probe.Boot != o.b.Boot() {
		return // another observer's probe
	}
	if ev.Seq.Dup {
		o.reg.DuplicateAck(ev.Source)
		return
	}
	o.reg.Ack(ev.Source, ev.Boot, metrics.ProbeKey{Channel: ack.Probe.Channel, Seq: ack.Probe.Seq}, ack.RecvNs, ev.RecvNs)
}

func (o *Observer) onStats(ev bridge.Event) {
	if ev.Type != TypeStats {
		return
	}
	r, err := DecodeStats(ev.Data)
	if err != nil {
		o.reg.Malformed(ev.Source, "bad_stats", time.Unix(0, ev.RecvNs))
		return
	}
	if ev.Seq.Dup {
		return
	}
	rep, err := instanceReport(r)
	if err != nil {
		o.reg.Malformed(ev.Source, "bad_stats", time.Unix(0, ev.RecvNs))
		return
	}
	o.reg.Report(ev.Source, ev.Boot, rep, time.Unix(0, ev.RecvNs))
}

// onEvent watches ordinary traffic passively: any publisher, cooperating
// or speaking only the seed's format.
func (o *Observer) onEvent(ev bridge.Event) {
	se := metrics.SourceEvent{
		Source: ev.Source, Boot: ev.Boot, Channel: ev.Channel, Seq: ev.Envelope.Seq, HasSeq: ev.Envelope.Seq > 0,
		Gap: ev.Seq.Gap, Dup: ev.Seq.Dup, Late: ev.Seq.Late,
	}
	switch {
	case ev.SentNs > 0:
		se.OneWay = time.Duration(ev.RecvNs - ev.SentNs)
	case ev.Timestamp > 0:
		se.OneWay, se.FromTimestamp = time.Duration(ev.RecvNs-ev.Timestamp*1e6), true
	}
	o.reg.Event(se, time.Unix(0, ev.RecvNs))
}
