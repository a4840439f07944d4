package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// syncBuffer is a bytes.Buffer safe for concurrent log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestBenchRunsBothLanes(t *testing.T) {
	s := bridgetest.Start(t)
	var log syncBuffer
	rep, err := Run(context.Background(), Config{Conn: bridge.ConnConfig{URL: s.URL()}, Instances: 3,
		Duration: time.Second, Rates: []float64{400, 0}, InFlight: 64, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rates) != 2 || rep.Rates[0].Rate != "400" || rep.Rates[1].Rate != "max" {
		t.Fatalf("rates %+v, want 400 and max", rep.Rates)
	}
	for _, rr := range rep.Rates {
		for name, l := range map[string]report.BenchLane{"bare": rr.Bare, "bridge": rr.Bridge} {
			if l.Delivered == 0 || l.Delivered != l.Expected || l.DeliveryRate != 100 {
				t.Errorf("rate %s, %s: delivered %d of %d", rr.Rate, name, l.Delivered, l.Expected)
			}
			if l.DeliveriesPerSec <= 0 || l.P50Us <= 0 || l.P99Us < l.P50Us || l.MaxUs < l.P99Us || l.CPUSecPer100k <= 0 || l.AllocsPerDelivery <= 0 {
				t.Errorf("rate %s, %s: implausible %+v", rr.Rate, name, l)
			}
		}
		if rr.Ratio.Throughput <= 0 || rr.Ratio.P50 <= 0 || rr.Ratio.P99 <= 0 || rr.Ratio.CPU <= 0 {
			t.Errorf("rate %s: ratios %+v, want all positive", rr.Rate, rr.Ratio)
		}
	}
	// 400 events/s for 1 s per lane, 2 other instances each.
	if got := rep.Rates[0].Bridge.Delivered; got != 800 {
		t.Errorf("bridge lane at 400/s delivered %d, want 800", got)
	}
	if got := rep.Rates[0].Bare.Delivered; got != 800 {
		t.Errorf("bare lane at 400/s delivered %d, want 800", got)
	}
	if rep.Rates[1].Bare.DeliveriesPerSec <= rep.Rates[0].Bare.DeliveriesPerSec {
		t.Errorf("max delivered %.0f/s, no more than the paced 400/s (%.0f/s)", rep.Rates[1].Bare.DeliveriesPerSec, rep.Rates[0].Bare.DeliveriesPerSec)
	}
	// The bare lane's messages are as long as the bridge's envelopes (about
	// 150 bytes), not its 14-byte header alone.
	if rep.PayloadBytes < 100 || rep.PayloadBytes > 300 {
		t.Errorf("payloadBytes %d, want the bridge envelope's length (100..300)", rep.PayloadBytes)
	}
	if n := strings.Count(log.String(), "lane:"); n != 8 {
		t.Errorf("logged %d segments, want 2 rates × 4:\n%s", n, log.String())
	}
	checkBenchReporters(t, rep)
}

func checkBenchReporters(t *testing.T, rep report.BenchReport) {
	t.Helper()
	var text, js bytes.Buffer
	if err := report.BenchText(rep)(&text); err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, line := range strings.Split(text.String(), "\n") {
		if f := strings.Fields(line); len(f) >= 5 {
			rows[f[0]+" "+f[1]] = true
		}
	}
	for _, want := range []string{"RATE LANE", "400 bare", "400 bridge", "400 bridge/bare", "max bare", "max bridge", "max bridge/bare"} {
		if !rows[want] {
			t.Errorf("text lacks the row %q:\n%s", want, text.String())
		}
	}
	if err := report.BenchJSON(rep)(&js); err != nil {
		t.Fatal(err)
	}
	var back report.BenchReport
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Rates) != len(rep.Rates) || back.Rates[0].Bridge.P99Us != rep.Rates[0].Bridge.P99Us {
		t.Errorf("JSON does not round-trip (%v):\n%s", err, js.String())
	}
}

func TestBenchConfigErrors(t *testing.T) {
	for name, cfg := range map[string]Config{
		"one instance":  {Instances: 1, Duration: time.Second, Rates: []float64{1}},
		"no duration":   {Instances: 2, Rates: []float64{1}},
		"no rates":      {Instances: 2, Duration: time.Second},
		"negative rate": {Instances: 2, Duration: time.Second, Rates: []float64{-1}},
	} {
		if _, err := Run(context.Background(), cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSoakSamplesMemory(t *testing.T) {
	s := bridgetest.Start(t)
	var mu sync.Mutex
	var seen []report.SoakSample
	res, err := RunSoak(context.Background(), SoakConfig{Conn: bridge.ConnConfig{URL: s.URL()}, Instances: 3, Rate: 200,
		Duration: 2500 * time.Millisecond, Every: time.Second, Channel: "soak:events",
		Sample: func(x report.SoakSample) { mu.Lock(); seen = append(seen, x); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	// Samples at 1 s and 2 s, and one at the end.
	if len(res.Samples) != 3 || len(seen) != 3 {
		t.Fatalf("%d samples (%d passed to Sample), want 3", len(res.Samples), len(seen))
	}
	last := res.Samples[2]
	if last.Mem.RSS == 0 || last.Mem.Goroutines == 0 || last.Published != 500 || last.Observed != 500 {
		t.Errorf("last sample %+v; want RSS, goroutines, 500 published and observed", last)
	}
	if last.Instances != 3 {
		t.Errorf("the observer saw %d cooperating instances, want 3", last.Instances)
	}
	if res.MaxRSS < last.Mem.RSS {
		t.Errorf("max RSS %d below the last sample's %d", res.MaxRSS, last.Mem.RSS)
	}
	var out bytes.Buffer
	if err := report.SoakLine(last)(&out); err != nil || !strings.Contains(out.String(), "goroutines") {
		t.Errorf("report.SoakLine = %q, %v", out.String(), err)
	}
	if _, err := RunSoak(context.Background(), SoakConfig{Instances: 0, Rate: 1, Duration: time.Second}); err == nil {
		t.Error("RunSoak without instances: no error")
	}
}
