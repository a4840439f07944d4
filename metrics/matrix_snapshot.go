package metrics

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"time"
)

// MatrixRow is one (sender, receiver, channel) of the delivery matrix. The
// top-level counts are the last 10 s, as the table's; Window1m and Session
// are the others. Expected is what the receiver should have received: the
// advance of the sender's seq over the receiver's own range of its stream,
// or, for a sender it did not hear at all, what the sender published (its
// reports, else its seq as the observer saw it). Lost is Expected minus
// Received, never negative.
type MatrixRow struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Channel string `json:"channel"`
	// OtherStreams is set on the row of the streams the receiver summed
	// instead of listing (From is OtherSender): how many there were.
	OtherStreams uint64 `json:"otherStreams,omitempty"`
	PairCounts
	Window1m PairCounts  `json:"1m"`
	Session  PairCounts  `json:"session"`
	Latency  PairLatency `json:"latency"`
	// Status is the pair_delivery rule's judgement of (From, To), all its
	// channels together: what colours the matrix's cell.
	Status Judgement `json:"status"`
}

// PairCounts are a pair's counts over one window.
type PairCounts struct {
	Expected   int64 `json:"expected"`
	Received   int64 `json:"received"`
	Lost       int64 `json:"lost"`
	Duplicates int64 `json:"duplicates"`
	// DeliveryPct is Received over Expected, at most 100; NaN (null in
	// JSON) when nothing was expected.
	DeliveryPct float64 `json:"deliveryPct"`
}

// PairLatency is a pair's one-way latency: raw (the receiver's clock minus
// the sender's) and corrected by both clocks' offsets as the observer
// estimates them from probe round trips (InstanceRow.ClockOffsetUs):
// corrected = raw − (offset of the receiver − offset of the sender).
type PairLatency struct {
	Raw10s       OneWay `json:"raw10s"`
	Raw1m        OneWay `json:"raw1m"`
	Corrected10s OneWay `json:"corrected10s"`
	Corrected1m  OneWay `json:"corrected1m"`
	// ClockSkewUs is the correction (receiver's offset minus sender's);
	// NaN (null) when either offset is unknown.
	ClockSkewUs float64 `json:"clockSkewUs"`
	// UncertaintyUs is what the correction may be off by: half the spread
	// of each instance's probe round trips (P95 − min), added; NaN when
	// the correction is unknown.
	UncertaintyUs float64 `json:"uncertaintyUs"`
	// Correction is "corrected", or why not: "unknown: sender's clock not
	// estimated (it answers no probe)" and the like.
	Correction string `json:"correction"`
	// Skewed marks raw figures that the clocks move by more than the
	// uncertainty (and skewTolerance): read the corrected ones.
	Skewed bool `json:"skewed"`
}

// skewTolerance is the clock difference below which raw one-way figures
// are not marked skewed: NTP keeps machines within about a millisecond.
const skewTolerance = 1000.0 // µs

func pairCounts(c pairSum) PairCounts {
	return PairCounts{Expected: c.expected, Received: c.received, Lost: max(c.expected-c.received, 0),
		Duplicates: c.dups, DeliveryPct: deliveryPct(c)}
}

func deliveryPct(c pairSum) float64 {
	if c.expected <= 0 {
		return math.NaN()
	}
	return min(100*float64(c.received)/float64(c.expected), 100)
}

// PairSubject is the pair_delivery rule's subject of (from, to).
func PairSubject(from, to string) string { return from + PairArrow + to }

// matrixRows is the snapshot's matrix, sorted by sender, receiver, channel.
func (r *Registry) matrixRows(now time.Time) []MatrixRow {
	sec := now.Unix()
	out := make([]MatrixRow, 0, len(r.pairs))
	judged := map[string]Judgement{}
	for _, p := range r.pairs {
		w10, l10 := p.window(sec, windowSecs)
		w60, l60 := p.window(sec, chartSecs)
		row := MatrixRow{From: p.from, To: p.to, Channel: p.channel, PairCounts: pairCounts(w10),
			Window1m: pairCounts(w60), Session: pairCounts(p.sess)}
		if p.other {
			row.OtherStreams = p.otherStreams
		}
		row.Latency = r.pairLatency(p, l10, l60)
		subj := PairSubject(p.from, p.to)
		j, ok := judged[subj]
		if !ok {
			j = r.engine.Judgements(subj, now)["pair_delivery"]
			if in := r.instances[p.to]; r.sight.blind() || (in != nil && in.awaiting) {
				j.Unknown = true
			}
			judged[subj] = j
		}
		row.Status = j
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b MatrixRow) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.Channel, b.Channel))
	})
	return out
}

// pairLatency corrects a pair's raw figures with the offsets of its two
// clocks, when both are known.
func (r *Registry) pairLatency(p *pair, raw10, raw60 OneWay) PairLatency {
	l := PairLatency{Raw10s: raw10, Raw1m: raw60, ClockSkewUs: math.NaN(), UncertaintyUs: math.NaN()}
	to, from := r.instances[p.to], r.instances[p.from]
	switch {
	case p.other:
		l.Correction = "unknown: summed streams of several senders"
		return l
	case to == nil || to.offsetN == 0:
		l.Correction = "unknown: receiver's clock not estimated (no probe answered yet)"
		return l
	case from == nil || from.offsetN == 0:
		l.Correction = "unknown: sender's clock not estimated (it answers no probe)"
		return l
	}
	l.ClockSkewUs = to.offsetUs - from.offsetUs
	l.UncertaintyUs = to.offsetSpread() + from.offsetSpread()
	l.Correction = "corrected"
	l.Corrected10s, l.Corrected1m = raw10.shifted(l.ClockSkewUs), raw60.shifted(l.ClockSkewUs)
	l.Skewed = math.Abs(l.ClockSkewUs) > max(l.UncertaintyUs, skewTolerance)
	return l
}

// offsetSpread is how far the instance's clock-offset estimate may be off:
// half the spread of its round trips (P95 − min, session). An offset taken
// as the midpoint of a round trip is off by half its asymmetry, which the
// spread of round trips bounds in practice.
func (in *instance) offsetSpread() float64 {
	p := in.session.Summary()
	if p.Count == 0 {
		return math.NaN()
	}
	return (p.P95 - p.Min) / 2
}

// evaluatePairs feeds the pair_delivery rule each (sender, receiver)'s last
// 10 s, all channels together; a receiver not judged now (left, awaiting)
// is skipped, and a subject no longer in the table is forgotten.
func (r *Registry) evaluatePairs(now time.Time) {
	sec := now.Unix()
	sums := map[string]pairSum{}
	skip := map[string]bool{}
	for _, p := range r.pairs {
		if p.other {
			continue // a sum of several senders: no one pair's verdict
		}
		subj := PairSubject(p.from, p.to)
		if in := r.instances[p.to]; in == nil || in.left || in.awaiting || r.sight.blind() {
			skip[subj] = true
		}
		w, _ := p.window(sec, windowSecs)
		s := sums[subj]
		s.expected, s.received = s.expected+w.expected, s.received+w.received
		sums[subj] = s
	}
	for subj := range r.pairSubjects {
		if _, ok := sums[subj]; !ok {
			r.engine.Forget(subj)
			delete(r.pairSubjects, subj)
		}
	}
	for _, subj := range slices.Sorted(maps.Keys(sums)) {
		r.pairSubjects[subj] = true
		if skip[subj] {
			r.engine.SkipSubject(subj)
			continue
		}
		observeOrSkip(r.engine, now, "pair_delivery", subj, deliveryPct(sums[subj]))
	}
}

// oneWayRow fills in an instance's one-way latency of ordinary events: raw
// from its own reports' histograms, and corrected. The raw histogram mixes
// senders, whose clocks may differ: when every sender's skew against this
// instance is known and they agree (within the uncertainty, or
// skewTolerance) the raw figures shift by their mean, which keeps the
// histogram's precision; otherwise the pairs' corrected figures combine
// (OneWay: an upper bound).
func (r *Registry) oneWayRow(in *instance, row *InstanceRow, rows []MatrixRow, now time.Time) {
	sec := now.Unix()
	row.OneWay = OneWayWindows{W10s: in.oneWay.window(sec, windowSecs), W1m: in.oneWay.window(sec, chartSecs), Session: oneWayOf(in.oneWaySess)}
	row.OneWayCorrected = OneWayWindows{}
	row.OneWayUncertaintyUs = math.NaN()
	known, unknown := 0, 0
	var pairs OneWayWindows
	lo, hi, wsum, n := math.Inf(1), math.Inf(-1), 0.0, 0.0
	for i := range rows {
		m := &rows[i]
		if m.To != in.id || m.Latency.Raw1m.Count == 0 {
			continue
		}
		if m.Latency.Correction != "corrected" {
			unknown++
			continue
		}
		known++
		pairs.W10s.merge(m.Latency.Corrected10s)
		pairs.W1m.merge(m.Latency.Corrected1m)
		row.OneWaySkewed = row.OneWaySkewed || m.Latency.Skewed
		row.OneWayUncertaintyUs = max(m.Latency.UncertaintyUs, orZero(row.OneWayUncertaintyUs))
		k := m.Latency.ClockSkewUs
		lo, hi = min(lo, k), max(hi, k)
		c := float64(m.Latency.Raw1m.Count)
		wsum, n = wsum+k*c, n+c
	}
	switch {
	case known == 0 && unknown == 0:
		row.OneWayCorrection = "no pairs with latency yet"
	case unknown == 0:
		row.OneWayCorrection = "corrected"
		row.OneWayCorrected = pairs
		if hi-lo <= max(orZero(row.OneWayUncertaintyUs), skewTolerance) {
			mean := wsum / n
			row.OneWayCorrected = OneWayWindows{W10s: row.OneWay.W10s.shifted(mean), W1m: row.OneWay.W1m.shifted(mean),
				Session: row.OneWay.Session.shifted(mean)}
		}
	case known == 0:
		row.OneWayCorrection = "unknown: no sender's clock estimated"
	default:
		row.OneWayCorrection = "partly: senders whose clocks are not estimated are left out"
		row.OneWayCorrected = pairs
	}
}

func orZero(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}
