package prom

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/bridgescope/bridgescope/metrics"
)

// maxSpanGap is the run of empty native buckets a span carries rather than
// opening a new span, as client_golang's own histograms do: two empty
// buckets cost less than a new span's offset and length.
const maxSpanGap = 2

// latencyHistogram is a const Prometheus histogram of d (microseconds) in
// seconds, carrying both forms, as a client_golang histogram with native
// buckets enabled does: the classic cumulative buckets (all a text-format
// scrape shows) and the native exponential ones at metrics.ExpSchema (which
// a protobuf scrape by a Prometheus with native histograms enabled ingests).
// client_golang's NewConstHistogram and NewConstNativeHistogram each build
// only one of the two.
func latencyHistogram(desc *prometheus.Desc, d metrics.LatencyDist, labels ...string) prometheus.Metric {
	labels = cleanLabels(labels)
	if err := checkLabels(desc, labels); err != nil {
		return prometheus.NewInvalidMetric(desc, err)
	}
	h := &dto.Histogram{
		SampleCount:   new(uint64(max(d.Count, 0))),
		SampleSum:     new(d.SumUs / 1e6),
		Schema:        new(int32(metrics.ExpSchema)),
		ZeroThreshold: new(float64(prometheus.DefNativeHistogramZeroThreshold)),
		ZeroCount:     new(uint64(0)), // every sample is at least 1 µs
	}
	for _, b := range d.Buckets {
		h.Bucket = append(h.Bucket, &dto.Bucket{
			UpperBound:      new(b.LeUs / 1e6),
			CumulativeCount: new(uint64(max(b.Count, 0))),
		})
	}
	h.PositiveSpan, h.PositiveDelta = nativeSpans(d.Exp)
	return constHistogram{desc: desc, h: h, labels: prometheus.MakeLabelPairs(desc, labels)}
}

// checkLabels makes a wrong label count an invalid metric, as the const
// constructors do, instead of a malformed one.
func checkLabels(desc *prometheus.Desc, labels []string) error {
	_, err := prometheus.NewConstMetric(desc, prometheus.UntypedValue, 0, labels...)
	return err
}

// nativeSpans encodes ascending buckets as native-histogram spans and
// deltas (each count relative to the previous bucket's).
func nativeSpans(bs []metrics.ExpBucket) ([]*dto.BucketSpan, []int64) {
	var (
		spans  []*dto.BucketSpan
		deltas []int64
		prev   int64
		next   int // the index after the last bucket written
	)
	for i, b := range bs {
		gap := b.Index - next
		if i == 0 || gap > maxSpanGap {
			spans = append(spans, &dto.BucketSpan{Offset: new(int32(gap)), Length: new(uint32(0))})
			if i == 0 {
				spans[0].Offset = new(int32(b.Index))
			}
		} else {
			for range gap {
				*spans[len(spans)-1].Length++
				deltas = append(deltas, -prev)
				prev = 0
			}
		}
		*spans[len(spans)-1].Length++
		deltas = append(deltas, b.Count-prev)
		prev, next = b.Count, b.Index+1
	}
	return spans, deltas
}

// constHistogram is a histogram metric with fixed values.
type constHistogram struct {
	desc   *prometheus.Desc
	h      *dto.Histogram
	labels []*dto.LabelPair
}

func (m constHistogram) Desc() *prometheus.Desc { return m.desc }

func (m constHistogram) Write(out *dto.Metric) error {
	out.Histogram, out.Label = m.h, m.labels
	return nil
}
