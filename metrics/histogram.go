package metrics

import (
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// The range every Histogram tracks, in microseconds. Samples outside it are
// clamped to it (and counted) rather than dropped, so a stalled delivery of
// two minutes still shows up as a 60 s outlier.
const (
	histLowestUs  = 1
	histHighestUs = 60_000_000
	fineDigits    = 3
	coarseDigits  = 2
)

// Histogram is a latency histogram with microsecond resolution from 1 µs to
// 60 s, backed by an HDR histogram: bounded memory, fixed relative error,
// mergeable and encodable for the wire.
//
// A Histogram is not safe for concurrent use: callers that record from one
// goroutine and read from another must hold their own lock. The zero value
// is an empty histogram with the precision of NewHistogram.
type Histogram struct {
	h       *hdrhistogram.Histogram
	clamped int64
}

// NewHistogram returns an empty histogram with 3 significant digits (0.1 %
// relative error), for session-long and per-instance latencies.
func NewHistogram() *Histogram {
	return &Histogram{h: hdrhistogram.New(histLowestUs, histHighestUs, fineDigits)}
}

// NewCoarseHistogram returns an empty histogram with 2 significant digits
// (1 % relative error) and about a tenth of the memory, for the per-second
// windows the observer keeps many of per instance.
func NewCoarseHistogram() *Histogram {
	return &Histogram{h: hdrhistogram.New(histLowestUs, histHighestUs, coarseDigits)}
}

// Record adds one sample. Durations are rounded to the nearest microsecond;
// samples below 1 µs are recorded as 1 µs and above 60 s as 60 s, and both
// are counted by Clamped. It does not allocate.
func (h *Histogram) Record(d time.Duration) {
	if h.h == nil {
		h.h = hdrhistogram.New(histLowestUs, histHighestUs, fineDigits)
	}
	us := int64((d + time.Microsecond/2) / time.Microsecond)
	switch {
	case us < histLowestUs:
		us = histLowestUs
		h.clamped++
	case us > histHighestUs:
		us = histHighestUs
		h.clamped++
	}
	// Cannot fail: us is inside the histogram's range.
	_ = h.h.RecordValue(us)
}

// Count returns the number of samples recorded.
func (h *Histogram) Count() int64 {
	if h == nil || h.h == nil {
		return 0
	}
	return h.h.TotalCount()
}

// Clamped returns how many recorded samples fell outside 1 µs..60 s and were
// clamped to it. It is not carried by Encode.
func (h *Histogram) Clamped() int64 {
	if h == nil {
		return 0
	}
	return h.clamped
}

// Quantile returns the latency at or below which q percent of the samples
// fall (q in 0..100, clamped), or 0 when there are no samples.
func (h *Histogram) Quantile(q float64) time.Duration {
	return usToDuration(h.quantileUs(q))
}

func (h *Histogram) quantileUs(q float64) int64 {
	if h.Count() == 0 {
		return 0
	}
	if math.IsNaN(q) || q < 0 {
		q = 0
	}
	return h.h.ValueAtQuantile(math.Min(q, 100))
}

// Min returns the smallest sample (to the histogram's precision), or 0.
func (h *Histogram) Min() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return usToDuration(h.h.Min())
}

// Max returns the largest sample (to the histogram's precision), or 0.
func (h *Histogram) Max() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return usToDuration(h.h.Max())
}

// Mean returns the arithmetic mean of the samples, or 0.
func (h *Histogram) Mean() time.Duration {
	return time.Duration(math.Round(h.meanUs() * float64(time.Microsecond)))
}

func (h *Histogram) meanUs() float64 {
	if h.Count() == 0 {
		return 0
	}
	return h.h.Mean()
}

// Merge adds all of o's samples (and its clamped count) to h. A nil or empty
// o is a no-op. Precisions may differ: the result has h's.
func (h *Histogram) Merge(o *Histogram) {
	if o.Count() == 0 {
		h.clamped += o.Clamped()
		return
	}
	if h.h == nil {
		h.h = hdrhistogram.New(histLowestUs, histHighestUs, fineDigits)
	}
	// Both share one range, so nothing can be dropped.
	h.h.Merge(o.h)
	h.clamped += o.clamped
}

// Reset empties the histogram, keeping its precision and memory.
func (h *Histogram) Reset() {
	if h.h != nil {
		h.h.Reset()
	}
	h.clamped = 0
}

// ByteSize estimates the memory the histogram's counts take.
func (h *Histogram) ByteSize() int {
	if h == nil || h.h == nil {
		return 0
	}
	return h.h.ByteSize()
}

// Summary returns count, min, mean and percentiles in microseconds, with
// the histogram's own precision (no rounding to whole milliseconds).
func (h *Histogram) Summary() Percentiles {
	if h.Count() == 0 {
		return Percentiles{}
	}
	v := h.h.ValueAtPercentiles([]float64{50, 95, 99})
	return Percentiles{
		Count: h.Count(),
		Min:   float64(h.h.Min()),
		Avg:   h.meanUs(),
		P50:   float64(v[50]),
		P95:   float64(v[95]),
		P99:   float64(v[99]),
		Max:   float64(h.h.Max()),
	}
}

// Distribution returns at most n buckets, log-spaced between the smallest
// and the largest sample, for a text bar chart. Empty buckets are kept so
// the bars stay evenly spaced; the last bound is the maximum. It returns
// nil when there are no samples or n < 1.
func (h *Histogram) Distribution(n int) []Bucket {
	if h.Count() == 0 || n < 1 {
		return nil
	}
	return h.bucketsFrom(h.h.Distribution(), n)
}

func usToDuration(us int64) time.Duration {
	return time.Duration(us) * time.Microsecond
}
