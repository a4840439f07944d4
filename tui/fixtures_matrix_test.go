package tui

import (
	"fmt"
	"math"

	"github.com/bridgescope/bridgescope/metrics"
)

// matrixRow is one (from, to) of a fixture's matrix: delivery d of n
// expected in 10 s, judged lvl, with a corrected one-way latency of about
// p50 µs, or raw only when the sender's clock is unknown.
func matrixRow(from, to string, n int64, d float64, lvl metrics.Level, p50 float64, known bool) metrics.MatrixRow {
	got := int64(math.Round(float64(n) * d / 100))
	c := func(k int64) metrics.PairCounts {
		return metrics.PairCounts{Expected: n * k, Received: got * k, Lost: (n - got) * k, DeliveryPct: 100 * float64(got) / float64(n)}
	}
	lat := metrics.PairLatency{Raw10s: metrics.OneWay{Count: n, P50: p50 - 250_000, P95: p50*2 - 250_000, P99: p50*3 - 250_000, Max: p50*4 - 250_000},
		ClockSkewUs: math.NaN(), UncertaintyUs: math.NaN(), Correction: "unknown: sender's clock not estimated (it answers no probe)"}
	if known {
		lat.ClockSkewUs, lat.UncertaintyUs, lat.Correction, lat.Skewed = -250_000, 40, "corrected", true
		lat.Corrected10s = metrics.OneWay{Count: n, P50: p50, P95: p50 * 2, P99: p50 * 3, Max: p50 * 4}
		lat.Corrected1m = lat.Corrected10s
	}
	return metrics.MatrixRow{From: from, To: to, Channel: "bridge:events", PairCounts: c(1), Window1m: c(6), Session: c(90),
		Latency: lat, Status: metrics.Judgement{Level: lvl}}
}

// fixtureMatrix is ten bots hearing each other and a WebSocket host that
// answers no probe (a passive publisher): bot-03 loses a fifth of bot-07's
// events (CRIT), bot-05 some of bot-01's (WARN), bot-09 none of the host's.
func fixtureMatrix() metrics.Snapshot {
	s := fixture3()
	s.Instances = nil
	var ids []string
	for i := 1; i <= 10; i++ {
		ids = append(ids, fmt.Sprintf("bot-%02d", i))
	}
	for _, id := range ids {
		in := instance(id, metrics.OK, 100, 400, 1300)
		in.OneWay = metrics.OneWayWindows{W10s: metrics.OneWay{Count: 450, P50: -249_500, P95: -249_000, P99: -248_800, Max: -248_000}}
		in.OneWay.Session = in.OneWay.W10s
		corr := metrics.OneWay{Count: 450, P50: 500, P95: 1000, P99: 1200, Max: 2000}
		in.OneWayCorrected = metrics.OneWayWindows{W10s: corr, W1m: corr}
		in.OneWayCorrection, in.OneWayUncertaintyUs, in.OneWaySkewed = "corrected", 40, true
		s.Instances = append(s.Instances, in)
	}
	for _, from := range append([]string{"ws-host"}, ids...) {
		for _, to := range ids {
			if from == to {
				continue
			}
			d, lvl := 100.0, metrics.OK
			switch {
			case from == "bot-07" && to == "bot-03":
				d, lvl = 80, metrics.Crit
			case from == "bot-01" && to == "bot-05":
				d, lvl = 94, metrics.Warn
			case from == "ws-host" && to == "bot-09":
				d, lvl = 0, metrics.Crit
			}
			s.Matrix = append(s.Matrix, matrixRow(from, to, 50, d, lvl, 450, from != "ws-host"))
		}
	}
	return s
}

// fixtureMatrix50 is fifty bots: the grid shows a corner, the worst pairs
// are the way in.
func fixtureMatrix50() metrics.Snapshot {
	s := fixture50()
	for i := range 50 {
		for j := range 50 {
			if i == j {
				continue
			}
			from, to := fmt.Sprintf("bot-%02d", i), fmt.Sprintf("bot-%02d", j)
			d, lvl := 100.0, metrics.OK
			if (i*7+j)%97 == 3 {
				d, lvl = 88+float64(i%5), metrics.Crit
			}
			s.Matrix = append(s.Matrix, matrixRow(from, to, 20, d, lvl, 300+float64(i*j%400), true))
		}
	}
	return s
}
