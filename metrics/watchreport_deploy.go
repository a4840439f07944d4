package metrics

import "fmt"

// wrBaseline is the raw lane in one fact: the 10 s window first, as the
// instances' latency columns are, then the session and the loss.
func wrBaseline(b BaselineRow) string {
	if b.RTT.Count == 0 {
		return fmt.Sprintf("no samples yet (%d sent, %d lost) on %s", b.Sent, b.Lost, wrText(b.Channel))
	}
	now := "no samples in the last 10 s"
	if w := b.RTT10s; w.Count > 0 {
		now = fmt.Sprintf("P50 %s, P95 %s, P99 %s (last 10 s)", FormatUsShort(w.P50), FormatUsShort(w.P95), FormatUsShort(w.P99))
	}
	return fmt.Sprintf("%s; session P50 %s, P99 %s, max %s; %d sent, %d lost",
		now, FormatUsShort(b.RTT.P50), FormatUsShort(b.RTT.P99), FormatUsShort(b.RTT.Max), b.Sent, b.Lost)
}

// wrShards is the observer's subscription connections, one row per node.
func wrShards(s Snapshot) [][]string {
	t := [][]string{{"ADDR", "STATE", "FOR", "RECONNECTS", "LAST ERROR"}}
	for _, sh := range s.Shards {
		since := "-"
		if !sh.Since.IsZero() {
			since = wrDur(s.At.Sub(sh.Since))
		}
		t = append(t, []string{wrText(sh.Addr), wrText(sh.State), since, fmt.Sprint(sh.Reconnects), wrOrDash(wrText(sh.LastError))})
	}
	return t
}

// shardsDown counts the shards not connected.
func shardsDown(rows []ShardRow) int {
	n := 0
	for _, r := range rows {
		if r.State != "connected" {
			n++
		}
	}
	return n
}
