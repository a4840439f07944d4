package record

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
)

// synth makes a session of snapshots of n instances at the observer's
// refresh (250 ms), moving as a live one does: every figure of the 10 s
// window changes each refresh, acks and stats make lastSeen move, the
// per-second charts shift once a second, a slow and a lossy instance
// change level now and then.
type synth struct {
	n     int
	rng   *rand.Rand
	start time.Time
	i     int
	rows  []metrics.InstanceRow
	hist  []metrics.AlertChange
	chart metrics.Series
}

// refresh is the observer's default snapshot interval.
const refresh = 250 * time.Millisecond

func newSynth(n int) *synth {
	s := &synth{n: n, rng: rand.New(rand.NewPCG(7, uint64(n))), start: time.Date(2026, 3, 4, 3, 0, 0, 0, time.UTC)}
	for k := range n {
		r := metrics.InstanceRow{ID: fmt.Sprintf("bot-%02d", k), Boot: fmt.Sprintf("%08x", s.rng.Uint32()), Role: "bot",
			Delivery: 100, Delivery10s: 100, Delivery1m: 100, CountingSince: s.start, ClockOffsetUs: math.NaN(),
			Rules: map[string]metrics.Judgement{"delivery": {}, "p99": {}, "silent": {}, "errors": {}, "self_received": {}, "collision": {}}}
		for b := range 16 {
			r.Dist = append(r.Dist, metrics.Bucket{UpToUs: float64(int(250) << b), Count: 0})
		}
		r.Chart = metrics.Series{P50: nanSeries(60), P99: nanSeries(60)}
		s.rows = append(s.rows, r)
	}
	s.chart = metrics.Series{P50: nanSeries(60), P99: nanSeries(60)}
	return s
}

func nanSeries(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}

// hdr rounds v to what an HDR histogram with 3 significant digits reports.
func hdr(v float64) float64 {
	if v < 1024 {
		return math.Round(v)
	}
	e := math.Pow(2, math.Floor(math.Log2(v))-10)
	return math.Floor(v/e)*e + e - 1
}

func (s *synth) next() metrics.Snapshot {
	at := s.start.Add(time.Duration(s.i) * refresh)
	newSecond := s.i%4 == 0
	s.i++
	for k := range s.rows {
		r := &s.rows[k]
		base := 700.0
		if k == 1 && (s.i/240)%2 == 1 {
			base = 60000 // slow phases
		}
		probes := 2 + s.rng.IntN(2)
		r.ProbesSent += int64(probes)
		acked := probes
		if k == 3 && (s.i/180)%3 == 1 && s.rng.IntN(10) == 0 {
			acked--
			r.Lost++
			r.Lost10s++
		}
		r.Acked += int64(acked)
		r.Delivery = 100 * float64(r.Acked) / float64(r.ProbesSent)
		if r.Lost10s > 0 {
			r.Delivery10s = 100 - float64(r.Lost10s)
			if s.rng.IntN(40) == 0 {
				r.Lost10s--
			}
		}
		for range acked {
			v := base * (0.5 + s.rng.ExpFloat64())
			r.RTT.Count++
			r.RTT.Avg += (v - r.RTT.Avg) / float64(r.RTT.Count)
			r.RTT10s.Count = min(r.RTT10s.Count+1, 100)
			r.RTT10s.Avg += (v - r.RTT10s.Avg) / float64(r.RTT10s.Count)
			r.Dist[min(15, int(math.Log2(max(v/250, 1))))].Count++
		}
		r.RTT10s.P50, r.RTT10s.P95 = hdr(base*(1+s.rng.Float64()*0.1)), hdr(base*3*(1+s.rng.Float64()*0.1))
		r.RTT10s.P99, r.RTT10s.Max = hdr(base*4.6*(1+s.rng.Float64()*0.2)), hdr(base*8)
		r.RTT10s.Min = hdr(base * 0.5)
		r.RTT.P50, r.RTT.P99, r.RTT.P95, r.RTT.Max = hdr(base), hdr(base*4.6), hdr(base*3), hdr(base*9)
		r.ClockOffsetUs = 300 + s.rng.Float64()*20
		r.LastSeen = at.Add(-time.Duration(s.rng.IntN(250)) * time.Millisecond)
		r.LastSeenMs = at.Sub(r.LastSeen).Milliseconds()
		if newSecond {
			r.Chart.P50 = append(r.Chart.P50[1:], r.RTT10s.P50)
			r.Chart.P99 = append(r.Chart.P99[1:], r.RTT10s.P99)
		}
		lvl := metrics.OK
		if base > 50000 {
			lvl = metrics.Warn
		}
		if lvl != r.State {
			c := metrics.AlertChange{At: at, Rule: "p99", Instance: r.ID, From: r.State, To: lvl, Value: r.RTT10s.P99 / 1000}
			s.hist = append([]metrics.AlertChange{c}, s.hist...)
			r.Recent = append([]metrics.AlertChange{c}, r.Recent...)
			if len(s.hist) > 50 {
				s.hist = s.hist[:50]
			}
			if len(r.Recent) > 10 {
				r.Recent = r.Recent[:10]
			}
			r.State, r.Status = lvl, metrics.Judgement{Level: lvl}
			r.Rules["p99"] = metrics.Judgement{Level: lvl}
		}
	}
	if newSecond {
		s.chart.P50 = append(s.chart.P50[1:], s.rows[0].RTT10s.P50)
		s.chart.P99 = append(s.chart.P99[1:], s.rows[1].RTT10s.P99)
	}
	return s.snapshot(at)
}

// snapshot copies the synthetic state out, as the registry hands out a
// value that shares nothing.
func (s *synth) snapshot(at time.Time) metrics.Snapshot {
	rows := make([]metrics.InstanceRow, len(s.rows))
	var alerts []metrics.Alert
	for k, r := range s.rows {
		r.Dist = append([]metrics.Bucket(nil), r.Dist...)
		r.Chart = metrics.Series{P50: append([]float64(nil), r.Chart.P50...), P99: append([]float64(nil), r.Chart.P99...)}
		r.Recent = append([]metrics.AlertChange(nil), r.Recent...)
		rules := map[string]metrics.Judgement{}
		for n, j := range r.Rules {
			rules[n] = j
		}
		r.Rules = rules
		rows[k] = r
		if r.State > metrics.OK {
			alerts = append(alerts, metrics.Alert{Rule: "p99", Instance: r.ID, Level: r.State, Since: at.Add(-time.Minute),
				Value: r.RTT10s.P99 / 1000, Message: fmt.Sprintf("p99 %.1fms", r.RTT10s.P99/1000), Condition: "> 100ms"})
		}
	}
	return metrics.Snapshot{At: at, Started: s.start, Observer: "bridgescope-synth", Redis: "redis://:xxxxx@10.0.0.1:6379",
		Transport: "pubsub", Conn: "connected", ConnSince: s.start, Control: "unsigned", ProbeRate: 10,
		ProbeChannels: []string{"bridge:events"}, Channels: []string{"bridge:events"},
		Instances: rows, Alerts: alerts, History: append([]metrics.AlertChange(nil), s.hist...),
		Chart:      metrics.Series{P50: append([]float64(nil), s.chart.P50...), P99: append([]float64(nil), s.chart.P99...)},
		Thresholds: metrics.DefaultThresholds(), Info: []string{"output-buffer warnings off: CLIENT LIST refused"},
		Tables: metrics.TableStats{Instances: metrics.TableStat{Rows: s.n, Cap: 1024, Proven: s.n}}}
}
