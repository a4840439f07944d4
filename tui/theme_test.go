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

// TestColourFramesFit draws every theme on a true-colour renderer: colour
// escapes must not push lines past the width, mono must draw no colour,
// and level labels must be there as text.
func TestColourFramesFit(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(false)
	for _, theme := range []string{"dark", "light", "contrast", "mono", "auto"} {
		m := New(Config{Renderer: r, Theme: theme, Control: &fakeControl{rate: 10},
			Now: func() time.Time { return fixedNow }})
		m.sched = func(time.Duration, tea.Msg) tea.Cmd { return nil }
		m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
		m = withSnapshot(t, m, fixture50())
		frame := m.View()
		lines := strings.Split(frame, "\n")
		if len(lines) != 24 {
			t.Errorf("%s: %d lines", theme, len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > 80 {
				t.Errorf("%s: line %d is %d wide", theme, i+1, w)
			}
		}
		plain := ansi.Strip(frame)
		for _, label := range []string{"CRIT", "WARN", "OK"} {
			if !strings.Contains(plain, label) {
				t.Errorf("%s: no %s label", theme, label)
			}
		}
		hasColour := colourSGR.MatchString(frame)
		switch {
		case theme == "mono" && hasColour:
			t.Errorf("mono drew colour")
		case theme != "mono" && !hasColour:
			t.Errorf("%s drew no colour", theme)
		case theme == "auto" && !strings.Contains(plain, "theme light"):
			t.Errorf("auto on a light background did not pick light")
		}
	}
}

// colourSGR matches an SGR sequence that sets a colour (30–37, 40–47,
// 90–97, 100–107, or 38/48 extended).
var colourSGR = regexp.MustCompile(`\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m`)
