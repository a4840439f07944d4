package tui

import (
	"io"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report/frameimage"
	"github.com/bridgescope/bridgescope/themes"
)

// FrameImage draws s as the dashboard's main screen at w×h in theme (a
// palette name; auto is dark) on page bg, for a report that shows the
// dashboard without a terminal.
func FrameImage(s metrics.Snapshot, theme, bg string, w, h int) frameimage.Frame {
	if _, err := themes.Lookup(theme); err != nil {
		theme = "dark"
	}
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(theme != "light")
	m := New(Config{Renderer: r, Theme: theme, Now: func() time.Time { return s.At }, NoControl: "a report"})
	m.sched = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	nm, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	nm, _ = nm.(Model).Update(snapshotMsg{snap: s})
	m = nm.(Model)
	return frameImage(m.View(), *m.snap, ImageColours(m.styles.Palette, bg), false)
}
