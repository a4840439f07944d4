package metrics

import "math"

// OneWay is a one-way latency summary in microseconds: the receiver's clock
// at receipt minus the sender's at send (raw, which two machines' clocks
// skew), or that corrected by the clocks' offsets. Count 0 is no data.
//
// A window's figures combine per-interval summaries (one a stats report,
// a second) by taking, for each percentile, the highest interval's: each
// interval has at most 1 % of its events above its P99, so the window has
// too, and the window's P99 is never higher than the figure shown. It is an
// upper bound, exact when the intervals agree or one of them is all there is;
// Max is exact. Percentiles of a union cannot be had from percentiles alone,
// and a histogram per pair and second would cost 20 KB each.
type OneWay struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// merge combines o into w as a window does (see OneWay).
func (w *OneWay) merge(o OneWay) {
	switch {
	case o.Count == 0:
		return
	case w.Count == 0:
		*w = o
		return
	}
	w.Count = satInc(w.Count, o.Count)
	w.P50, w.P95, w.P99, w.Max = max(w.P50, o.P50), max(w.P95, o.P95), max(w.P99, o.P99), max(w.Max, o.Max)
}

// shifted is w moved by −d µs (a clock correction); no data stays none.
func (w OneWay) shifted(d float64) OneWay {
	if w.Count == 0 {
		return w
	}
	return OneWay{Count: w.Count, P50: w.P50 - d, P95: w.P95 - d, P99: w.P99 - d, Max: w.Max - d}
}

// oneWayOf summarizes a histogram of one-way latencies (µs).
func oneWayOf(h *Histogram) OneWay {
	if h.Count() == 0 {
		return OneWay{}
	}
	p := h.Summary()
	return OneWay{Count: p.Count, P50: p.P50, P95: p.P95, P99: p.P99, Max: p.Max}
}

// owSlot is one second's summary, kept small: a pair keeps sixty of them
// (2.4 KB with its counts) where one histogram would be 20 KB.
type owSlot struct {
	n                  uint32
	p50, p95, p99, max float32
}

func (s *owSlot) add(o OneWay) {
	if o.Count <= 0 {
		return
	}
	if s.n == 0 {
		*s = owSlot{n: clampU32(o.Count), p50: float32(o.P50), p95: float32(o.P95), p99: float32(o.P99), max: float32(o.Max)}
		return
	}
	s.n = clampU32(int64(s.n) + o.Count)
	s.p50, s.p95 = max(s.p50, float32(o.P50)), max(s.p95, float32(o.P95))
	s.p99, s.max = max(s.p99, float32(o.P99)), max(s.max, float32(o.Max))
}

func (s owSlot) oneWay() OneWay {
	if s.n == 0 {
		return OneWay{}
	}
	return OneWay{Count: int64(s.n), P50: float64(s.p50), P95: float64(s.p95), P99: float64(s.p99), Max: float64(s.max)}
}

func clampU32(v int64) uint32 {
	if v > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(max(v, 0))
}

// owRing keeps an instance's per-second one-way summaries for the windows.
type owRing struct {
	secs [chartSecs]int64
	vals [chartSecs]owSlot
}

func (r *owRing) add(sec int64, o OneWay) {
	i := sec % chartSecs
	if r.secs[i] != sec {
		r.secs[i], r.vals[i] = sec, owSlot{}
	}
	r.vals[i].add(o)
}

// window combines the last n seconds up to nowSec.
func (r *owRing) window(nowSec, n int64) OneWay {
	var w OneWay
	for i, sec := range r.secs {
		if sec > nowSec-n && sec <= nowSec {
			w.merge(r.vals[i].oneWay())
		}
	}
	return w
}
