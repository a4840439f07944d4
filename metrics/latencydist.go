package metrics

import (
	"math"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// latencyBoundsUs are LatencyDist's fixed upper bounds in microseconds:
// 1-2.5-5 per decade from 100 µs (a loopback round trip) to 10 s (far past
// any CRIT threshold), so that the default P99 thresholds, 100 ms and
// 500 ms, are bounds themselves and a bucket never straddles them. Sixteen
// buckets keep a histogram series per instance cheap to scrape and store.
var latencyBoundsUs = [...]float64{
	100, 250, 500,
	1_000, 2_500, 5_000,
	10_000, 25_000, 50_000,
	100_000, 250_000, 500_000,
	1_000_000, 2_500_000, 5_000_000,
	10_000_000,
}

// ExpSchema is the resolution of LatencyDist.Exp, as Prometheus native
// histograms define it: bucket i holds samples in (2^((i-1)/2^s), 2^(i/2^s)]
// seconds, so schema 3 has eight buckets per doubling (9 % wide), what
// client_golang picks for its default bucket factor of 1.1. The HDR
// histograms behind it resolve 0.1 % (1 % for coarse ones), far finer.
const ExpSchema = 3

// LatencyDist is a latency distribution taken from an HDR histogram: its
// count and sum, cumulative counts at fixed bounds (Buckets, what a
// Prometheus classic histogram and a JSON consumer read), and the non-empty
// exponential buckets of a Prometheus native histogram (Exp). Samples fall
// into buckets by the lowest value of their HDR bar (as Distribution's do),
// so a sample exactly at a bound is always at or below it, and a count is
// exact to the histogram's precision (0.1 %, or 1 % for coarse histograms).
type LatencyDist struct {
	Count int64   `json:"count"`
	SumUs float64 `json:"sumUs"`
	// Buckets are cumulative: Buckets[i].Count samples were at most
	// Buckets[i].LeUs. The bounds are the same in every LatencyDist, and
	// always all there (with zero counts when there are no samples);
	// samples above the last bound are Count minus its count.
	Buckets []CumBucket `json:"buckets"`
	// Exp are the non-empty buckets at ExpSchema, ascending by Index;
	// nil without samples. Not in JSON: Buckets say it in fewer bytes.
	Exp []ExpBucket `json:"-"`
}

// CumBucket is one cumulative bucket: Count samples at or below LeUs.
type CumBucket struct {
	LeUs  float64 `json:"leUs"`
	Count int64   `json:"count"`
}

// ExpBucket is one bucket of an exponential (native) histogram at
// ExpSchema: Count samples in (2^((Index-1)/8), 2^(Index/8)] seconds.
type ExpBucket struct {
	Index int
	Count int64
}

// LatencyDist returns h's distribution; a nil or empty h gives a
// distribution with zero counts.
func (h *Histogram) LatencyDist() LatencyDist {
	_, d := h.distributions(0)
	return d
}

// Distributions returns Distribution(n) and LatencyDist together, walking
// the HDR histogram's counts once.
func (h *Histogram) Distributions(n int) ([]Bucket, LatencyDist) {
	return h.distributions(n)
}

func (h *Histogram) distributions(n int) ([]Bucket, LatencyDist) {
	d := LatencyDist{Buckets: make([]CumBucket, len(latencyBoundsUs))}
	for i, b := range latencyBoundsUs {
		d.Buckets[i].LeUs = b
	}
	if h.Count() == 0 {
		return nil, d
	}
	bars := h.h.Distribution()
	d.Count, d.SumUs = h.Count(), h.meanUs()*float64(h.Count())
	first := 0 // the first bound a bar can still fall under: bars ascend
	for _, bar := range bars {
		if bar.Count == 0 {
			continue
		}
		v := float64(bar.From)
		for first < len(latencyBoundsUs) && v > latencyBoundsUs[first] {
			first++
		}
		if first < len(latencyBoundsUs) {
			d.Buckets[first].Count += bar.Count
		}
		d.Exp = addExp(d.Exp, expIndex(v/1e6), bar.Count)
	}
	for i := 1; i < len(d.Buckets); i++ {
		d.Buckets[i].Count += d.Buckets[i-1].Count
	}
	return h.bucketsFrom(bars, n), d
}

// addExp adds count to bucket idx of ascending buckets, where idx is at
// least the last one's (bars come in ascending order).
func addExp(bs []ExpBucket, idx int, count int64) []ExpBucket {
	if k := len(bs) - 1; k >= 0 && bs[k].Index == idx {
		bs[k].Count += count
		return bs
	}
	return append(bs, ExpBucket{Index: idx, Count: count})
}

// expIndex is the ExpSchema bucket of v seconds (v > 0): the i with
// 2^((i-1)/8) < v ≤ 2^(i/8), corrected for the rounding of Log2.
func expIndex(v float64) int {
	const perDoubling = 1 << ExpSchema
	i := int(math.Ceil(math.Log2(v) * perDoubling))
	for math.Exp2(float64(i-1)/perDoubling) >= v {
		i--
	}
	for math.Exp2(float64(i)/perDoubling) < v {
		i++
	}
	return i
}

// ExpUpperBound is the upper bound in seconds of bucket index at ExpSchema.
func ExpUpperBound(index int) float64 {
	return math.Exp2(float64(index) / (1 << ExpSchema))
}

// bucketsFrom is Distribution(n) over bars already read from h.
func (h *Histogram) bucketsFrom(bars []hdrhistogram.Bar, n int) []Bucket {
	if n < 1 {
		return nil
	}
	lo, hi := float64(h.h.Min()), float64(h.h.Max())
	if h.h.ValuesAreEquivalent(h.h.Min(), h.h.Max()) {
		return []Bucket{{UpToUs: hi, Count: h.Count()}}
	}
	// Buckets narrower than the 1 µs resolution would hold nothing.
	n = int(math.Min(float64(n), hi-lo+1))
	out := make([]Bucket, n)
	ratio := math.Pow(hi/lo, 1/float64(n))
	for i := range out {
		out[i].UpToUs = lo * math.Pow(ratio, float64(i+1))
	}
	out[n-1].UpToUs = hi
	k := 0
	for _, bar := range bars {
		if bar.Count == 0 {
			continue
		}
		v := float64(bar.From)
		for k < n-1 && v > out[k].UpToUs {
			k++
		}
		out[k].Count += bar.Count
	}
	return out
}
