package bench

import (
	"math"
	"strings"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

func laneResult(s segment, lat *metrics.Histogram) report.BenchLane {
	l := report.BenchLane{Delivered: s.delivered, Expected: s.expected, DeliveryRate: 100, Seconds: s.elapsed.Seconds()}
	if s.expected > 0 {
		l.DeliveryRate = 100 * float64(s.delivered) / float64(s.expected)
	}
	if s.elapsed > 0 {
		l.DeliveriesPerSec = float64(s.delivered) / s.elapsed.Seconds()
	}
	if s.delivered > 0 {
		l.CPUSecPer100k = s.usage.cpu.Seconds() * 1e5 / float64(s.delivered)
		l.AllocsPerDelivery = float64(s.usage.allocs) / float64(s.delivered)
	}
	p := lat.Summary()
	l.P50Us, l.P99Us, l.MaxUs = p.P50, p.P99, p.Max
	return l
}

func ratios(bare, br report.BenchLane) report.BenchRatio {
	return report.BenchRatio{Throughput: ratio(br.DeliveriesPerSec, bare.DeliveriesPerSec),
		P50: ratio(br.P50Us, bare.P50Us), P99: ratio(br.P99Us, bare.P99Us), CPU: ratio(br.CPUSecPer100k, bare.CPUSecPer100k)}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(a/b*1000) / 1000
}

// infoField returns the value of key in an INFO reply, or "".
func infoField(info, key string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), key+":"); ok {
			return v
		}
	}
	return ""
}
