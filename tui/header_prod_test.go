package tui

import (
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// redBackground matches an SGR that sets a red background: ANSI 41 or
// 101, or xterm-256 1, 9, 124, 160, 196.
var redBackground = regexp.MustCompile(`\x1b\[[0-9;]*(?:^|;)?(?:41|101|48;5;(?:1|9|124|160|196))(?:;[0-9;]*)?m`)

// TestProductionContextHeader (issue 14.5): the header names the context,
// and a production context starts it with a red PROD badge in every theme,
// mono included, at any width.
func TestProductionContextHeader(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	for _, theme := range []string{"dark", "light", "contrast", "mono"} {
		for _, w := range []int{120, 80, 40} {
			m := New(Config{Renderer: r, Theme: theme, Control: &fakeControl{rate: 10}, Context: "prod-eu", Production: true,
				Now: func() time.Time { return fixedNow }})
			m.sched = func(time.Duration, tea.Msg) tea.Cmd { return nil }
			m = update(t, m, tea.WindowSizeMsg{Width: w, Height: 24})
			m = withSnapshot(t, m, fixture3())
			first := strings.Split(m.View(), "\n")[0]
			plain := ansi.Strip(first)
			switch {
			case !strings.HasPrefix(plain, " PROD  bridgescope"):
				t.Errorf("%s at %d: header %q does not start with PROD", theme, w, plain)
			case !strings.HasPrefix(first, m.styles.Prod.Render(" PROD ")) || !redBackground.MatchString(m.styles.Prod.Render(" PROD ")):
				t.Errorf("%s at %d: the PROD badge is not red: %q", theme, w, first)
			case w >= 80 && !strings.Contains(plain, "context prod-eu"):
				t.Errorf("%s at %d: header %q does not name the context", theme, w, plain)
			case ansi.StringWidth(first) != w:
				t.Errorf("%s at %d: header is %d wide", theme, w, ansi.StringWidth(first))
			}
		}
	}
	m := New(Config{Renderer: asciiRenderer(), Context: "staging", Now: func() time.Time { return fixedNow }})
	m.sched = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	m = update(t, m, tea.WindowSizeMsg{Width: 100, Height: 24})
	m = withSnapshot(t, m, fixture3())
	if first := strings.Split(m.View(), "\n")[0]; strings.Contains(first, "PROD") || !strings.Contains(first, "context staging") {
		t.Errorf("a context that is not production: header %q", first)
	}
}

// TestLongContextNameIsClipped: a context's name past maxContextWidth is
// clipped, so the Redis address keeps its place in the header.
func TestLongContextNameIsClipped(t *testing.T) {
	long := strings.Repeat("eu-west-prod-", 5) // 65 columns
	m := New(Config{Renderer: asciiRenderer(), Context: long, Now: func() time.Time { return fixedNow }})
	m.sched = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	m = update(t, m, tea.WindowSizeMsg{Width: 100, Height: 24})
	snap := fixture3()
	m = withSnapshot(t, m, snap)
	first := strings.Split(m.View(), "\n")[0]
	if strings.Contains(first, long[:maxContextWidth+1]) || !strings.Contains(first, long[:maxContextWidth-1]) {
		t.Errorf("header %q: the context is not clipped at %d columns", first, maxContextWidth)
	}
	if !strings.Contains(first, snap.Redis) {
		t.Errorf("header %q lost the Redis address %q", first, snap.Redis)
	}
}
