package bridge

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// dispatchSet is what the bridge delivers to, fixed at Start.
type dispatchSet struct {
	handlers []Handler
	routes   []route
	onMal    []func(Malformed)
}

// dispatch delivers queued messages, one at a time, until Close closes the
// queue.
func (b *Bridge) dispatch() {
	defer b.dispWG.Done()
	for raw := range b.queue {
		b.dmu.Lock()
		b.deliver(raw)
		b.queued.Add(-1)
		b.dmu.Unlock()
	}
}

// deliver decodes, accounts for and hands one message to its handlers.
// The caller holds dmu.
func (b *Bridge) deliver(raw rawMsg) {
	ev, mal, ok := b.accept(raw)
	switch {
	case mal != nil:
		for _, f := range b.disp.onMal {
			b.callMalformed(f, *mal)
		}
	case !ok:
	default:
		for _, h := range handlersFor(ev, b.disp.handlers, b.disp.routes) {
			b.call(h, ev)
		}
	}
}

// trySend queues raw if there is room.
func (b *Bridge) trySend(raw rawMsg) bool {
	b.queued.Add(1)
	select {
	case b.queue <- raw:
		return true
	default:
		b.queued.Add(-1)
		return false
	}
}

// send queues raw, waiting for room.
func (b *Bridge) send(raw rawMsg) {
	b.queued.Add(1)
	b.queue <- raw
}

// handlersFor picks an event's handlers: its type's most specific prefix
// route, else the ordinary handlers unless it is a control message.
func handlersFor(ev Event, ordinary []Handler, routes []route) []Handler {
	for _, r := range routes {
		if strings.HasPrefix(ev.Type, r.prefix) {
			return r.handlers
		}
	}
	if ev.IsControl() {
		return nil
	}
	return ordinary
}

// accept decodes one message and does its accounting. It returns the event
// to deliver, or the reason it was refused, or ok=false for a message that
// is accounted for but not delivered (our own echo, a dropped duplicate).
func (b *Bridge) accept(raw rawMsg) (ev Event, mal *Malformed, ok bool) {
	raw.recvNs += int64(b.cfg.TestClockOffset)
	now := time.Unix(0, raw.recvNs)
	env, reason, signed := b.check(raw, now.UnixMilli())
	if reason == "" && b.cfg.TestDrop != nil && b.cfg.TestDrop(env.Source) {
		return Event{}, nil, false // as if Redis had never delivered it
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if reason != "" {
		b.c.countMalformed(raw.channel, reason)
		return ev, &Malformed{Channel: raw.channel, Reason: reason, Source: env.Source, Size: raw.size, RecvNs: raw.recvNs}, false
	}
	ev = Event{Channel: raw.channel, Pattern: raw.pattern, Envelope: env, RecvNs: raw.recvNs, Size: raw.size}
	if env.Source == b.cfg.InstanceID {
		if env.Boot == b.boot {
			b.c.echoes++
			return Event{}, nil, false
		}
		ev.Collision = true
		b.c.collisions++
		if len(b.c.collidingBoots) < maxCollidingBoots {
			b.c.collidingBoots[env.Boot] = struct{}{}
		}
	}
	if env.Seq > 0 {
		tr := b.tracker
		if signed {
			tr = b.signedTracker // out of reach of a flood of unsigned streams
		}
		ev.Seq = tr.observe(StreamKey{env.Source, env.Boot, raw.channel}, env.Seq, now, env.IsControl())
		if ev.Seq.Dup {
			b.c.duplicates++
			if !b.cfg.DeliverDuplicates {
				return Event{}, nil, false
			}
		}
		if ev.Seq.Late {
			b.c.late++
		}
	}
	ev.Data = bytes.Clone(env.Data) // nil stays nil: no data field
	if env.IsControl() {
		b.c.control++
		return ev, nil, true
	}
	b.c.received++
	if ev.Collision {
		b.c.selfReceived++
	}
	return ev, nil, true
}

// check refuses what bound marked, decodes the rest and, with a control key,
// verifies control messages. signed reports a verified one.
func (b *Bridge) check(raw rawMsg, nowMs int64) (env Envelope, reason Reason, signed bool) {
	switch {
	case raw.longChannel:
		return env, ReasonLongChannel, false
	case raw.size > b.cfg.MaxPayload:
		return env, ReasonOversize, false // bound dropped the payload
	}
	// Data is copied only for a message that is delivered: our own echo, a
	// fourth of the traffic with four instances, never is.
	env, reason = decode(raw.payload, b.cfg.MaxPayload, nowMs, true)
	detachIDs(&env, raw.size)
	if reason != "" || b.sig == nil || !env.IsControl() {
		return env, reason, false
	}
	reason = b.sig.verify(raw.payload, &env, nowMs)
	return env, reason, reason == ""
}

// call runs a handler, recovering and counting a panic: one bad handler
// must not stop delivery to the others.
func (b *Bridge) call(h Handler, ev Event) {
	defer b.recoverHandler()
	h(ev)
}

func (b *Bridge) callMalformed(f func(Malformed), m Malformed) {
	defer b.recoverHandler()
	f(m)
}

func (b *Bridge) recoverHandler() {
	if r := recover(); r != nil {
		b.mu.Lock()
		b.c.handlerPanics++
		b.mu.Unlock()
		b.cfg.Logger.Error("bridge: handler panicked", "instance", b.cfg.InstanceID, "panic", fmt.Sprint(r))
	}
}
