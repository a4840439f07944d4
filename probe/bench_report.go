package probe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/bridgescope/bridgescope/metrics"
)

// BenchReport is the result of RunBench. The text and JSON reporters both
// render this one value.
type BenchReport struct {
	Redis        string            `json:"redis"`
	RedisVersion string            `json:"redisVersion,omitempty"`
	Instances    int               `json:"instances"`
	DurationMs   int64             `json:"durationMs"` // per lane and rate
	CPUs         int               `json:"cpus"`
	GoVersion    string            `json:"goVersion"`
	Rates        []BenchRateResult `json:"rates"`
}

// BenchRateResult compares the two lanes at one rate.
type BenchRateResult struct {
	Rate   string     `json:"rate"` // events per second, or "max"
	Bare   BenchLane  `json:"bare"`
	Bridge BenchLane  `json:"bridge"`
	Ratio  BenchRatio `json:"ratio"`
}

// BenchLane is what one lane measured at one rate. CPU and allocations are
// this whole process's, over the lane's segments.
type BenchLane struct {
	DeliveriesPerSec  float64 `json:"deliveriesPerSec"`
	P50Us             float64 `json:"p50Us"`
	P99Us             float64 `json:"p99Us"`
	MaxUs             float64 `json:"maxUs"`
	CPUSecPer100k     float64 `json:"cpuSecPer100k"`
	AllocsPerDelivery float64 `json:"allocsPerDelivery"`
	Delivered         int64   `json:"delivered"`
	Expected          int64   `json:"expected"`
	DeliveryRate      float64 `json:"deliveryRate"` // percent of Expected
	Seconds           float64 `json:"seconds"`
}

// BenchRatio is bridge divided by bare (0 where bare measured nothing).
type BenchRatio struct {
	Throughput float64 `json:"throughput"`
	P50        float64 `json:"p50"`
	P99        float64 `json:"p99"`
}

func laneResult(s segment, lat *metrics.Histogram) BenchLane {
	l := BenchLane{Delivered: s.delivered, Expected: s.expected, DeliveryRate: 100, Seconds: s.elapsed.Seconds()}
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

func ratios(bare, br BenchLane) BenchRatio {
	return BenchRatio{Throughput: ratio(br.DeliveriesPerSec, bare.DeliveriesPerSec),
		P50: ratio(br.P50Us, bare.P50Us), P99: ratio(br.P99Us, bare.P99Us)}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(a/b*1000) / 1000
}

// BenchJSON renders r as exactly one indented JSON object.
func BenchJSON(r BenchReport) metrics.Reporter {
	return func(w io.Writer) error {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return fmt.Errorf("probe: encode bench json: %w", err)
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("probe: write bench json: %w", err)
		}
		return nil
	}
}

// BenchText renders r as a table: per rate a bare row, a bridge row and
// the ratios bridge/bare.
func BenchText(r BenchReport) metrics.Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		fmt.Fprintf(&b, "bridgescope bench: %d instances, %s per lane and rate (bare, bridge, bridge, bare), %s\n",
			r.Instances, msDuration(r.DurationMs), benchMachine(r))
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "RATE\tLANE\tDELIVERIES/S\tP50\tP99\tMAX\tCPU s/100k\tALLOCS/DELIV\tDELIVERED")
		for _, rr := range r.Rates {
			for _, l := range []struct {
				name string
				v    BenchLane
			}{{"bare", rr.Bare}, {"bridge", rr.Bridge}} {
				fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%s\t%.3f\t%.1f\t%s\n", rr.Rate, l.name, l.v.DeliveriesPerSec,
					metrics.FormatUs(l.v.P50Us), metrics.FormatUs(l.v.P99Us), metrics.FormatUs(l.v.MaxUs),
					l.v.CPUSecPer100k, l.v.AllocsPerDelivery, delivered(l.v))
			}
			// As many cells as the lane rows: a shorter row would end the columns.
			fmt.Fprintf(tw, "%s\tbridge/bare\t%.2f×\t%.2f×\t%.2f×\t\t\t\t\n", rr.Rate, rr.Ratio.Throughput, rr.Ratio.P50, rr.Ratio.P99)
		}
		_ = tw.Flush() // into a buffer: cannot fail
		if _, err := w.Write(trimLines(b.Bytes())); err != nil {
			return fmt.Errorf("probe: write bench text: %w", err)
		}
		return nil
	}
}

// trimLines drops the padding tabwriter leaves at the end of short rows.
func trimLines(b []byte) []byte {
	lines := bytes.Split(b, []byte("\n"))
	for i, l := range lines {
		lines[i] = bytes.TrimRight(l, " ")
	}
	return bytes.Join(lines, []byte("\n"))
}

func delivered(l BenchLane) string {
	if l.Delivered == l.Expected {
		return "100%"
	}
	return fmt.Sprintf("%s (%d lost)", metrics.FormatPercent(l.DeliveryRate), l.Expected-l.Delivered)
}

func benchMachine(r BenchReport) string {
	parts := []string{r.Redis}
	if r.RedisVersion != "" {
		parts = append(parts, "Redis "+r.RedisVersion)
	}
	return strings.Join(append(parts, fmt.Sprintf("%d CPUs", r.CPUs), r.GoVersion), ", ")
}

func msDuration(ms int64) string {
	return fmt.Sprintf("%gs", float64(ms)/1000)
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

// latency merges every receiver's latencies; call it once the bridges are closed.
func (h *harness) latency() *metrics.Histogram {
	all := metrics.NewHistogram()
	for _, r := range h.recv {
		all.Merge(r.lat)
	}
	return all
}
