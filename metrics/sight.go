package metrics

import (
	"fmt"
	"time"
)

// The observer's own sight. An observer that cannot see (it is
// disconnected from Redis, or its own loop stalled: a SIGSTOP, a suspended
// laptop, a clock jump) must not blame the instances for what it did not
// see: while blind, and for a grace period after, their rules are held and
// shown unknown, and probes in flight across the outage are void.
const (
	// stallAfter is a gap between two ticks that means the observer's own
	// loop or clock stalled: far above any refresh interval (250ms by
	// default) and a loaded machine's scheduling delays.
	stallAfter = 2 * time.Second
	// clockSkewTolerance is how far the wall clock may move apart from the
	// monotonic one between two ticks before it counts as a jump (NTP slews
	// far less than this).
	clockSkewTolerance = time.Second
	// maxBlindSpans bounds the outages remembered for voiding probes: a
	// probe lives LateAfter (≤ 1 minute), far fewer outages fit in that.
	maxBlindSpans = 16
	// minGraceRTT is the round trip assumed for the grace period before
	// any was measured.
	minGraceRTT = 100 * time.Millisecond
	// rejoinWindow is how long after the observer's own outage an instance
	// may take to receive again before its loss is its own: after a Redis
	// restart every bridge resubscribes on its backoff (at most 5 s by
	// default), so three backoffs.
	rejoinWindow = 15 * time.Second
)

// blindSpan is one time the observer could not see, in ns since the epoch.
type blindSpan struct{ from, to int64 }

// sight is the registry's record of the observer's own outages.
type sight struct {
	lastTick   time.Time
	spans      []blindSpan // newest last; an open span has to = 0
	why        string      // why blind now ("" when it sees)
	graceUntil time.Time
	stallSecs  float64   // the last stall's length
	stallAt    time.Time // when it was noticed
}

// observe updates sight at a tick: conn is the observer's subscription
// state and since when, grace the wait after an outage before instances are
// judged again. It reports whether an outage ended at this tick.
func (s *sight) observe(now time.Time, conn string, since time.Time, grace time.Duration) (ended bool) {
	last := s.lastTick
	s.lastTick = now
	if !last.IsZero() {
		mono := now.Sub(last)                   // monotonic where both have it
		wall := now.Round(0).Sub(last.Round(0)) // the wall clock alone
		if mono > stallAfter || wall > stallAfter+clockSkewTolerance || wall < -clockSkewTolerance {
			gap := max(mono, wall)
			s.add(blindSpan{from: last.UnixNano(), to: now.UnixNano()})
			s.stallSecs, s.stallAt = gap.Seconds(), now
			s.graceUntil = now.Add(grace)
			ended = true
		}
	}
	switch open := s.open(); {
	case conn != "connected" && !open:
		from := now
		if !since.IsZero() && since.Before(now) {
			from = since // the bridge knows when it went down; the tick only noticed
		}
		s.add(blindSpan{from: from.UnixNano()})
	case conn == "connected" && open:
		s.spans[len(s.spans)-1].to = now.UnixNano()
		s.graceUntil = now.Add(grace)
		ended = true
	}
	switch {
	case conn != "connected":
		s.why = "observer disconnected from Redis"
	case now.Before(s.graceUntil):
		s.why = fmt.Sprintf("observer back after an outage, judged again in %s", s.graceUntil.Sub(now).Round(100*time.Millisecond))
	default:
		s.why = ""
	}
	return ended
}

func (s *sight) open() bool { return len(s.spans) > 0 && s.spans[len(s.spans)-1].to == 0 }

func (s *sight) add(b blindSpan) {
	if len(s.spans) == maxBlindSpans {
		copy(s.spans, s.spans[1:])
		s.spans = s.spans[:len(s.spans)-1]
	}
	s.spans = append(s.spans, b)
}

// blind reports whether instances are not to be judged now.
func (s *sight) blind() bool { return s.why != "" }

// voids reports whether a probe in flight from sentNs to sentNs+late
// overlapped an outage: it was never the instances' to answer or lose.
func (s *sight) voids(sentNs int64, late time.Duration) bool {
	end := sentNs + int64(late)
	for _, b := range s.spans {
		to := b.to
		if to == 0 {
			to = end
		}
		if sentNs <= to && b.from <= end {
			return true
		}
	}
	return false
}

// stalledFor is the observer_stalled rule's value: the last stall's
// length while it is recent, else 0.
func (s *sight) stalledFor(now time.Time) float64 {
	if s.stallAt.IsZero() || now.Sub(s.stallAt) > windowSecs*time.Second {
		return 0
	}
	return s.stallSecs
}
