package probe

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
)

// probeLoop publishes one probe on every probe channel per tick, at the
// current rate, until ctx ends. A rate change takes effect at once.
func (o *Observer) probeLoop(ctx context.Context) {
	defer o.wg.Done()
	o.tickLoop(ctx, o.rateChg, o.sendProbes)
}

// tickLoop calls send once per gap (nextGap) while probing is not paused,
// until ctx ends; a signal on wake (nil: none) starts a fresh gap at once.
func (o *Observer) tickLoop(ctx context.Context, wake <-chan struct{}, send func(context.Context)) {
	t := time.NewTimer(o.nextGap())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-t.C:
			if !o.Paused() {
				send(ctx)
			}
		}
		t.Reset(o.nextGap())
	}
}

func (o *Observer) interval() time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	return time.Duration(float64(time.Second) / o.rate)
}

// nextGap is the wait before the next tick: uniform in ½…1½ intervals, so
// the mean rate is the probe rate but the phase is random. Ticks at a fixed
// phase fall in step with the snapshot ticker (every fifth probe at 10/s
// and 4 snapshots/s) and measure its redraw each time, or never: a random
// phase meets the observer's own busy moments only as often as they occur,
// as real events do (RFC 2330 samples at random for the same reason).
func (o *Observer) nextGap() time.Duration {
	d := o.interval()
	return d/2 + rand.N(d)
}

func (o *Observer) sendProbes(ctx context.Context) {
	for _, ch := range o.cfg.ProbeChannels {
		o.mu.Lock()
		o.probeID++
		id := o.probeID
		o.mu.Unlock()
		var key metrics.ProbeKey
		_, err := o.b.PublishTracked(ctx, ch, TypeProbe, ProbeData{ID: id}, func(env bridge.Envelope) {
			key = metrics.ProbeKey{Channel: ch, Seq: env.Seq}
			o.reg.ProbeSent(key, env.SentNs)
		})
		if err != nil && key.Seq != 0 {
			o.reg.ProbeFailed(key)
		}
	}
}

// SetPaused stops or resumes probing. Passive watching goes on.
func (o *Observer) SetPaused(p bool) {
	o.mu.Lock()
	o.paused = p
	rate := o.rate
	o.mu.Unlock()
	o.reg.SetProbing(rate, p)
}

// Paused reports whether probing is paused.
func (o *Observer) Paused() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.paused
}

// StepProbeRate moves the probe rate one rung up (dir > 0) or down
// (dir < 0) the ladder around the configured rate — the configured rate
// times a power of two, within MinProbeRate..MaxProbeRate — so that steps
// down and up again always come back to it. It returns the rate applied.
func (o *Observer) StepProbeRate(dir int) float64 {
	o.mu.Lock()
	k := o.rung
	switch {
	case dir > 0:
		k++
	case dir < 0:
		k--
	}
	if r := o.cfg.ProbeRate * math.Pow(2, float64(k)); r >= MinProbeRate && r <= MaxProbeRate {
		o.rung = k
	}
	r := o.cfg.ProbeRate * math.Pow(2, float64(o.rung))
	o.mu.Unlock()
	return o.applyRate(r)
}

// ResetProbeRate returns to the configured probe rate.
func (o *Observer) ResetProbeRate() float64 {
	o.mu.Lock()
	o.rung = 0
	o.mu.Unlock()
	return o.applyRate(o.cfg.ProbeRate)
}

// Forget drops instance id from the registry (its row, its alerts); the
// history records it. It comes back if it speaks again.
func (o *Observer) Forget(id string) {
	o.reg.Forget(id, "forgotten by the user", time.Now())
}

// SetProbeRate changes the probe rate (per second, per probe channel),
// clamped to MinProbeRate..MaxProbeRate, and returns the rate applied.
func (o *Observer) SetProbeRate(r float64) float64 {
	r = min(max(r, MinProbeRate), MaxProbeRate)
	o.mu.Lock()
	o.rung = 0 // off the ladder: the next step starts from the configured rate
	o.mu.Unlock()
	return o.applyRate(r)
}

func (o *Observer) applyRate(r float64) float64 {
	o.mu.Lock()
	o.rate = r
	paused := o.paused
	o.mu.Unlock()
	o.reg.SetProbing(r, paused)
	select {
	case o.rateChg <- struct{}{}:
	default:
	}
	return r
}

// ProbeRate is the current probe rate.
func (o *Observer) ProbeRate() float64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.rate
}

// ResetWindows forgets every measurement and alert and starts afresh.
func (o *Observer) ResetWindows() { o.reg.Reset(time.Now()) }
