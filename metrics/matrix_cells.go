package metrics

import (
	"cmp"
	"math"
	"slices"
)

// PairCell is one (sender, receiver) of the matrix, its channels summed:
// what a cell of the dashboard's matrix, a Prometheus series and a report
// line show. Status is the pair_delivery rule's judgement.
type PairCell struct {
	From, To string
	Channels int
	W10s     PairCounts
	W1m      PairCounts
	Session  PairCounts
	// Latency is the channels' latency combined as OneWay says; its
	// correction is the first channel's (one pair has one pair of clocks).
	Latency PairLatency
	Status  Judgement
}

// Cells sums the matrix's rows per (sender, receiver), in the rows' order
// (sender, then receiver). It is a pure function of the snapshot.
func (s Snapshot) Cells() []PairCell {
	var out []PairCell
	idx := map[[2]string]int{}
	for _, m := range s.Matrix {
		k := [2]string{m.From, m.To}
		i, ok := idx[k]
		if !ok {
			idx[k] = len(out)
			out = append(out, PairCell{From: m.From, To: m.To, Latency: m.Latency, Status: m.Status})
			i = len(out) - 1
		} else {
			l := &out[i].Latency
			l.Raw10s.merge(m.Latency.Raw10s)
			l.Raw1m.merge(m.Latency.Raw1m)
			l.Corrected10s.merge(m.Latency.Corrected10s)
			l.Corrected1m.merge(m.Latency.Corrected1m)
		}
		c := &out[i]
		c.Channels++
		c.W10s, c.W1m, c.Session = addCounts(c.W10s, m.PairCounts), addCounts(c.W1m, m.Window1m), addCounts(c.Session, m.Session)
	}
	return out
}

func addCounts(a, b PairCounts) PairCounts {
	c := PairCounts{Expected: a.Expected + b.Expected, Received: a.Received + b.Received, Duplicates: a.Duplicates + b.Duplicates}
	c.Lost = max(c.Expected-c.Received, 0)
	c.DeliveryPct = deliveryPct(pairSum{expected: c.Expected, received: c.Received})
	return c
}

// WorstCells orders cells worst first: by level (the engine's), then by 10 s
// delivery (lowest first, no data last), then by lost events, then by name.
func WorstCells(cells []PairCell) []PairCell {
	out := slices.Clone(cells)
	key := func(c PairCell) float64 {
		if math.IsNaN(c.W10s.DeliveryPct) {
			return 1000
		}
		return c.W10s.DeliveryPct
	}
	slices.SortStableFunc(out, func(a, b PairCell) int {
		return cmp.Or(cmp.Compare(b.Status.Level, a.Status.Level), cmp.Compare(key(a), key(b)),
			cmp.Compare(b.W10s.Lost, a.W10s.Lost), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return out
}
