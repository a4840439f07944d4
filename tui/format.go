package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/bridgescope/bridgescope/metrics"
)

// fmtUs formats microseconds in at most 6 cells (metrics.FormatUsShort).
func fmtUs(us float64) string { return metrics.FormatUsShort(us) }

// fmtAge formats an age in milliseconds in at most 4 cells: "0.4s", "12s",
// "5m", "3h", "2d".
func fmtAge(ms int64) string {
	switch {
	case ms < 0:
		return "-"
	case ms < 9950:
		return fmt.Sprintf("%.1fs", float64(ms)/1e3)
	case ms < 60_000:
		return fmt.Sprintf("%ds", ms/1000)
	case ms < 3_600_000:
		return fmt.Sprintf("%dm", ms/60_000)
	case ms < 86_400_000:
		return fmt.Sprintf("%dh", ms/3_600_000)
	}
	return fmt.Sprintf("%dd", ms/86_400_000)
}

// fmtSpan formats a longer duration compactly: "42s", "12m04s", "3h02m",
// "2d04h".
func fmtSpan(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}

// fmtPct formats a percentage in at most 5 cells: "100%", "99.9%", "-".
func fmtPct(p float64) string {
	switch {
	case !metrics.Finite(p):
		return "-"
	case p >= 100:
		return "100%"
	}
	// Round down, so a lossy instance never shows as "100%".
	return fmt.Sprintf("%.1f%%", math.Floor(p*10)/10)
}

// fmtCount formats a counter in at most 4 cells: "12", "9999", "12k",
// "1.2M".
func fmtCount(n int64) string {
	switch {
	case n < 10_000:
		return fmt.Sprint(n)
	case n < 999_500:
		return fmt.Sprintf("%dk", (n+500)/1000)
	case n < 9_950_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n < 999_500_000:
		return fmt.Sprintf("%dM", (n+500_000)/1_000_000)
	}
	return fmt.Sprintf("%dG", (n+500_000_000)/1_000_000_000)
}

// fmtInt formats a count exactly, with thousands separators: "37,230".
func fmtInt(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + fmtInt(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// fmtRate formats a probe rate: "10/s", "2.5/s", "0.31/s".
func fmtRate(r float64) string {
	switch {
	case !metrics.Finite(r):
		return "-"
	case r >= 100:
		return fmt.Sprintf("%.0f/s", r)
	}
	return fmt.Sprintf("%.3g/s", r)
}

// fit truncates s (which may hold ANSI) to w cells with an ellipsis and
// pads it with spaces to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if pad := w - lipgloss.Width(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// fitLeft is fit with the padding on the left (right-aligned numbers).
func fitLeft(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return strings.Repeat(" ", w-lipgloss.Width(s)) + s
}

// clip truncates s to at most w cells without padding.
func clip(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s
}

// block makes text exactly w cells wide and h lines tall, so panels joined
// side by side never wrap or grow.
func block(text string, w, h int) string {
	lines := strings.Split(text, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lines[i] = fit(l, w)
	}
	return strings.Join(lines, "\n")
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
