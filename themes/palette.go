// Package themes owns bridgescope's colour palettes and the lipgloss Styles
// built from them; nothing here is global or mutated after construction.
package themes

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Auto is the theme name that picks dark or light from the terminal's
// background, and mono when the terminal cannot or must not draw colour.
const Auto = "auto"

// Palette is a named set of semantic colours. A colour of lipgloss.NoColor
// means "terminal default"; Mono palettes use only NoColor and mark levels
// with bold, underline and reverse instead.
type Palette struct {
	Name string
	Mono bool

	Text   lipgloss.TerminalColor
	Muted  lipgloss.TerminalColor
	Accent lipgloss.TerminalColor
	Border lipgloss.TerminalColor

	HeaderFg lipgloss.TerminalColor
	HeaderBg lipgloss.TerminalColor

	SelectedFg lipgloss.TerminalColor
	SelectedBg lipgloss.TerminalColor

	OK   lipgloss.TerminalColor
	Warn lipgloss.TerminalColor
	Crit lipgloss.TerminalColor
	// OnWarn is text drawn on a Warn background (the PAUSED badge).
	OnWarn lipgloss.TerminalColor

	// Background and Foreground are the terminal colours the palette is
	// drawn for (#rrggbb). A terminal keeps its own; only an image of the
	// frame (a snapshot's PNG and SVG) paints them.
	Background, Foreground string

	// Chart holds xterm-256 colour indexes for the latency chart, whose
	// library writes its own escape codes; 0 means the terminal default.
	Chart ChartColors
}

// ChartColors are the xterm-256 indexes of the chart's lines.
type ChartColors struct {
	P50, P99, Warn, Crit uint8
}

func c(s string) lipgloss.TerminalColor { return lipgloss.Color(s) }

var palettes = []Palette{
	{
		Name: "dark", Text: c("252"), Muted: c("244"), Accent: c("75"), Border: c("240"),
		HeaderFg: c("255"), HeaderBg: c("236"), SelectedFg: c("255"), SelectedBg: c("238"),
		OK: c("42"), Warn: c("214"), Crit: c("196"), OnWarn: c("232"),
		Chart:      ChartColors{P50: 75, P99: 177, Warn: 214, Crit: 196},
		Background: "#1c1c1c", Foreground: "#d0d0d0",
	},
	{
		Name: "light", Text: c("235"), Muted: c("242"), Accent: c("25"), Border: c("248"),
		HeaderFg: c("232"), HeaderBg: c("253"), SelectedFg: c("232"), SelectedBg: c("252"),
		OK: c("28"), Warn: c("130"), Crit: c("160"), OnWarn: c("231"),
		Chart:      ChartColors{P50: 25, P99: 90, Warn: 130, Crit: 160},
		Background: "#ffffff", Foreground: "#262626",
	},
	{
		// Bright ANSI colours only: they survive 16-colour terminals and
		// low-vision settings.
		Name: "contrast", Text: c("15"), Muted: c("7"), Accent: c("14"), Border: c("15"),
		HeaderFg: c("0"), HeaderBg: c("15"), SelectedFg: c("15"), SelectedBg: c("8"),
		OK: c("10"), Warn: c("11"), Crit: c("9"), OnWarn: c("0"),
		Chart:      ChartColors{P50: 14, P99: 13, Warn: 11, Crit: 9},
		Background: "#000000", Foreground: "#ffffff",
	},
	{
		Name: "mono", Mono: true, Text: lipgloss.NoColor{}, Muted: lipgloss.NoColor{},
		Accent: lipgloss.NoColor{}, Border: lipgloss.NoColor{},
		HeaderFg: lipgloss.NoColor{}, HeaderBg: lipgloss.NoColor{},
		SelectedFg: lipgloss.NoColor{}, SelectedBg: lipgloss.NoColor{},
		OK: lipgloss.NoColor{}, Warn: lipgloss.NoColor{}, Crit: lipgloss.NoColor{}, OnWarn: lipgloss.NoColor{},
		Background: "#1c1c1c", Foreground: "#d0d0d0",
	},
}

// Names returns the concrete palette names in the order the dashboard
// cycles through them.
func Names() []string {
	out := make([]string, len(palettes))
	for i, p := range palettes {
		out[i] = p.Name
	}
	return out
}

// Lookup returns the palette with the given name (case-insensitive). It
// does not resolve "auto": use Resolve for that.
func Lookup(name string) (Palette, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, p := range palettes {
		if p.Name == n {
			return p, nil
		}
	}
	return Palette{}, fmt.Errorf("themes: unknown theme %q (valid: %s, %s)",
		name, Auto, strings.Join(Names(), ", "))
}

// Resolve turns a user's theme choice into a palette. "auto" or "" picks
// mono when the output gets no colour — NO_COLOR is set (no-color.org),
// TERM is dumb, or r draws none (not a terminal) — so the name on screen is
// what is drawn; else dark or light from the terminal background as r
// reports it. An explicit name wins over NO_COLOR, as no-color.org asks of
// per-invocation options (NewRenderer restores the colour for it).
func Resolve(name string, r *lipgloss.Renderer) (Palette, error) {
	if explicit(name) {
		return Lookup(name)
	}
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" || r.ColorProfile() == termenv.Ascii {
		return Lookup("mono")
	}
	if r.HasDarkBackground() {
		return Lookup("dark")
	}
	return Lookup("light")
}

// NewRenderer returns a renderer for w with lipgloss's own detection of
// what the terminal draws, except that an explicit theme (not auto, not
// mono) overrides NO_COLOR and CLICOLOR=0: the user asked for colour on
// this invocation. What the terminal cannot draw (TERM=dumb, not a
// terminal) stays undrawn. opts are termenv's, for tests.
func NewRenderer(w io.Writer, theme string, opts ...termenv.OutputOption) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(w, opts...)
	if out := r.Output(); explicit(theme) && !strings.EqualFold(strings.TrimSpace(theme), "mono") && out.EnvNoColor() {
		r.SetColorProfile(out.ColorProfile())
	}
	return r
}

// explicit reports whether name is a palette name rather than auto.
func explicit(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	return n != "" && n != Auto
}

// Next returns the name of the palette after name in Names(), wrapping
// around; an unknown name yields the first palette.
func Next(name string) string {
	names := Names()
	for i, n := range names {
		if n == name {
			return names[(i+1)%len(names)]
		}
	}
	return names[0]
}
