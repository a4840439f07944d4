package report_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// wrClusterSnapshot is wrSnapshot on a 3-shard cluster with one shard
// down (its error hostile), and the raw lane on.
func wrClusterSnapshot() metrics.Snapshot {
	s := wrSnapshot()
	s.Baseline = &metrics.BaselineRow{
		Channel: "bridge:bridgescope:baseline:b00t",
		RTT:     metrics.Percentiles{Count: 3000, Min: 60, Avg: 140, P50: 120, P95: 300, P99: 610, Max: 2400},
		RTT10s:  metrics.Percentiles{Count: 100, Min: 70, Avg: 130, P50: 110, P95: 280, P99: 590, Max: 900},
		Chart:   metrics.Series{P50: []float64{100, 120}, P99: []float64{500, 640}},
		Sent:    3002, Lost: 2,
	}
	s.Shards = []metrics.ShardRow{
		{Addr: "10.0.0.1:7000", State: "connected", Since: wrAt.Add(-10 * time.Minute)},
		{Addr: "10.0.0.2:7001", State: "disconnected", Since: wrAt.Add(-14 * time.Second), Reconnects: 3,
			LastError: "dial tcp 10.0.0.2:7001: connection refused" + wrHostile},
		{Addr: "10.0.0.3:7002", State: "connected", Since: wrAt.Add(-10 * time.Minute), Reconnects: 1},
	}
	return s
}

func TestWatchLineBaselineAndShards(t *testing.T) {
	line := report.WatchLine(wrClusterSnapshot())
	for _, want := range []string{"connected (2/3 shards up)", "raw Redis 1-hop p50 110µs p99 590µs"} {
		if !strings.Contains(line, want) {
			t.Errorf("WatchLine lacks %q: %s", want, line)
		}
	}
	if line := report.WatchLine(wrSnapshot()); strings.Contains(line, "shards") || strings.Contains(line, "raw") {
		t.Errorf("WatchLine on a single server without the lane mentions them: %s", line)
	}
}

func TestWatchTextBaselineAndShards(t *testing.T) {
	out := wrRender(t, report.WatchText(wrClusterSnapshot()))
	for _, want := range []string{
		"raw Redis, one hop (baseline)  P50 110µs, P95 280µs, P99 590µs (last 10 s); session P50 120µs, P99 610µs, max 2.40ms; 3002 sent, 2 lost",
		"SHARDS (3)", "ADDR", "10.0.0.2:7001  disconnected  14s", "connection refused", "10.0.0.3:7002  connected",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WatchText lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "\x1b\a\r") || strings.Contains(out, "pwn") {
		t.Error("WatchText holds escape sequences from a shard's error")
	}
	plain := wrRender(t, report.WatchText(wrSnapshot()))
	if strings.Contains(plain, "SHARDS") || strings.Contains(plain, "baseline") {
		t.Errorf("single server without the lane: text mentions shards or a baseline:\n%s", plain)
	}
}

func TestWatchMarkdownBaselineAndShards(t *testing.T) {
	out := wrRender(t, report.WatchMarkdown(wrClusterSnapshot()))
	for _, want := range []string{"- **raw Redis, one hop (baseline)** — value P50 110µs", "### Shards (3)",
		"| ADDR | STATE | FOR | RECONNECTS | LAST ERROR |", "| 10.0.0.2:7001 | disconnected | 14s | 3 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("WatchMarkdown lacks %q:\n%s", want, out)
		}
	}
	if plain := wrRender(t, report.WatchMarkdown(wrSnapshot())); strings.Contains(plain, "Shards") {
		t.Errorf("single server: Markdown has a shards section:\n%s", plain)
	}
}

func TestWatchJSONBaselineAndShards(t *testing.T) {
	in := wrClusterSnapshot()
	out := wrRender(t, report.WatchJSON(in))
	var back struct {
		Baseline *metrics.BaselineRow `json:"baseline"`
		Shards   []metrics.ShardRow   `json:"shards"`
	}
	if err := json.Unmarshal([]byte(out), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in.Baseline, back.Baseline); diff != "" {
		t.Errorf("baseline round trip (-in +back):\n%s", diff)
	}
	if diff := cmp.Diff(in.Shards, back.Shards); diff != "" {
		t.Errorf("shards round trip (-in +back):\n%s", diff)
	}
	plain := wrRender(t, report.WatchJSON(wrSnapshot()))
	if strings.Contains(plain, `"baseline"`) || strings.Contains(plain, `"shards"`) {
		t.Errorf("single server without the lane: JSON has baseline or shards")
	}
}
