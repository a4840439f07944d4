package frameimage

import (
	"bytes"
	"image/color"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestReadableAlwaysReads: whatever the pair, the colour Readable returns
// reads at MinContrast, and a pair that already reads is left alone.
func TestReadableAlwaysReads(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		fg := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		bg := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		got := Readable(fg, bg)
		if c := Contrast(got, bg); c < MinContrast {
			// Only a mid grey background can defeat both ends; even then
			// the better end is taken.
			if best := max(Contrast(color.RGBA{A: 255}, bg), Contrast(color.RGBA{255, 255, 255, 255}, bg)); c < best-0.01 {
				t.Fatalf("Readable(%s on %s) = %s reads at %.2f", Hex(fg), Hex(bg), Hex(got), c)
			}
		}
		if Contrast(fg, bg) >= MinContrast && got != fg {
			t.Fatalf("Readable moved %s on %s, which reads already", Hex(fg), Hex(bg))
		}
	}
}

func TestParseCells(t *testing.T) {
	g := Parse("\x1b[1;38;5;196mCR\x1b[0mIT 日\x1b[7mx\x1b[m\n\x1b]8;;http://x\x07ab")
	if g.Rows != 2 || g.Cols != 8 {
		t.Fatalf("grid %d×%d, want 8×2", g.Cols, g.Rows)
	}
	if c := g.Cells[0][0]; c.Text != "C" || c.Fg == nil || c.Attrs == 0 {
		t.Errorf("bold red C parsed as %+v", c)
	}
	if c := g.Cells[0][2]; c.Fg != nil {
		t.Errorf("the reset did not clear the pen: %+v", c)
	}
	if g.Cells[0][5].Width != 2 || g.Cells[0][6].Width != 0 {
		t.Errorf("a wide glyph is not two cells: %+v %+v", g.Cells[0][5], g.Cells[0][6])
	}
	if got := g.Text(); got != "CRIT 日x\nab      " {
		t.Errorf("text %q", got)
	}
}

// TestParseCaps drives a frame past MaxCols and MaxRows: it is cut, never
// an image of unbounded size.
func TestParseCaps(t *testing.T) {
	line := strings.Repeat("x", MaxCols+50)
	g := Parse(strings.Repeat(line+"\n", MaxRows+10))
	if g.Cols != MaxCols || g.Rows != MaxRows {
		t.Fatalf("grid %d×%d, want the caps %d×%d", g.Cols, g.Rows, MaxCols, MaxRows)
	}
	w, h := Frame{Grid: g}.Size()
	if w != MaxCols*CellWidth || h != (MaxRows+TitleRows)*CellHeight {
		t.Fatalf("size %d×%d", w, h)
	}
}

// TestDashboardGlyphsAreDrawn: every symbol the dashboard draws is in Go
// Mono or drawn as a shape, never the tofu box.
func TestDashboardGlyphsAreDrawn(t *testing.T) {
	fs, err := faces()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "µ·×Σ–—•…↑→↓↘−∘≈≤─━┄└┤┼╴╶█▸◌●✓✗╭╮╯╰│▶⏸■▁▂▃▄▅▆▇" {
		if _, ok := shapeOf(r, CellWidth, CellHeight); ok {
			continue
		}
		if !hasGlyphs(fs[0], string(r)) || !hasGlyphs(fs[1], string(r)) {
			t.Errorf("%c (U+%04X) is neither in Go Mono nor a shape", r, r)
		}
	}
}

// TestSVGWordsSitOnTheirCells: each word is its own <text> at its cell, so
// a viewer that collapses blanks (Chrome does) cannot move a column.
func TestSVGWordsSitOnTheirCells(t *testing.T) {
	var b bytes.Buffer
	Frame{Grid: Parse("  ID     P99\n  bot-1  1.2ms"), Colours: Colours{Page: color.White, Text: color.Black}}.WriteSVG(&b)
	svg := b.String()
	for _, want := range []string{`x="24" y="`, `>ID</text>`, `x="108" y="43"`, `>P99</text>`, `>bot-1</text>`, `textLength="60"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG lacks %s:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "> ") || strings.Contains(svg, " </text>") {
		t.Errorf("a <text> holds a blank:\n%s", svg)
	}
}
