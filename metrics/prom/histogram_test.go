package prom

import (
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/bridgescope/bridgescope/metrics"
)

// histFixture is a snapshot whose distributions come from real HDR
// histograms fed log-normal samples around 1 ms.
func histFixture(t *testing.T) (metrics.Snapshot, *metrics.Histogram) {
	t.Helper()
	h, oneWay := metrics.NewHistogram(), metrics.NewCoarseHistogram()
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		d := time.Duration(math.Exp(rng.NormFloat64()+math.Log(1000))) * time.Microsecond
		h.Record(d)
		oneWay.Record(d / 2)
	}
	s := fixture()
	s.Instances[0].RTT, s.Instances[0].LatencyDist = h.Summary(), h.LatencyDist()
	s.Instances[2].LatencyDist = (*metrics.Histogram)(nil).LatencyDist()
	s.Sources[0].OneWayDist = oneWay.LatencyDist()
	s.Baseline = &metrics.BaselineRow{LatencyDist: h.LatencyDist()}
	s.Transitions = []metrics.TransitionCount{
		{Rule: "delivery", Instance: "lossy", To: metrics.Warn, Count: 3},
		{Rule: "delivery", Instance: "lossy", To: metrics.OK, Count: 2},
		{Rule: "redis_disconnected", To: metrics.Crit, Count: 1},
	}
	return s, h
}

// TestSnapshotHistogramsText: the classic buckets, count and sum match
// the HDR histogram, and agree with the summary beside them.
func TestSnapshotHistogramsText(t *testing.T) {
	s, h := histFixture(t)
	_, fams := scrape(t, NewSnapshotCollector(func() metrics.Snapshot { return s }))
	checkType(t, fams, "bridgescope_instance_round_trip_seconds", dto.MetricType_HISTOGRAM)
	got := find(fams, "bridgescope_instance_round_trip_seconds", map[string]string{InstanceLabel: "good"})
	if len(got) != 1 {
		t.Fatalf("good rtt histogram: %v", got)
	}
	hist := got[0].GetHistogram()
	want := h.LatencyDist()
	if hist.GetSampleCount() != uint64(h.Count()) || math.Abs(hist.GetSampleSum()-want.SumUs/1e6) > 1e-9 {
		t.Errorf("count %d sum %v, want %d and %v", hist.GetSampleCount(), hist.GetSampleSum(), h.Count(), want.SumUs/1e6)
	}
	sum := find(fams, "bridgescope_instance_rtt_seconds", map[string]string{InstanceLabel: "good"})[0].GetSummary()
	if sum.GetSampleCount() != hist.GetSampleCount() {
		t.Errorf("summary count %d, histogram count %d", sum.GetSampleCount(), hist.GetSampleCount())
	}
	// The text parser adds the +Inf bucket.
	if n := len(hist.Bucket); n != len(want.Buckets)+1 || !math.IsInf(hist.Bucket[n-1].GetUpperBound(), 1) ||
		hist.Bucket[n-1].GetCumulativeCount() != uint64(h.Count()) {
		t.Fatalf("buckets %v, want %d and +Inf with every sample", hist.Bucket, len(want.Buckets))
	}
	for i, b := range hist.Bucket[:len(want.Buckets)] {
		if b.GetUpperBound() != want.Buckets[i].LeUs/1e6 || b.GetCumulativeCount() != uint64(want.Buckets[i].Count) {
			t.Errorf("bucket %d: le %v count %d, want %v and %d", i, b.GetUpperBound(), b.GetCumulativeCount(),
				want.Buckets[i].LeUs/1e6, want.Buckets[i].Count)
		}
	}
	if b := hist.Bucket; b[0].GetUpperBound() != 100e-6 || b[len(b)-2].GetUpperBound() != 10 {
		t.Errorf("bounds %v..%v, want 100µs..10s", b[0].GetUpperBound(), b[len(b)-1].GetUpperBound())
	}
	fresh := find(fams, "bridgescope_instance_round_trip_seconds", map[string]string{InstanceLabel: "fresh"})
	if len(fresh) != 1 || fresh[0].GetHistogram().GetSampleCount() != 0 {
		t.Errorf("fresh: %v, want a histogram with count 0", fresh)
	}
	for _, name := range []string{"bridgescope_baseline_round_trip_seconds", "bridgescope_source_one_way_seconds"} {
		if ms := find(fams, name, nil); len(ms) != 1 || ms[0].GetHistogram().GetSampleCount() != 20000 {
			t.Errorf("%s: %v, want one histogram of 20000 samples (a source without one-way samples has none)", name, ms)
		}
	}
	for _, c := range []struct {
		rule, instance, level string
		want                  float64
	}{{"delivery", "lossy", "warn", 3}, {"delivery", "lossy", "ok", 2}, {"redis_disconnected", "", "crit", 1}} {
		l := map[string]string{"rule": c.rule, InstanceLabel: c.instance, "level": c.level}
		if v := value(t, fams, "bridgescope_alert_transitions_total", l); v != c.want {
			t.Errorf("transitions%v = %v, want %v", l, v, c.want)
		}
	}
	checkType(t, fams, "bridgescope_alert_transitions_total", dto.MetricType_COUNTER)
}

// TestSnapshotHistogramsNative scrapes in protobuf, as a Prometheus with
// native histograms does, and decodes the spans back to the HDR buckets.
func TestSnapshotHistogramsNative(t *testing.T) {
	s, h := histFixture(t)
	hd, err := Handler(NewSnapshotCollector(func() metrics.Snapshot { return s }))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeProtoDelim)))
	rec := httptest.NewRecorder()
	hd.ServeHTTP(rec, req)
	dec := expfmt.NewDecoder(rec.Body, expfmt.ResponseFormat(rec.Header()))
	var hist *dto.Histogram
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			break
		}
		if mf.GetName() == "bridgescope_instance_round_trip_seconds" {
			for _, m := range mf.Metric {
				if m.Label[0].GetValue() == "good" {
					hist = m.Histogram
				}
			}
		}
	}
	if hist == nil {
		t.Fatalf("no native histogram in the protobuf scrape (%s)", rec.Header().Get("Content-Type"))
	}
	if hist.GetSchema() != metrics.ExpSchema || hist.GetZeroThreshold() <= 0 || len(hist.Bucket) != 16 {
		t.Errorf("schema %d zero threshold %v, %d classic buckets; want %d, > 0, 16", hist.GetSchema(), hist.GetZeroThreshold(),
			len(hist.Bucket), metrics.ExpSchema)
	}
	var decoded []metrics.ExpBucket
	idx, count := 0, int64(0)
	deltas := hist.PositiveDelta
	for _, sp := range hist.PositiveSpan {
		idx += int(sp.GetOffset())
		for range sp.GetLength() {
			count += deltas[0]
			deltas = deltas[1:]
			if count != 0 {
				decoded = append(decoded, metrics.ExpBucket{Index: idx, Count: count})
			}
			idx++
		}
	}
	if d := cmp.Diff(h.LatencyDist().Exp, decoded); d != "" {
		t.Errorf("native buckets (-HDR +scraped):\n%s", d)
	}
}

func TestNativeSpans(t *testing.T) {
	spans, deltas := nativeSpans([]metrics.ExpBucket{{Index: -3, Count: 2}, {Index: -1, Count: 5}, {Index: 4, Count: 1}})
	type span struct{ off, n int }
	var got []span
	for _, s := range spans {
		got = append(got, span{int(s.GetOffset()), int(s.GetLength())})
	}
	// -3..-1 is one span with an empty bucket; 4 is 4 buckets past the
	// next expected index 0, past maxSpanGap: a new span.
	if d := cmp.Diff([]span{{-3, 3}, {4, 1}}, got, cmp.AllowUnexported(span{})); d != "" {
		t.Errorf("spans (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int64{2, -2, 5, -4}, deltas); d != "" {
		t.Errorf("deltas (-want +got):\n%s", d)
	}
}

func TestWriteTextCheck(t *testing.T) {
	s, _ := histFixture(t)
	var b strings.Builder
	err := WriteText(&b, NewSnapshotCollector(func() metrics.Snapshot { return s }),
		NewCheckCollector(CheckResult{Code: 2, Answered: 2, Expected: 3, Duration: 2500 * time.Millisecond, At: time.Unix(1700000000, 0)}))
	if err != nil {
		t.Fatal(err)
	}
	fams := parse(t, b.String())
	for name, want := range map[string]float64{"bridgescope_check_status": 2, "bridgescope_check_instances_answered": 2,
		"bridgescope_check_instances_expected": 3, "bridgescope_check_duration_seconds": 2.5, "bridgescope_check_timestamp_seconds": 1.7e9} {
		if got := value(t, fams, name, nil); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if len(find(fams, "bridgescope_instance_round_trip_seconds", nil)) != 3 {
		t.Errorf("the snapshot's metrics are not beside the verdict:\n%s", b.String())
	}
	problems, err := testutil.CollectAndLint(NewCheckCollector(CheckResult{}))
	if err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}
