package metrics

import (
	"math"
	"time"
)

// rttWindow keeps round-trip times by second: coarse histograms of the last
// windowSecs seconds (for windowed percentiles) and the P50/P99 of each of
// the last chartSecs seconds (for the chart). Memory is fixed: it never
// grows with the event rate.
type rttWindow struct {
	hists [windowSecs]*Histogram
	secs  [windowSecs]int64
	chart [chartSecs]chartPoint
}

const (
	windowSecs = 10
	chartSecs  = 60
)

type chartPoint struct {
	sec      int64
	p50, p99 float64
}

func newRTTWindow() *rttWindow {
	w := &rttWindow{}
	for i := range w.hists {
		w.hists[i] = NewCoarseHistogram()
		w.secs[i] = -1
	}
	return w
}

// slot returns the histogram of second sec, retiring the second it replaces
// into the chart.
func (w *rttWindow) slot(sec int64) *Histogram {
	i := sec % windowSecs
	if w.secs[i] != sec {
		w.retire(i)
		w.secs[i] = sec
	}
	return w.hists[i]
}

func (w *rttWindow) retire(i int64) {
	h, sec := w.hists[i], w.secs[i]
	if sec >= 0 && h.Count() > 0 {
		w.chart[sec%chartSecs] = chartPoint{sec: sec, p50: float64(h.quantileUs(50)), p99: float64(h.quantileUs(99))}
	}
	h.Reset()
}

func (w *rttWindow) record(now time.Time, d time.Duration) {
	w.slot(now.Unix()).Record(d)
}

// window merges the last windowSecs seconds up to nowSec into scratch and
// returns its summary.
func (w *rttWindow) window(nowSec int64, scratch *Histogram) Percentiles {
	if w == nil { // an instance that has not answered a probe yet
		return Percentiles{}
	}
	scratch.Reset()
	for i, sec := range w.secs {
		if sec > nowSec-windowSecs && sec <= nowSec {
			scratch.Merge(w.hists[i])
		}
	}
	return scratch.Summary()
}

// series is the per-second P50 and P99 of the last chartSecs seconds,
// oldest first; NaN where a second had no sample.
func (w *rttWindow) series(nowSec int64) Series {
	s := Series{P50: make([]float64, chartSecs), P99: make([]float64, chartSecs)}
	if w == nil {
		for k := range s.P50 {
			s.P50[k], s.P99[k] = math.NaN(), math.NaN()
		}
		return s
	}
	for k := int64(0); k < chartSecs; k++ {
		sec := nowSec - chartSecs + 1 + k
		p50, p99 := math.NaN(), math.NaN()
		if i := sec % windowSecs; sec >= 0 && w.secs[i] == sec && w.hists[i].Count() > 0 {
			p50, p99 = float64(w.hists[i].quantileUs(50)), float64(w.hists[i].quantileUs(99))
		} else if p := w.chart[sec%chartSecs]; sec >= 0 && p.sec == sec {
			p50, p99 = p.p50, p.p99
		}
		s.P50[k], s.P99[k] = p50, p99
	}
	return s
}

// counterRing sums per-second counts over the last chartSecs seconds.
type counterRing struct {
	secs [chartSecs]int64
	vals [chartSecs]counts
}

// counts are the per-second figures of one instance.
type counts struct {
	resolved, acked, lost    int64 // probes
	self, collisions, errors int64 // deltas of the instance's own counters
	events                   int64 // ordinary events (sources)
}

func (c *counts) add(o counts) {
	c.resolved += o.resolved
	c.acked += o.acked
	c.lost += o.lost
	c.self += o.self
	c.collisions += o.collisions
	c.errors += o.errors
	c.events += o.events
}

func (r *counterRing) at(sec int64) *counts {
	i := sec % chartSecs
	if r.secs[i] != sec {
		r.secs[i], r.vals[i] = sec, counts{}
	}
	return &r.vals[i]
}

// forget empties the ring without clearing its counts: a second marked -1
// is never one at asks for, nor one sum adds up, and at zeroes a slot's
// counts when it takes it for a new second. Recycling a row so costs 480
// bytes of stores, not 3.8 KB.
func (r *counterRing) forget() {
	for i := range r.secs {
		r.secs[i] = -1
	}
}

// sum adds up the last n seconds up to nowSec.
func (r *counterRing) sum(nowSec int64, n int64) counts {
	var c counts
	for i, sec := range r.secs {
		if sec > nowSec-n && sec <= nowSec {
			c.add(r.vals[i])
		}
	}
	return c
}
