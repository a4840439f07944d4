package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

// watchJSON runs watch headless for d against url and decodes its final
// snapshot.
func watchJSON(t *testing.T, url string, d time.Duration, extra ...string) metrics.Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d+20*time.Second)
	defer cancel()
	args := append([]string{"watch", "--redis", url, "--headless", "--duration", d.String(), "--json",
		"--p99-warn", "3s", "--p99-crit", "5s", "--late-after", "5s"}, extra...)
	code, stdout, stderr := run(t, ctx, args...)
	if code == ExitUsage {
		t.Fatalf("watch: exit %d: %s", code, stderr)
	}
	var s metrics.Snapshot
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("watch --json: %v\n%.2000s", err, stdout)
	}
	return s
}

// matrixCells sums a snapshot's matrix rows per (from, to), session.
func matrixCells(s metrics.Snapshot) map[[2]string]metrics.PairCounts {
	out := map[[2]string]metrics.PairCounts{}
	for _, m := range s.Matrix {
		k := [2]string{m.From, m.To}
		c := out[k]
		c.Expected += m.Session.Expected
		c.Received += m.Session.Received
		c.Duplicates += m.Session.Duplicates
		c.DeliveryPct = 100 * float64(c.Received) / float64(max(c.Expected, 1))
		out[k] = c
	}
	return out
}

// TestMatrixWithAgentProcesses is issue 12's acceptance test: four agent
// processes publishing to each other, one of which loses 20 % of what it
// receives from one particular sender. Exactly that pair is below 100 %
// (80 % ± 2), every other pair is at 100 %, and each receiver's rows add up
// to its own total.
func TestMatrixWithAgentProcesses(t *testing.T) {
	srv := bridgetest.Start(t)
	url := srv.URL()
	ids := []string{"m-1", "m-2", "m-3", "m-4"}
	for _, id := range ids {
		args := []string{"--redis", url, "--id", id, "--publish-rate", "25"}
		if id == "m-4" {
			args = append(args, "--test-drop-from", "m-1=0.2")
		}
		startAgentProc(t, args...)
	}
	s := watchJSON(t, url, 9*time.Second, "--alert-hold", "1s")
	cells := matrixCells(s)
	for _, from := range ids {
		for _, to := range ids {
			if from == to {
				continue
			}
			c, ok := cells[[2]string{from, to}]
			want := 100.0
			if from == "m-1" && to == "m-4" {
				want = 80
			}
			if !ok || c.Expected < 100 || math.Abs(c.DeliveryPct-want) > 2 {
				t.Errorf("%s→%s: %+v, want %.0f%% ± 2 of at least 100 events", from, to, c, want)
			}
		}
	}
	for k := range cells {
		if k[0] == k[1] || k[0] == s.Observer || k[1] == s.Observer {
			t.Errorf("pair %v in the matrix: no instance is its own sender, and the observer's probes are not traffic", k)
		}
	}
	for _, in := range s.Instances {
		var sum int64
		for k, c := range cells {
			if k[1] == in.ID {
				sum += c.Received
			}
		}
		if sum != in.Received || in.Received == 0 {
			t.Errorf("%s: matrix rows add up to %d received, its own total is %d", in.ID, sum, in.Received)
		}
	}
	var lossy metrics.Level
	for _, a := range s.Alerts {
		if a.Rule == "pair_delivery" {
			if a.Instance != metrics.PairSubject("m-1", "m-4") {
				t.Errorf("pair alert on %s: %+v", a.Instance, a)
			}
			lossy = a.Level
		}
	}
	if lossy != metrics.Crit {
		t.Errorf("m-1→m-4 at 80%%: pair_delivery %v, want CRIT; alerts %+v", lossy, s.Alerts)
	}
}

// TestSkewCorrectedLatency: agents whose clocks are 250 ms ahead and behind
// show corrected pair latencies within 5 ms of an unskewed run, and their raw
// one-way figures marked skewed.
func TestSkewCorrectedLatency(t *testing.T) {
	srv := bridgetest.Start(t)
	url := srv.URL()
	pairs := func(prefix string, offsets []string) map[[2]string]metrics.PairLatency {
		for i, off := range offsets {
			startAgentProc(t, "--redis", url, "--id", fmt.Sprintf("%s-%d", prefix, i), "--publish-rate", "20",
				"--test-clock-offset", off, "--channels", "bridge:"+prefix)
		}
		s := watchJSON(t, url, 7*time.Second, "--channels", "bridge:"+prefix, "--probe-rate", "20")
		out := map[[2]string]metrics.PairLatency{}
		for _, m := range s.Matrix {
			// The earlier run's agents still report (their streams on
			// their own channel): not this run's pairs.
			if strings.HasPrefix(m.From, prefix) && strings.HasPrefix(m.To, prefix) {
				out[[2]string{m.From, m.To}] = m.Latency
			}
		}
		if len(out) != len(offsets)*(len(offsets)-1) {
			t.Fatalf("%s: %d pairs in the matrix, want %d: %+v", prefix, len(out), len(offsets)*(len(offsets)-1), s.Matrix)
		}
		return out
	}
	flat := pairs("flat", []string{"0s", "0s", "0s"})
	skew := pairs("skew", []string{"250ms", "-250ms", "0s"})
	for k, l := range skew {
		f := flat[[2]string{"flat" + k[0][4:], "flat" + k[1][4:]}]
		if l.Correction != "corrected" || f.Correction != "corrected" || l.Corrected10s.Count == 0 {
			t.Errorf("%v: correction %q (unskewed %q), %+v", k, l.Correction, f.Correction, l)
			continue
		}
		if d := math.Abs(l.Corrected10s.P50 - f.Corrected10s.P50); d > 5000 {
			t.Errorf("%v: corrected p50 %.0f µs, unskewed run %.0f µs: %.1f ms apart, want within 5 ms", k, l.Corrected10s.P50, f.Corrected10s.P50, d/1e3)
		}
		wantSkewed := k[0][len(k[0])-1] != k[1][len(k[1])-1] && !(k[0] == "skew-2" && k[1] == "skew-2")
		if l.Skewed != wantSkewed || f.Skewed {
			t.Errorf("%v: raw %+v skew %.0f µs marked skewed %v (unskewed run: %v)", k, l.Raw10s, l.ClockSkewUs, l.Skewed, f.Skewed)
		}
	}
}
