package report

import (
	"fmt"

	"github.com/bridgescope/bridgescope/metrics"
)

// baselineFact is the raw lane in one fact: the 10 s window first, as the
// instances' latency columns are, then the session and the loss.
func baselineFact(b metrics.BaselineRow) string {
	if b.RTT.Count == 0 {
		return fmt.Sprintf("no samples yet (%d sent, %d lost) on %s", b.Sent, b.Lost, clean(b.Channel))
	}
	now := "no samples in the last 10 s"
	if w := b.RTT10s; w.Count > 0 {
		now = fmt.Sprintf("P50 %s, P95 %s, P99 %s (last 10 s)", metrics.FormatUsShort(w.P50), metrics.FormatUsShort(w.P95), metrics.FormatUsShort(w.P99))
	}
	return fmt.Sprintf("%s; session P50 %s, P99 %s, max %s; %d sent, %d lost",
		now, metrics.FormatUsShort(b.RTT.P50), metrics.FormatUsShort(b.RTT.P99), metrics.FormatUsShort(b.RTT.Max), b.Sent, b.Lost)
}

// shardRows is the observer's subscription connections, one row per node.
func shardRows(s metrics.Snapshot) [][]string {
	t := [][]string{{"ADDR", "STATE", "FOR", "RECONNECTS", "LAST ERROR"}}
	for _, sh := range s.Shards {
		since := "-"
		if !sh.Since.IsZero() {
			since = fmtDur(s.At.Sub(sh.Since))
		}
		t = append(t, []string{clean(sh.Addr), clean(sh.State), since, fmt.Sprint(sh.Reconnects), OrDash(clean(sh.LastError))})
	}
	return t
}

// shardsDown counts the shards not connected.
func shardsDown(rows []metrics.ShardRow) int {
	n := 0
	for _, r := range rows {
		if r.State != "connected" {
			n++
		}
	}
	return n
}
