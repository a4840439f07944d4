package prom

import (
	"math"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bridgescope/bridgescope/metrics"
)

// The pair series are bounded however large the fleet: a (sender,
// receiver) is exported only while it delivers less than everything (the
// worst maxLossyPairs of those) or is among the topPairs busiest. A healthy
// fleet of 50 exports 16 series, not 2,450; an outage at most 80.
const (
	maxLossyPairs = 64
	topPairs      = 16
)

type matrixDescs struct {
	pairDelivery, pairs, pairsBelow, subscribers, channelSubs, oneWay *prometheus.Desc
}

func newMatrixDescs() matrixDescs {
	return matrixDescs{
		pairDelivery: newDesc("pair_delivery_ratio", "Fraction of a sender's events its receiver got over the last 10 s (0..1), all channels together; exported only for pairs below 1 (the 64 worst) and the 16 busiest.", "from", "to"),
		pairs:        newDesc("pairs", "(sender, receiver) pairs in the delivery matrix with events expected in the last 10 s."),
		pairsBelow:   newDesc("pairs_below_full", "Pairs that delivered less than every event in the last 10 s, exported or not."),
		subscribers:  newDesc("subscribers", "Connections subscribed (CLIENT LIST TYPE pubsub on every node), the observer's own left out; absent where CLIENT LIST is refused."),
		channelSubs:  newDesc("channel_subscribers", "PUBSUB NUMSUB of a watched channel, summed over the nodes, less the observer's own subscription.", "channel"),
		oneWay:       newDesc("instance_one_way_window_seconds", "One-way latency of the ordinary events an instance received, last 10 s: raw (its clock minus each sender's) or corrected by both clocks' estimated offsets; an upper bound (the highest per-second percentile); absent without samples.", InstanceLabel, "clock", "percentile"),
	}
}

func (d matrixDescs) all() []*prometheus.Desc {
	return []*prometheus.Desc{d.pairDelivery, d.pairs, d.pairsBelow, d.subscribers, d.channelSubs, d.oneWay}
}

// collect sends the matrix's bounded series, the subscriber counts and the
// instances' one-way latency.
func (d matrixDescs) collect(e emitter, s metrics.Snapshot) {
	var live []metrics.PairCell
	for _, c := range s.Cells() {
		if c.W10s.Expected > 0 && c.From != metrics.OtherSender {
			live = append(live, c)
		}
	}
	for _, c := range exportedPairs(live) {
		e.gauge(d.pairDelivery, c.W10s.DeliveryPct/100, c.From, c.To)
	}
	below := 0
	for _, c := range live {
		if c.W10s.DeliveryPct < 100 {
			below++
		}
	}
	e.gauge(d.pairs, float64(len(live)))
	e.gauge(d.pairsBelow, float64(below))
	if len(s.Subscribers) > 0 || !hasInfo(s, "CLIENT LIST") {
		e.gauge(d.subscribers, float64(len(s.Subscribers)))
	}
	for _, c := range s.SubscriberCounts {
		e.gauge(d.channelSubs, float64(c.Count), c.Channel)
	}
	for _, in := range s.Instances {
		for clock, w := range map[string]metrics.OneWay{"raw": in.OneWay.W10s, "corrected": in.OneWayCorrected.W10s} {
			if w.Count == 0 {
				continue
			}
			for _, q := range []struct {
				p string
				v float64
			}{{"50", w.P50}, {"95", w.P95}, {"99", w.P99}} {
				e.gauge(d.oneWay, q.v/1e6, in.ID, clock, q.p)
			}
		}
	}
}

// exportedPairs are the pairs below 100 %, worst first, at most
// maxLossyPairs, and the topPairs busiest (by events expected).
func exportedPairs(live []metrics.PairCell) []metrics.PairCell {
	var out []metrics.PairCell
	seen := map[[2]string]bool{}
	for _, c := range metrics.WorstCells(live) {
		if len(out) == maxLossyPairs || !(c.W10s.DeliveryPct < 100) {
			break
		}
		out, seen[[2]string{c.From, c.To}] = append(out, c), true
	}
	busy := slices.Clone(live)
	slices.SortStableFunc(busy, func(a, b metrics.PairCell) int { return int(b.W10s.Expected - a.W10s.Expected) })
	for _, c := range busy[:min(topPairs, len(busy))] {
		if !seen[[2]string{c.From, c.To}] && !math.IsNaN(c.W10s.DeliveryPct) {
			out = append(out, c)
		}
	}
	return out
}

func hasInfo(s metrics.Snapshot, sub string) bool {
	for _, t := range append(slices.Clone(s.Info), s.Notes...) {
		if strings.Contains(t, sub) {
			return true
		}
	}
	return false
}
