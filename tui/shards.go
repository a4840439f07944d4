package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/themes"
)

// maxShardRows is how many shard rows a terminal of height h shows: three
// at 80×24, one more for every four lines beyond, at most eight.
func maxShardRows(h int) int {
	return clamp(3+(h-24)/4, 3, 8)
}

// shardsPanel is the observer's subscription connections, one row per
// node, in Sentinel and Cluster deployments. It has no state of its own.
type shardsPanel struct{}

// want is the lines the block asks for on a terminal termH lines tall: a
// title and a row per shard up to maxShardRows; 0 on a single server.
func (p shardsPanel) want(s *metrics.Snapshot, termH int) int {
	if s == nil || len(s.Shards) == 0 {
		return 0
	}
	return 1 + min(len(s.Shards), maxShardRows(termH))
}

// shardsByState is the shards worst first (down, then connecting, then
// connected), in the bridge's order within a state: what is cut off the
// bottom is what is healthy.
func shardsByState(in []metrics.ShardRow) []metrics.ShardRow {
	out := append([]metrics.ShardRow(nil), in...)
	rank := func(s string) int {
		switch s {
		case "connected":
			return 2
		case "connecting":
			return 1
		}
		return 0
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].State) < rank(out[j].State) })
	return out
}

// view is a title and one row per shard in h lines; the title says how
// many did not fit.
func (p shardsPanel) view(s *metrics.Snapshot, st *themes.Styles, w, h int) string {
	rows := shardsByState(s.Shards)
	shown := min(len(rows), max(h-1, 0))
	down := 0
	for _, r := range rows {
		if r.State != "connected" {
			down++
		}
	}
	left := st.Title.Render(fmt.Sprintf("Shards %d", len(rows)))
	if down > 0 {
		left += st.Muted.Render(" · ") + st.Crit.Render(fmt.Sprintf("%d not connected", down))
	} else {
		left += st.Muted.Render(" · ") + st.OK.Render("all connected")
	}
	right := ""
	if n := len(rows) - shown; n > 0 {
		right = st.Muted.Render(fmt.Sprintf("+%d more", n))
	}
	lines := []string{titleLine(st, left, right, w)}
	addrW := 8
	for _, r := range rows[:shown] {
		addrW = max(addrW, lipgloss.Width(r.Addr))
	}
	addrW = min(addrW, max(w/3, 12))
	for _, r := range rows[:shown] {
		lines = append(lines, shardLine(s, st, r, addrW, w))
	}
	return strings.Join(lines, "\n")
}

// shardLine draws "  10.0.0.1:7000  ✗ disconnected  2m14s  reconn 3  dial tcp…".
func shardLine(s *metrics.Snapshot, st *themes.Styles, r metrics.ShardRow, addrW, w int) string {
	var state string
	switch r.State {
	case "connected":
		state = st.OK.Render(fit("● connected", 14))
	case "connecting":
		state = st.Warn.Render(fit("◌ connecting", 14))
	default:
		state = st.Crit.Render(fit("✗ "+r.State, 14))
	}
	since := "-"
	if !r.Since.IsZero() {
		since = fmtSpan(s.At.Sub(r.Since))
	}
	reconn := st.Muted.Render("reconn 0")
	if r.Reconnects > 0 {
		reconn = st.Warn.Render("reconn " + fmtCount(r.Reconnects))
	}
	line := "  " + st.Text.Render(fit(r.Addr, addrW)) + " " + state + " " + st.Muted.Render(fitLeft(since, 6)) + "  " + reconn
	if r.LastError != "" {
		if room := w - lipgloss.Width(line) - 2; room >= 8 {
			line += "  " + st.Muted.Render(clip(r.LastError, room))
		}
	}
	return clip(line, w)
}
