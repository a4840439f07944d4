package metrics_test

import (
	"encoding/base64"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bridgescope/bridgescope/metrics"
)

func TestHistogramUniform(t *testing.T) {
	h := metrics.NewHistogram()
	for us := 1; us <= 10000; us++ {
		h.Record(time.Duration(us) * time.Microsecond)
	}
	want := metrics.Percentiles{Count: 10000, Min: 1, Avg: 5000.5, P50: 5000, P95: 9500, P99: 9900, Max: 10000}
	if d := cmp.Diff(want, h.Summary(), cmpopts.EquateApprox(0.01, 0)); d != "" {
		t.Errorf("Summary (-want +got):\n%s", d)
	}
	if got := h.Quantile(50); got < 4950*time.Microsecond || got > 5050*time.Microsecond {
		t.Errorf("Quantile(50) = %v, want 5ms ±1%%", got)
	}
	if h.Min() != time.Microsecond || h.Max() < 9990*time.Microsecond || h.Max() > 10010*time.Microsecond {
		t.Errorf("Min, Max = %v, %v; want 1µs, ~10ms", h.Min(), h.Max())
	}
	if m := h.Mean(); math.Abs(float64(m-5000500*time.Nanosecond)) > float64(50*time.Microsecond) {
		t.Errorf("Mean = %v, want ~5.0005ms", m)
	}
}

// exactQuantile is the nearest-rank quantile of sorted samples, in µs.
func exactQuantile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q/100*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

func TestHistogramMatchesExactQuantiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    *metrics.Histogram
		tol  float64
	}{{"fine", metrics.NewHistogram(), 0.002}, {"coarse", metrics.NewCoarseHistogram(), 0.01}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			var samples []float64
			for range 50000 {
				// Log-normal around 1ms: the shape of real pub/sub latency.
				us := math.Round(math.Exp(rng.NormFloat64()*0.8 + math.Log(1000)))
				samples = append(samples, us)
				tc.h.Record(time.Duration(us) * time.Microsecond)
			}
			slices.Sort(samples)
			var sum float64
			for _, s := range samples {
				sum += s
			}
			want := metrics.Percentiles{Count: int64(len(samples)), Min: samples[0], Avg: sum / float64(len(samples)),
				P50: exactQuantile(samples, 50), P95: exactQuantile(samples, 95),
				P99: exactQuantile(samples, 99), Max: samples[len(samples)-1]}
			if d := cmp.Diff(want, tc.h.Summary(), cmpopts.EquateApprox(tc.tol, 1)); d != "" {
				t.Errorf("Summary (-exact +histogram):\n%s", d)
			}
		})
	}
}

func TestHistogramKeepsMicroseconds(t *testing.T) {
	h := metrics.NewHistogram()
	for range 100 {
		h.Record(412*time.Microsecond + 300*time.Nanosecond)
	}
	h.Record(1270 * time.Microsecond)
	s := h.Summary()
	if s.P50 != 412 || s.Min != 412 || s.Max != 1270 {
		t.Errorf("Summary = %+v, want p50 412µs, min 412µs, max 1270µs (no whole-ms rounding)", s)
	}
	if got := metrics.FormatUs(s.P50 + 0.3); got != "412.3µs" {
		t.Errorf("FormatUs(412.3) = %q", got)
	}
	if got := metrics.FormatUs(s.Max); got != "1.27ms" {
		t.Errorf("FormatUs(1270) = %q", got)
	}
}

func TestHistogramClamps(t *testing.T) {
	h := metrics.NewHistogram()
	h.Record(-time.Second)
	h.Record(0)
	h.Record(400 * time.Nanosecond) // rounds to 0µs: clamped
	h.Record(600 * time.Nanosecond) // rounds to 1µs: in range
	h.Record(2 * time.Minute)       // above 60s: clamped
	h.Record(60 * time.Second)      // the top of the range: in range
	if h.Count() != 6 || h.Clamped() != 4 {
		t.Fatalf("Count, Clamped = %d, %d; want 6, 4", h.Count(), h.Clamped())
	}
	if h.Min() != time.Microsecond {
		t.Errorf("Min = %v, want 1µs", h.Min())
	}
	if got := h.Max(); got < 59900*time.Millisecond || got > 60100*time.Millisecond {
		t.Errorf("Max = %v, want ~60s", got)
	}
}

func TestHistogramMergeResetZero(t *testing.T) {
	var zero metrics.Histogram // the zero value is usable
	if zero.Count() != 0 || zero.Summary() != (metrics.Percentiles{}) || zero.Distribution(10) != nil || zero.Quantile(99) != 0 {
		t.Fatal("zero Histogram is not empty")
	}
	all, a, b := metrics.NewHistogram(), &zero, metrics.NewCoarseHistogram()
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 20000 {
		d := time.Duration(1+rng.ExpFloat64()*2000) * time.Microsecond
		all.Record(d)
		if i%2 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	a.Record(-1)
	a.Merge(b)
	a.Merge(nil)
	if a.Count() != 20001 || a.Clamped() != 1 {
		t.Fatalf("merged Count, Clamped = %d, %d; want 20001, 1", a.Count(), a.Clamped())
	}
	if d := cmp.Diff(all.Summary(), a.Summary(), cmpopts.EquateApprox(0.01, 1), cmpopts.IgnoreFields(metrics.Percentiles{}, "Count", "Min")); d != "" {
		t.Errorf("merge of halves differs from whole (-whole +merged):\n%s", d)
	}
	a.Reset()
	if a.Count() != 0 || a.Clamped() != 0 || a.Max() != 0 {
		t.Errorf("after Reset: Count %d Clamped %d Max %v", a.Count(), a.Clamped(), a.Max())
	}
}

func TestHistogramDistribution(t *testing.T) {
	h := metrics.NewHistogram()
	for us := 10; us <= 100000; us += 7 {
		h.Record(time.Duration(us) * time.Microsecond)
	}
	buckets := h.Distribution(20)
	if len(buckets) != 20 {
		t.Fatalf("got %d buckets, want 20", len(buckets))
	}
	var total int64
	for i, b := range buckets {
		total += b.Count
		if i > 0 {
			ratio := b.UpToUs / buckets[i-1].UpToUs
			if math.Abs(ratio-math.Pow(10000, 1.0/20)) > 0.01 {
				t.Errorf("bucket %d: ratio %.4f to the previous bound is not log-spaced", i, ratio)
			}
		}
	}
	if total != h.Count() {
		t.Errorf("buckets hold %d samples, histogram %d", total, h.Count())
	}
	if last := buckets[len(buckets)-1].UpToUs; last != h.Summary().Max {
		t.Errorf("last bound %v, want max %v", last, h.Summary().Max)
	}
	// Log spacing: the first bucket (10µs..15.8µs) holds few samples, the last many.
	if buckets[0].Count >= buckets[19].Count {
		t.Errorf("first bucket %d >= last %d", buckets[0].Count, buckets[19].Count)
	}

	one := metrics.NewHistogram()
	one.Record(5 * time.Millisecond)
	one.Record(5 * time.Millisecond)
	if d := cmp.Diff([]metrics.Bucket{{UpToUs: 5000, Count: 2}}, one.Distribution(10), cmpopts.EquateApprox(0.001, 0)); d != "" {
		t.Errorf("single-value distribution (-want +got):\n%s", d)
	}
}

func TestHistogramEncodeRoundTrip(t *testing.T) {
	fine, coarse, empty := metrics.NewHistogram(), metrics.NewCoarseHistogram(), metrics.NewHistogram()
	rng := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		d := time.Duration(rng.ExpFloat64()*1500) * time.Microsecond
		fine.Record(d)
		coarse.Record(d)
	}
	for name, h := range map[string]*metrics.Histogram{"fine": fine, "coarse": coarse, "empty": empty} {
		s, err := h.Encode()
		if err != nil {
			t.Fatalf("%s: Encode: %v", name, err)
		}
		got, err := metrics.DecodeHistogram(s)
		if err != nil {
			t.Fatalf("%s: DecodeHistogram: %v", name, err)
		}
		if d := cmp.Diff(h.Summary(), got.Summary()); d != "" {
			t.Errorf("%s: round trip (-sent +received):\n%s", name, d)
		}
		t.Logf("%s: %d samples encode to %d bytes", name, h.Count(), len(s))
	}
}

func TestHistogramByteSize(t *testing.T) {
	fine, coarse := metrics.NewHistogram().ByteSize(), metrics.NewCoarseHistogram().ByteSize()
	t.Logf("ByteSize: fine (3 digits) %d B, coarse (2 digits) %d B", fine, coarse)
	if coarse*4 > fine {
		t.Errorf("coarse histogram %d B is not much smaller than fine %d B", coarse, fine)
	}
}

func encodeHDR(t *testing.T, h *hdrhistogram.Histogram) string {
	t.Helper()
	h.RecordValue(1000)
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDecodeHistogramRejectsGarbage(t *testing.T) {
	good, err := func() (string, error) {
		h := metrics.NewHistogram()
		h.Record(time.Millisecond)
		return h.Encode()
	}()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(good)
	flipped := slices.Clone(raw)
	flipped[len(flipped)/2] ^= 0xff
	rng := rand.New(rand.NewPCG(7, 8))
	noise := make([]byte, 200)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	cases := map[string]string{
		"empty":          "",
		"not base64":     "!!!not base64!!!",
		"json":           `{"p99":3}`,
		"short":          base64.StdEncoding.EncodeToString([]byte{0x1c, 0x84}),
		"noise":          base64.StdEncoding.EncodeToString(noise),
		"truncated":      good[:len(good)/2],
		"truncated raw":  base64.StdEncoding.EncodeToString(raw[:len(raw)-6]),
		"flipped byte":   base64.StdEncoding.EncodeToString(flipped),
		"other range":    encodeHDR(t, hdrhistogram.New(1, 3_600_000_000, 3)),
		"five digits":    encodeHDR(t, hdrhistogram.New(1, 60_000_000, 5)),
		"too long":       strings.Repeat("A", 2<<20),
		"valid + suffix": good + "AAAA",
	}
	for name, s := range cases {
		if h, err := metrics.DecodeHistogram(s); err == nil {
			t.Errorf("%s: decoded without error (count %d)", name, h.Count())
		} else if !strings.HasPrefix(err.Error(), "metrics: decode histogram:") {
			t.Errorf("%s: error %q lacks context", name, err)
		}
	}
}

func FuzzDecodeHistogram(f *testing.F) {
	h := metrics.NewHistogram()
	h.Record(time.Millisecond)
	good, _ := h.Encode()
	f.Add(good)
	f.Add("")
	f.Add("HISTFAAAACB4nJNpmSzMwMDAzAABMBrGZ2Kw/w8A")
	f.Fuzz(func(t *testing.T, s string) {
		if h, err := metrics.DecodeHistogram(s); err == nil && h.Count() < 0 {
			t.Errorf("negative count %d", h.Count())
		}
	})
}

func TestHistogramRecordDoesNotAllocate(t *testing.T) {
	h := metrics.NewCoarseHistogram()
	d := 1234 * time.Microsecond
	if n := testing.AllocsPerRun(1000, func() { h.Record(d); d += 7 * time.Microsecond }); n != 0 {
		t.Errorf("Record allocates %.1f times per call", n)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := metrics.NewHistogram()
	rng := rand.New(rand.NewPCG(9, 10))
	samples := make([]time.Duration, 4096)
	for i := range samples {
		samples[i] = time.Duration(rng.ExpFloat64()*2e6) * time.Nanosecond
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		h.Record(samples[i&4095])
	}
}
