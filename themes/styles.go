package themes

import (
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/bridgescope/bridgescope/metrics"
)

// Styles is every style the dashboard draws with, built once from a
// renderer and a palette. Switching theme builds a new Styles.
type Styles struct {
	Palette Palette
	// Colour is false when the palette is mono or the renderer cannot draw
	// colour, so code that writes its own escapes (the chart) stays plain.
	Colour bool

	Text   lipgloss.Style
	Muted  lipgloss.Style
	Accent lipgloss.Style
	Bold   lipgloss.Style
	Border lipgloss.Style // rules and panel frames

	Header      lipgloss.Style // the top bar
	HeaderLabel lipgloss.Style // labels inside the bar
	Title       lipgloss.Style // panel titles
	TableHeader lipgloss.Style
	Selected    lipgloss.Style // the selected table row

	OK   lipgloss.Style
	Warn lipgloss.Style
	Crit lipgloss.Style

	Paused lipgloss.Style // the PAUSED badge
	// Prod is the PROD badge of a production context: white on red in
	// every theme, mono too, the one colour mono draws (and bold, for a
	// terminal with no colour at all).
	Prod   lipgloss.Style
	Error  lipgloss.Style
	Status lipgloss.Style // transient footer messages
	Bar    lipgloss.Style // distribution bars

	HelpKey  lipgloss.Style
	HelpDesc lipgloss.Style
	HelpSep  lipgloss.Style

	ChartP50  lipgloss.Style
	ChartP99  lipgloss.Style
	ChartWarn lipgloss.Style
	ChartCrit lipgloss.Style
}

// NewStyles builds the styles of palette p for renderer r (the default
// renderer when nil).
func NewStyles(r *lipgloss.Renderer, p Palette) *Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	fg := func(col lipgloss.TerminalColor) lipgloss.Style { return r.NewStyle().Foreground(col) }
	s := &Styles{
		Palette: p,
		Colour:  !p.Mono && r.ColorProfile() != termenv.Ascii,
		Text:    fg(p.Text),
		Muted:   fg(p.Muted),
		Accent:  fg(p.Accent).Bold(true),
		Bold:    fg(p.Text).Bold(true),
		Border:  fg(p.Border),
		Header:  r.NewStyle().Foreground(p.HeaderFg).Background(p.HeaderBg),
		Title:   fg(p.Accent).Bold(true),
		OK:      fg(p.OK),
		Warn:    fg(p.Warn).Bold(true),
		Crit:    fg(p.Crit).Bold(true),
		Error:   fg(p.Crit).Bold(true),
		Status:  fg(p.Accent),
		Bar:     fg(p.Accent),
		HelpKey: fg(p.Accent).Bold(true),
	}
	s.HeaderLabel = s.Header.Foreground(p.Muted)
	s.TableHeader = fg(p.Muted).Bold(true)
	s.Selected = r.NewStyle().Foreground(p.SelectedFg).Background(p.SelectedBg).Bold(true)
	s.Paused = r.NewStyle().Foreground(p.OnWarn).Background(p.Warn).Bold(true)
	s.Prod = r.NewStyle().Foreground(lipgloss.Color("231")).Background(prodRed(p)).Bold(true)
	s.HelpDesc = s.Muted
	s.HelpSep = s.Border
	s.ChartP50 = fg(chartColour(p.Chart.P50, p.Accent))
	s.ChartP99 = fg(chartColour(p.Chart.P99, p.Accent))
	s.ChartWarn = fg(chartColour(p.Chart.Warn, p.Warn))
	s.ChartCrit = fg(chartColour(p.Chart.Crit, p.Crit))
	if p.Mono {
		monoLevels(r, s)
	}
	return s
}

// monoLevels replaces colour with attributes, so levels, selection and
// badges stay distinct on a terminal without colour.
func monoLevels(r *lipgloss.Renderer, s *Styles) {
	s.OK = r.NewStyle()
	s.Warn = r.NewStyle().Bold(true).Underline(true)
	s.Crit = r.NewStyle().Bold(true).Reverse(true)
	s.Error = r.NewStyle().Bold(true).Reverse(true)
	s.Header = r.NewStyle().Reverse(true)
	s.HeaderLabel = s.Header
	s.Selected = r.NewStyle().Underline(true)
	s.Paused = r.NewStyle().Bold(true).Reverse(true)
	s.Muted = r.NewStyle().Faint(true)
	s.HelpDesc = s.Muted
	s.Bar = r.NewStyle()
}

// prodRed is the PROD badge's background: the palette's CRIT red, or
// ANSI red for a palette without colours.
func prodRed(p Palette) lipgloss.TerminalColor {
	if p.Mono {
		return lipgloss.Color("9")
	}
	return p.Crit
}

func chartColour(n uint8, fallback lipgloss.TerminalColor) lipgloss.TerminalColor {
	if n == 0 {
		return fallback
	}
	return lipgloss.ANSIColor(n)
}

// Level returns the style of an alert level; unknown levels draw as Crit,
// so a level added later is never drawn as healthy.
func (s *Styles) Level(l metrics.Level) lipgloss.Style {
	switch l {
	case metrics.OK:
		return s.OK
	case metrics.Warn:
		return s.Warn
	default:
		return s.Crit
	}
}
