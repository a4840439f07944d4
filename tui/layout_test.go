package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
)

// checkFits fails when a line of the frame is wider than w or there are
// more than h lines.
func checkFits(t *testing.T, frame string, w, h int) {
	t.Helper()
	lines := strings.Split(frame, "\n")
	if len(lines) > h {
		t.Errorf("%d lines, want ≤ %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("line %d is %d cells wide, want ≤ %d: %q", i+1, lw, w, l)
		}
		if strings.ContainsAny(l, "\x1b\r\a") {
			t.Errorf("line %d holds a control character: %q", i+1, l)
		}
	}
}

// TestEveryViewFits checks every view at every size with 3 and 50
// instances, long, wide and hostile IDs included.
func TestEveryViewFits(t *testing.T) {
	views := map[string][]string{
		"main":        nil,
		"detail":      {"enter"},
		"help":        {"?"},
		"detail+help": {"enter", "?"},
		"filtering":   {"/", "b", "o"},
		"chart-one":   {"c", "down"},
		"sorted-p99":  {"o", "o", "o"},
		"scrolled":    {"pgdown", "pgdown", "down"},
		"alerts":      {"a"},
		"alerts-end":  {"tab", "G"},
		"notes":       {"n", "pgdown"},
		"help-end":    {"?", "G"},
		"confirm":     {"r"},
	}
	fixtures := map[string]func() metrics.Snapshot{"3": fixture3, "50": fixture50, "long": longFixture,
		"hold": fixtureHold, "blind": fixtureBlind, "alerts": fixtureAlerts}
	sizes := [][2]int{{80, 24}, {120, 40}, {100, 30}, {200, 60}, {60, 20}, {60, 16}}
	for _, sz := range sizes {
		for fname, fx := range fixtures {
			for vname, keys := range views {
				t.Run(fmt.Sprintf("%dx%d/%s/%s", sz[0], sz[1], fname, vname), func(t *testing.T) {
					m, _ := newTestModel(t, sz[0], sz[1])
					m = withSnapshot(t, m, fx())
					for _, k := range keys {
						m = press(t, m, k)
					}
					checkFits(t, m.View(), sz[0], sz[1])
				})
			}
		}
	}
}

// TestUsesLargerTerminals checks that a larger terminal shows more rows
// and a wider table than 80×24.
func TestUsesLargerTerminals(t *testing.T) {
	small, _ := newTestModel(t, 80, 24)
	big, _ := newTestModel(t, 120, 40)
	small, big = withSnapshot(t, small, fixture50()), withSnapshot(t, big, fixture50())
	if small.tableHeight() >= big.tableHeight() {
		t.Errorf("table rows: %d at 80×24, %d at 120×40", small.tableHeight(), big.tableHeight())
	}
	if !strings.Contains(big.View(), " MAX ") || strings.Contains(small.View(), " MAX ") {
		t.Error("MAX column: want it at 120 columns only")
	}
	for _, m := range []Model{small, big} {
		if n := len(strings.Split(m.View(), "\n")); n != m.height {
			t.Errorf("%d lines at height %d: the frame should fill the terminal", n, m.height)
		}
	}
}

func TestResizeFollowsWindow(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	m = withSnapshot(t, m, fixture50())
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	checkFits(t, m.View(), 80, 24)
	if n := len(strings.Split(m.View(), "\n")); n != 24 {
		t.Fatalf("%d lines after resizing to 24", n)
	}
}

// longFixture has IDs, notes, messages and an address far too long for
// any terminal, and wide (CJK) text.
func longFixture() metrics.Snapshot {
	s := fixture3()
	long := strings.Repeat("very-long-instance-name-", 12)
	s.Redis = "redis://default:hunter2@" + strings.Repeat("redis-cluster-node.example.internal.", 5) + ":6379"
	s.Observer = long
	s.Notes = append(s.Notes, strings.Repeat("ノート", 40), "\x1b[31mred\x1b[0m note")
	s.Instances[0].ID = long
	s.Instances[1].ID = strings.Repeat("東京", 30)
	s.Instances[2].Role = long
	s.Alerts[0].Message = strings.Repeat("message ", 40)
	s.Alerts[1].Instance = strings.Repeat("東京", 30)
	for range 10 {
		s.History = append(s.History, s.History...)
	}
	return s
}
