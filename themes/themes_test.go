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
	t.Setenv("NO_COLOR", "")
	cases := []struct {
		name    string
		dark    bool
		noColor string
		want    string
	}{
		{"auto", true, "", "dark"},
		{"", false, "", "light"},
		{"AUTO", false, "1", "mono"},
		{"contrast", true, "1", "contrast"}, // an explicit choice beats NO_COLOR
		{"light", true, "", "light"},
	}
	for _, c := range cases {
		t.Setenv("NO_COLOR", c.noColor)
		p, err := Resolve(c.name, renderer(termenv.TrueColor, c.dark))
		if err != nil || p.Name != c.want {
			t.Errorf("Resolve(%q, dark=%v, NO_COLOR=%q) = %q, %v; want %q", c.name, c.dark, c.noColor, p.Name, err, c.want)
		}
	}
	if _, err := Resolve("nope", nil); err == nil {
		t.Error("Resolve accepted an unknown name")
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
