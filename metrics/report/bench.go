package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
)

// BenchReport is the result of RunBench. The text and JSON reporters both
// render this one value.
type BenchReport struct {
	Redis        string `json:"redis"`
	RedisVersion string `json:"redisVersion,omitempty"`
	Instances    int    `json:"instances"`
	DurationMs   int64  `json:"durationMs"` // per lane and rate
	CPUs         int    `json:"cpus"`
	GoVersion    string `json:"goVersion"`
	// PayloadBytes is the length of every message in both lanes: the
	// bridge's envelope, and the bare lane's header padded to it.
	PayloadBytes int               `json:"payloadBytes"`
	Rates        []BenchRateResult `json:"rates"`
}

// BenchRateResult compares the two lanes at one rate.
type BenchRateResult struct {
	Rate   string     `json:"rate"` // events per second, or "max"
	Bare   BenchLane  `json:"bare"`
	Bridge BenchLane  `json:"bridge"`
	Ratio  BenchRatio `json:"ratio"`
	// Observer is the observer lane (bench --observer), nil without it.
	Observer *BenchObserver `json:"observer,omitempty"`
}

// BenchObserver is the observer lane at one rate: a bare publisher, one bare
// go-redis subscriber and the observer on one channel, each subscriber in a
// process of its own. Ratio.CPU is the observer's CPU per event divided by
// the bare subscriber's; OmemMaxBytes is the largest output buffer Redis
// held for the observer's subscription (CLIENT LIST, every 100 ms).
type BenchObserver struct {
	Ratio        BenchObserverRatio `json:"ratio"`
	Published    int64              `json:"published"`
	Counted      int64              `json:"counted"`     // events the observer counted
	BareCounted  int64              `json:"bareCounted"` // messages the bare subscriber counted
	EventsPerSec float64            `json:"eventsPerSec"`
	// CPUSecPer100k is each subscriber's own CPU (getrusage in its process).
	ObserverCPUSecPer100k float64 `json:"observerCpuSecPer100k"`
	BareCPUSecPer100k     float64 `json:"bareCpuSecPer100k"`
	OmemMaxBytes          int64   `json:"omemMaxBytes"`
	BareOmemMaxBytes      int64   `json:"bareOmemMaxBytes"`
}

// BenchObserverRatio is the observer divided by the bare subscriber.
type BenchObserverRatio struct {
	CPU float64 `json:"cpu"`
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
// CPU compares CPU seconds per delivery.
type BenchRatio struct {
	Throughput float64 `json:"throughput"`
	P50        float64 `json:"p50"`
	P99        float64 `json:"p99"`
	CPU        float64 `json:"cpu"`
}

// BenchJSON renders r as exactly one indented JSON object.
func BenchJSON(r BenchReport) Reporter { return JSON(r) }

// BenchText renders r as a table: per rate a bare row, a bridge row and
// the ratios bridge/bare.
func BenchText(r BenchReport) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		fmt.Fprintf(&b, "bridgescope bench: %d instances, %s per lane and rate (bare, bridge, bridge, bare), %d-byte messages in both, %s\n",
			r.Instances, msDuration(r.DurationMs), r.PayloadBytes, benchMachine(r))
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
			fmt.Fprintf(tw, "%s\tbridge/bare\t%.2f×\t%.2f×\t%.2f×\t\t%.2f×\t\t\n", rr.Rate, rr.Ratio.Throughput, rr.Ratio.P50, rr.Ratio.P99, rr.Ratio.CPU)
		}
		_ = tw.Flush() // into a buffer: cannot fail
		benchObserverText(&b, r.Rates)
		return write(w, "bench text", TrimLines(b.Bytes()))
	}
}

// benchObserverText adds the observer lane's table when it ran.
func benchObserverText(b *bytes.Buffer, rates []BenchRateResult) {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	head := false
	for _, rr := range rates {
		o := rr.Observer
		if o == nil {
			continue
		}
		if !head {
			b.WriteString("\nobserver lane: a bare publisher, a bare go-redis subscriber and the observer (own processes) on one channel\n")
			fmt.Fprintln(tw, "RATE\tEVENTS/S\tPUBLISHED\tCOUNTED\tBARE COUNTED\tCPU s/100k OBS\tCPU s/100k BARE\tOBS/BARE CPU\tOMEM MAX OBS\tOMEM MAX BARE")
			head = true
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%d\t%d\t%d\t%.3f\t%.3f\t%.2f×\t%s\t%s\n", rr.Rate, o.EventsPerSec, o.Published, o.Counted,
			o.BareCounted, o.ObserverCPUSecPer100k, o.BareCPUSecPer100k, o.Ratio.CPU, fmtBytes(o.OmemMaxBytes),
			fmtBytes(o.BareOmemMaxBytes))
	}
	_ = tw.Flush() // into a buffer: cannot fail
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

// SoakSample is one reading of a soak run.
type SoakSample struct {
	Elapsed   time.Duration `json:"elapsedNs"`
	Mem       MemUsage      `json:"mem"`
	Published int64         `json:"published"`
	Observed  int64         `json:"observed"`  // events the observer counted
	Instances int           `json:"instances"` // cooperating instances it sees
}

// SoakResult is a whole soak run: the samples, the largest RSS and its
// change from the first sample to the last.
type SoakResult struct {
	Samples   []SoakSample `json:"samples"`
	MaxRSS    uint64       `json:"maxRssBytes"`
	GrowthRSS int64        `json:"growthRssBytes"`
}

// MemUsage is a sample of this process's memory and goroutines.
type MemUsage struct {
	// RSS is the resident set size from /proc/self/statm, or where that
	// is missing the memory the Go runtime has mapped.
	RSS        uint64 `json:"rssBytes"`
	HeapInUse  uint64 `json:"heapInUseBytes"`
	Goroutines int    `json:"goroutines"`
}

// SoakLine renders one sample as a line.
func SoakLine(s SoakSample) Reporter {
	return func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "soak %6s  rss %6.1f MiB  heap %6.1f MiB  goroutines %4d  published %d  observed %d  instances %d\n",
			s.Elapsed.Round(time.Second), mib(s.Mem.RSS), mib(s.Mem.HeapInUse), s.Mem.Goroutines,
			s.Published, s.Observed, s.Instances)
		if err != nil {
			return fmt.Errorf("report: write soak line: %w", err)
		}
		return nil
	}
}

// SoakSummary renders the run's closing line.
func SoakSummary(r SoakResult) Reporter {
	return func(w io.Writer) error {
		if len(r.Samples) == 0 {
			return errors.New("report: soak: no samples were taken")
		}
		_, err := fmt.Fprintf(w, "soak done: max rss %.1f MiB, rss change from the first sample %+.1f MiB\n",
			mib(r.MaxRSS), float64(r.GrowthRSS)/(1<<20))
		if err != nil {
			return fmt.Errorf("report: write soak summary: %w", err)
		}
		return nil
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
