package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

var wrAt = time.Date(2025, 11, 26, 14, 2, 11, 0, time.UTC)

const wrHostile = "\x1b[2J\x1b]0;pwn\x07evil|pipe\r\n"

// wrSnapshot is a test fixture: three instances (OK, WARN, CRIT), one
// with a hostile ID, alerts, history, sources and a chart with a gap.
func wrSnapshot() metrics.Snapshot {
	row := func(id string, lvl metrics.Level, deliv, p99 float64) metrics.InstanceRow {
		return metrics.InstanceRow{
			ID: id, Role: "agent", Boot: "b00t", State: lvl,
			Delivery: deliv, Delivery10s: deliv, Delivery1m: deliv, ProbesSent: 1000, Acked: int64(deliv * 10),
			RTT:    metrics.Percentiles{Count: 1000, Min: 100, Avg: 400, P50: 380, P95: 900, P99: p99, Max: p99 * 2},
			RTT10s: metrics.Percentiles{Count: 100, Min: 100, Avg: 400, P50: 380, P95: 900, P99: p99, Max: p99 * 2},
			Lost:   int64(100 - deliv), LastSeen: wrAt.Add(-400 * time.Millisecond), LastSeenMs: 400,
		}
	}
	return metrics.Snapshot{
		At: wrAt, Started: wrAt.Add(-time.Hour), Observer: "obs-1", Redis: "redis://127.0.0.1:6379",
		Transport: "pubsub", Conn: "connected", ConnSince: wrAt.Add(-10 * time.Minute),
		ProbeRate: 10, ProbeChannels: []string{"bridge:events"}, Channels: []string{"bridge:events"},
		Instances: []metrics.InstanceRow{
			row("bot-1", metrics.OK, 100, 1270),
			row("bot-2", metrics.Warn, 93.5, 142_000),
			row(wrHostile, metrics.Crit, 99, 2000),
		},
		Sources: []metrics.SourceRow{{ID: "websocket-host", Events: 1234, RatePerSec: 50, HasSeq: true,
			OneWay: metrics.Percentiles{Count: 10, P50: 500, P99: 900}, Boots: 1, LastSeen: wrAt}},
		Alerts: []metrics.Alert{
			{Rule: "self-received", Instance: wrHostile, Level: metrics.Crit, Since: wrAt.Add(-2 * time.Minute), Value: 4, Message: "4 own events"},
			{Rule: "p99", Instance: "bot-2", Level: metrics.Warn, Since: wrAt.Add(-30 * time.Second), Value: 142_000, Message: "p99 142ms > 100ms"},
		},
		History: []metrics.AlertChange{
			{At: wrAt.Add(-30 * time.Second), Rule: "p99", Instance: "bot-2", From: metrics.OK, To: metrics.Warn, Value: 142_000},
		},
		Chart:             metrics.Series{P50: []float64{300, math.NaN(), 310}, P99: []float64{900, math.NaN(), 950}},
		Malformed:         2,
		MalformedByReason: map[string]int64{"bad-json": 2},
		Notes:             []string{"CLIENT LIST refused"},
	}
}

func wrRender(t *testing.T, rep report.Reporter) string {
	t.Helper()
	var b bytes.Buffer
	if err := rep(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWatchLine(t *testing.T) {
	line := report.WatchLine(wrSnapshot())
	for _, want := range []string{"14:02:11 connected", "3 instances: 1 ok, 1 warn, 1 crit",
		"worst delivery 93.5% bot-2", "worst p99 142ms bot-2", "2 alerts"} {
		if !strings.Contains(line, want) {
			t.Errorf("WatchLine lacks %q: %s", want, line)
		}
	}
	if strings.ContainsAny(line, "\n\x1b") {
		t.Errorf("WatchLine is not one clean line: %q", line)
	}
	s := wrSnapshot()
	s.Instances, s.Alerts, s.Paused = nil, nil, true
	line = report.WatchLine(s)
	if !strings.Contains(line, "0 instances") || !strings.Contains(line, "paused") || strings.Contains(line, "worst") {
		t.Errorf("empty WatchLine: %s", line)
	}
}

func TestWatchText(t *testing.T) {
	out := wrRender(t, report.WatchText(wrSnapshot()))
	for _, want := range []string{"redis", "redis://127.0.0.1:6379", "INSTANCES (3)", "bot-1", "bot-2", "evil|pipe",
		"142ms", "SOURCES (1)", "websocket-host", "ACTIVE ALERTS (2)", "p99 142ms > 100ms", "RECENT CHANGES (1)",
		"OK → WARN", "bad-json 2", "CLIENT LIST refused"} {
		if !strings.Contains(out, want) {
			t.Errorf("WatchText lacks %q", want)
		}
	}
	if strings.ContainsAny(out, "\x1b\a\r") || strings.Contains(out, "pwn") || strings.Contains(out, "[2J") {
		t.Error("WatchText holds escape sequences from the wire")
	}
	// Columns are aligned: the state column starts at the same offset.
	var cols []int
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "bot-") {
			cols = append(cols, strings.Index(l, "agent"))
		}
	}
	if len(cols) != 2 || cols[0] != cols[1] {
		t.Errorf("instance rows not aligned: %v\n%s", cols, out)
	}
}

func TestWatchMarkdown(t *testing.T) {
	out := wrRender(t, report.WatchMarkdown(wrSnapshot()))
	for _, want := range []string{"| field | value |", "| --- | --- |", "### Instances (3)", "- **bot-1** — ROLE agent",
		`- **evil\|pipe** —`, "### Sources (1)", "### Active alerts (2)", "### Recent changes (1)"} {
		if !strings.Contains(out, want) {
			t.Errorf("WatchMarkdown lacks %q", want)
		}
	}
	// Every table row has as many cells as its header.
	var cells int
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "|") {
			cells = 0
			continue
		}
		n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|")
		if cells == 0 {
			cells = n
		} else if n != cells {
			t.Errorf("row has %d separators, header %d: %s", n, cells, l)
		}
	}
	empty := wrRender(t, report.WatchMarkdown(metrics.Snapshot{At: wrAt}))
	if strings.Count(empty, "none") != 7 { // instances, sources, matrix, one-way, subscribers, alerts, changes
		t.Errorf("empty sections not marked none:\n%s", empty)
	}
}

// TestWatchMarkdownFitsPasteWidth: no line of the Markdown report is wider
// than report.PasteWidth, whatever the snapshot: the 22-column instance
// table is a list, long notes wrap.
func TestWatchMarkdownFitsPasteWidth(t *testing.T) {
	for name, s := range map[string]metrics.Snapshot{"plain": wrSnapshot(), "cluster": wrClusterSnapshot(), "screen": screenSnapshot()} {
		s.Notes = append(s.Notes, strings.Repeat("a long note from the wire ", 40))
		s.Instances = append(s.Instances, metrics.InstanceRow{ID: strings.Repeat("x", 300)})
		out := wrRender(t, report.WatchMarkdown(s))
		for i, l := range strings.Split(out, "\n") {
			if n := len([]rune(l)); n > report.PasteWidth {
				t.Errorf("%s: line %d is %d columns: %q", name, i+1, n, l)
			}
		}
	}
}

func TestWatchJSONIsOneObjectThatRoundTrips(t *testing.T) {
	in := wrSnapshot()
	in.Instances[0].Delivery1m = math.NaN() // no data yet
	out := wrRender(t, report.WatchJSON(in))
	dec := json.NewDecoder(strings.NewReader(out))
	var back metrics.Snapshot
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("decode: %v\n%s", err, out)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		t.Fatalf("more than one JSON value: %v", err)
	}
	if !strings.Contains(out, "\n  \"at\"") {
		t.Error("not indented by 2")
	}
	// NaN travels as null and comes back as NaN ("no data"), so a
	// snapshot read back writes the same JSON (a recording depends on it).
	opts := cmp.Options{cmpopts.IgnoreFields(metrics.InstanceRow{}, "Dist", "Chart", "Recent"), cmpopts.EquateNaNs()}
	if diff := cmp.Diff(in, back, opts); diff != "" {
		t.Fatalf("round trip (-in +back):\n%s", diff)
	}
}

type failWriter struct{ after int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("disk full")
	}
	f.after--
	return len(p), nil
}

func TestWatchReportersReturnWriteErrors(t *testing.T) {
	for name, rep := range map[string]report.Reporter{
		"text": report.WatchText(wrSnapshot()), "markdown": report.WatchMarkdown(wrSnapshot()),
		"json": report.WatchJSON(wrSnapshot()),
	} {
		if err := rep(&failWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: error = %v, want the write error", name, err)
		}
	}
}
