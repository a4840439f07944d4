package probe

import (
	"context"
	"errors"
	"path"
	"strings"

	"github.com/bridgescope/bridgescope/bridge"
)

// baselineNote is the registry note key of the raw lane's troubles.
const baselineNote = "baseline"

// startBaseline starts the raw lane when the config asks for it. A lane
// that cannot start (an ACL without its channel, say) leaves a note and
// the rest of the observer running: it is a reference, not the job.
func (o *Observer) startBaseline(ctx context.Context) {
	if !o.cfg.Baseline {
		return
	}
	ch := o.baselineChannel()
	l, err := StartBaseline(ctx, BaselineConfig{
		Conn: o.cfg.Conn, Channel: ch, Logger: o.cfg.Logger,
		OnSample: func(_ int, seq uint32, sentNs, recvNs int64) { o.reg.BaselineSample(seq, sentNs, recvNs) },
	})
	if err != nil {
		msg := shortErr(innermost(err))
		if strings.Contains(err.Error(), "NOPERM") { // say what to grant
			msg = "the ACL user may not use channel " + ch + " (NOPERM)"
		}
		o.reg.Note(baselineNote, "raw Redis lane off: "+msg)
		return
	}
	o.lane = l
	o.reg.SetBaseline(ch)
}

// baselineChannel is the lane's private channel: under the prefix, where an
// ACL user limited to the bridge's channels may publish (&bridge:*), unless
// a watched pattern would take its binary payloads for malformed events.
func (o *Observer) baselineChannel() string {
	name := "bridgescope:baseline:" + o.b.Boot()
	prefix := o.cfg.Prefix
	if prefix == "" {
		prefix = bridge.DefaultPrefix
	}
	for _, p := range o.cfg.Channels {
		if !bridge.IsPattern(p) {
			continue
		}
		if ok, err := path.Match(p, prefix+name); ok || err != nil {
			return name
		}
	}
	return prefix + name
}

// baselineLoop publishes raw events at the probe rate, each at a random
// phase as the probes are (nextGap), and independently of them: tied to the
// probes' ticks, whichever went first would pay for waking the process and
// read slower than the other. Paused probes pause it.
func (o *Observer) baselineLoop(ctx context.Context) {
	defer o.wg.Done()
	o.tickLoop(ctx, nil, o.sendBaseline)
}

// sendBaseline publishes one raw event, timed from just before the PUBLISH.
func (o *Observer) sendBaseline(ctx context.Context) {
	if o.lane == nil {
		return
	}
	seq, err := o.lane.publishSeq(ctx, 0, o.reg.BaselineSent)
	if err != nil {
		o.reg.BaselineFailed(seq)
		if ctx.Err() == nil {
			o.reg.Note(baselineNote, "raw Redis lane: "+shortErr(innermost(err)))
		}
		return
	}
	o.reg.Note(baselineNote, "")
}

// innermost drops the wrapping an on-screen note has no room for: the
// last "context: " of the message goes.
func innermost(err error) error {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		return errors.New(msg[i+2:])
	}
	return err
}
