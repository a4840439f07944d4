package harness

import (
	"fmt"
	"time"

	"github.com/bridgescope/bridgescope/metrics/report"
)

// faultBooks is the closed run as the fault accounting reads it: the
// publish log, the state log and what each receiver got.
type faultBooks struct {
	ids  []string
	tr   *faultTracker
	recv []*receiver
	ran  time.Duration // how long publishing ran
}

// faultLead starts a fault's loss window this long before its injection:
// an event sent just before it may still be on its way, and be lost to it.
const faultLead = 50 * time.Millisecond

// sign is the earliest sign of a fault: when, and what it was.
type sign struct {
	at   time.Duration
	what string
	ok   bool
}

func (s *sign) offer(at time.Duration, what string) {
	if !s.ok || at < s.at {
		*s = sign{at: at, what: what, ok: true}
	}
}

// account turns the closed run's logs into one result per injection, and
// splits the run's ground-truth loss into inside and outside their windows.
func (fb *faultBooks) account(injs []injection) ([]report.FaultResult, report.FaultLoss) {
	out := make([]report.FaultResult, 0, len(injs))
	var loss report.FaultLoss
	prevEnd := time.Duration(0)
	for k, inj := range injs {
		horizon := fb.ran
		if k+1 < len(injs) {
			horizon = injs[k+1].at
		}
		r := report.FaultResult{Name: string(inj.fault.Kind), Spec: inj.fault.String(),
			AtMs: inj.at.Milliseconds(), ForMs: (inj.end - inj.at).Milliseconds()}
		if inj.err != nil {
			r.Error = inj.err.Error()
			out = append(out, r)
			continue
		}
		prevEnd = fb.fill(&r, inj, max(inj.at-faultLead, prevEnd), horizon)
		loss.InWindows += r.Lost
		out = append(out, r)
	}
	published, failed := fb.totalLost()
	loss.Outside, loss.Unpublished = published-loss.InWindows, failed
	return out, loss
}

// fill computes one fault's detection, recovery and window counts, and
// returns the window's end. The window runs from lo (faultLead before the
// injection) to the recovery, or to horizon (the next fault, or the end of
// publishing) when there was none.
func (fb *faultBooks) fill(r *report.FaultResult, inj injection, lo, horizon time.Duration) time.Duration {
	det := fb.detect(inj.at, horizon)
	if det.ok {
		r.DetectedMs, r.DetectedBy = ptr(det.at.Milliseconds()), det.what
	}
	hi := horizon
	if up, ok := fb.allUp(inj.at, horizon); ok {
		if rec, ok := fb.firstFullDelivery(max(up, inj.end), horizon); ok {
			r.RecoveredMs = ptr(rec.Milliseconds())
			hi = rec + 1 // the recovering event itself belongs to the window
		}
	}
	r.WindowStartMs, r.WindowEndMs = lo.Milliseconds(), hi.Milliseconds()
	fb.count(r, lo, hi)
	for _, st := range fb.tr.states {
		for _, sp := range st.spans {
			if sp.left >= inj.at && sp.left < hi {
				r.Reconnects++
			}
		}
	}
	return hi
}

// detect finds the first sign of a fault in [at, horizon): a subscription
// leaving "connected", a publish failing, or a publish stalled past
// faultStall (seen faultStall after it was sent).
func (fb *faultBooks) detect(at, horizon time.Duration) sign {
	var s sign
	in := func(t time.Duration) bool { return t >= at && t < horizon }
	for i, st := range fb.tr.states {
		for _, sp := range st.spans {
			if in(sp.left) {
				s.offer(sp.left, fb.ids[i]+": subscription left connected")
			}
		}
	}
	for i := range fb.tr.pubs {
		for _, rec := range fb.tr.pubs[i].recs {
			if !rec.attempted {
				continue
			}
			if !rec.ok && in(rec.done) {
				s.offer(rec.done, fb.ids[i]+": publish failed")
			}
			if rec.done-rec.sent > faultStall && in(rec.sent+faultStall) {
				s.offer(rec.sent+faultStall, fmt.Sprintf("%s: publish stalled over %v", fb.ids[i], faultStall))
			}
		}
	}
	return s
}

// allUp returns when every subscription was connected again after the
// losses that overlap [at, horizon); false if one was still down at the end.
func (fb *faultBooks) allUp(at, horizon time.Duration) (time.Duration, bool) {
	up := at
	for _, st := range fb.tr.states {
		for _, sp := range st.spans {
			if sp.left >= horizon || (sp.back >= 0 && sp.back < at) {
				continue
			}
			if sp.back < 0 {
				return 0, false
			}
			up = max(up, sp.back)
		}
	}
	return up, true
}

// firstFullDelivery returns the send time of the first event published
// successfully in [from, horizon) that every other instance received.
func (fb *faultBooks) firstFullDelivery(from, horizon time.Duration) (time.Duration, bool) {
	best, found := time.Duration(0), false
	for s := range fb.tr.pubs {
		for q, rec := range fb.tr.pubs[s].recs {
			if !rec.ok || rec.sent < from || rec.sent >= horizon || (found && rec.sent >= best) {
				continue
			}
			if fb.missing(s, uint64(q+1)) == 0 {
				best, found = rec.sent, true
			}
		}
	}
	return best, found
}

// count books the events sent in [lo, hi): published, their lost
// deliveries, failed publishes and those that arrived anyway.
func (fb *faultBooks) count(r *report.FaultResult, lo, hi time.Duration) {
	others := int64(len(fb.recv) - 1)
	for s := range fb.tr.pubs {
		for q, rec := range fb.tr.pubs[s].recs {
			if !rec.attempted || rec.sent < lo || rec.sent >= hi {
				continue
			}
			miss := fb.missing(s, uint64(q+1))
			if rec.ok {
				r.Published++
				r.Expected += others
				r.Lost += miss
				continue
			}
			r.PublishErrors++
			if miss < others {
				r.DeliveredAnyway++
			}
		}
	}
}

// totalLost is the run's loss by ground truth: the deliveries that never
// arrived of successful publishes, and of failed ones.
func (fb *faultBooks) totalLost() (published, failed int64) {
	for s := range fb.tr.pubs {
		for q, rec := range fb.tr.pubs[s].recs {
			switch {
			case rec.ok:
				published += fb.missing(s, uint64(q+1))
			case rec.attempted:
				failed += fb.missing(s, uint64(q+1))
			}
		}
	}
	return published, failed
}

// missing counts the other instances that did not receive seq of sender s.
func (fb *faultBooks) missing(s int, seq uint64) int64 {
	var n int64
	for r, rv := range fb.recv {
		if r != s && !rv.from[s].Has(seq) {
			n++
		}
	}
	return n
}

func ptr[T any](v T) *T { return &v }
