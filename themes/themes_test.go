package themes

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/bridgescope/bridgescope/metrics"
)

func renderer(p termenv.Profile, dark bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(dark)
	return r
}

func TestNamesAndLookup(t *testing.T) {
	if got, want := Names(), []string{"dark", "light", "contrast", "mono"}; !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for _, n := range Names() {
		p, err := Lookup(strings.ToUpper(n))
		if err != nil || p.Name != n {
			t.Errorf("Lookup(%q) = %q, %v", n, p.Name, err)
		}
	}
	_, err := Lookup("solarized")
	if err == nil || !strings.Contains(err.Error(), `"solarized"`) ||
		!strings.Contains(err.Error(), "auto, dark, light, contrast, mono") {
		t.Fatalf("Lookup(solarized) error = %v", err)
	}
}

func TestNext(t *testing.T) {
	got := []string{}
	n := "dark"
	for range 4 {
		n = Next(n)
		got = append(got, n)
	}
	if want := []string{"light", "contrast", "mono", "dark"}; !slices.Equal(got, want) {
		t.Fatalf("cycle = %v, want %v", got, want)
	}
	if Next("nope") != "dark" {
		t.Fatal("unknown name should restart the cycle")
	}
}

func TestResolve(t *testing.T) {
	cases := []struct {
		name    string
		profile termenv.Profile
		dark    bool
		noColor string
		term    string
		want    string
	}{
		{"auto", termenv.TrueColor, true, "", "xterm-256color", "dark"},
		{"", termenv.TrueColor, false, "", "xterm-256color", "light"},
		{"AUTO", termenv.TrueColor, false, "1", "xterm-256color", "mono"},
		{"contrast", termenv.TrueColor, true, "1", "xterm-256color", "contrast"}, // an explicit choice beats NO_COLOR
		{"light", termenv.TrueColor, true, "", "xterm-256color", "light"},
		// No colour to draw: the header must not say dark.
		{"auto", termenv.TrueColor, true, "", "dumb", "mono"},
		{"auto", termenv.Ascii, true, "", "xterm-256color", "mono"},
		{"dark", termenv.Ascii, true, "", "dumb", "dark"}, // explicit: the user's word
	}
	for _, c := range cases {
		t.Setenv("NO_COLOR", c.noColor)
		t.Setenv("TERM", c.term)
		p, err := Resolve(c.name, renderer(c.profile, c.dark))
		if err != nil || p.Name != c.want {
			t.Errorf("Resolve(%q, %v, dark=%v, NO_COLOR=%q, TERM=%s) = %q, %v; want %q",
				c.name, c.profile, c.dark, c.noColor, c.term, p.Name, err, c.want)
		}
	}
	if _, err := Resolve("nope", nil); err == nil {
		t.Error("Resolve accepted an unknown name")
	}
}

// TestNewRendererExplicitThemeBeatsNoColor: on a 256-colour terminal with
// NO_COLOR set, an explicit theme draws colour and auto or mono do not;
// a dumb terminal draws none whatever the theme.
func TestNewRendererExplicitThemeBeatsNoColor(t *testing.T) {
	t.Setenv("COLORTERM", "")
	cases := []struct {
		theme, noColor, term string
		want                 termenv.Profile
	}{
		{"dark", "1", "xterm-256color", termenv.ANSI256},
		{"contrast", "1", "xterm-256color", termenv.ANSI256},
		{"auto", "1", "xterm-256color", termenv.Ascii},
		{"mono", "1", "xterm-256color", termenv.Ascii},
		{"auto", "", "xterm-256color", termenv.ANSI256},
		{"dark", "1", "dumb", termenv.Ascii},
	}
	for _, c := range cases {
		t.Setenv("NO_COLOR", c.noColor)
		t.Setenv("TERM", c.term)
		r := NewRenderer(io.Discard, c.theme, termenv.WithTTY(true))
		if got := r.ColorProfile(); got != c.want {
			t.Errorf("NewRenderer(%q) with NO_COLOR=%q TERM=%s: profile %v, want %v", c.theme, c.noColor, c.term, got, c.want)
		}
		if c.theme == "auto" {
			r.SetHasDarkBackground(true) // no terminal to ask
			if p, _ := Resolve(c.theme, r); (p.Name == "mono") != (c.want == termenv.Ascii) {
				t.Errorf("auto with NO_COLOR=%q resolved to %s on profile %v", c.noColor, p.Name, c.want)
			}
		}
	}
}

// TestLevelStylesAreDistinct renders each level in every palette: the
// three must differ, in colour palettes by colour and in mono by
// attributes alone.
func TestLevelStylesAreDistinct(t *testing.T) {
	r := renderer(termenv.TrueColor, true)
	for _, n := range Names() {
		p, _ := Lookup(n)
		s := NewStyles(r, p)
		out := map[string]metrics.Level{}
		for _, l := range []metrics.Level{metrics.OK, metrics.Warn, metrics.Crit} {
			got := s.Level(l).Render("x")
			if prev, dup := out[got]; dup {
				t.Errorf("%s: %v and %v draw the same: %q", n, prev, l, got)
			}
			out[got] = l
			if n == "mono" && strings.Contains(got, "38;") {
				t.Errorf("mono %v uses colour: %q", l, got)
			}
		}
		if got := s.Level(metrics.Level(7)).Render("x"); got != s.Crit.Render("x") {
			t.Errorf("%s: an unknown level is not drawn as CRIT", n)
		}
		if !s.Colour && n != "mono" {
			t.Errorf("%s: Colour false on a true-colour renderer", n)
		}
	}
}

func TestStylesFollowRenderer(t *testing.T) {
	p, _ := Lookup("dark")
	s := NewStyles(renderer(termenv.Ascii, true), p)
	if got := s.Crit.Render("CRIT"); got != "CRIT" {
		t.Errorf("ASCII renderer drew %q", got)
	}
	if s.Colour {
		t.Error("Colour true on an ASCII renderer")
	}
}

// TestNewStylesIsPure checks that building a second Styles leaves the
// first, and the palettes, untouched: nothing global is mutated.
func TestNewStylesIsPure(t *testing.T) {
	r := renderer(termenv.TrueColor, true)
	dark, _ := Lookup("dark")
	a := NewStyles(r, dark)
	before := a.Crit.Render("x")
	mono, _ := Lookup("mono")
	_ = NewStyles(r, mono)
	if a.Crit.Render("x") != before || a.Palette.Name != "dark" {
		t.Fatal("building a second Styles changed the first")
	}
	again, _ := Lookup("dark")
	if again.Crit != dark.Crit || again.Mono {
		t.Fatal("a palette changed")
	}
}
