package tui

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/bridgescope/bridgescope/metrics/report/frameimage"
	"github.com/bridgescope/bridgescope/themes"
)

// themedModel is a model at w×h drawing theme on a 256-colour renderer.
func themedModel(t *testing.T, theme string, w, h int) Model {
	t.Helper()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	r.SetHasDarkBackground(theme != "light")
	m := New(Config{Renderer: r, Theme: theme, Control: &fakeControl{rate: 10}, Now: func() time.Time { return fixedNow },
		SnapshotDir: t.TempDir()})
	m.sched = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	return withSnapshot(t, update(t, m, tea.WindowSizeMsg{Width: w, Height: h}), fixture3())
}

// TestSnapshotImageEveryPaletteReads draws the dashboard in every palette on
// every page and checks every glyph's colour against the background it is
// drawn on: at least frameimage.MinContrast. BRIDGESCOPE_IMAGE_DIR keeps the
// PNGs to look at.
func TestSnapshotImageEveryPaletteReads(t *testing.T) {
	keep := os.Getenv("BRIDGESCOPE_IMAGE_DIR")
	for _, theme := range themes.Names() {
		for _, bg := range SnapshotBgs() {
			m := themedModel(t, theme, 80, 24)
			f := frameImage(m.View(), *m.snap, ImageColours(m.styles.Palette, bg), false)
			worst, at := 21.0, ""
			for y, row := range f.Grid.Cells {
				for x, c := range row {
					if strings.TrimSpace(c.Text) == "" {
						continue
					}
					fg, cbg := f.Colours.Resolve(c)
					if r := frameimage.Contrast(fg, cbg); r < worst {
						worst, at = r, c.Text+" at "+string(rune('0'+y/10))+string(rune('0'+y%10))+":"+itoa3(x)
					}
				}
			}
			if worst < frameimage.MinContrast {
				t.Errorf("%s on %s: %q reads at %.2f:1, under %.1f:1", theme, bg, at, worst, frameimage.MinContrast)
			}
			if keep != "" {
				var b bytes.Buffer
				if err := frameimage.PNG(f)(&b); err != nil {
					t.Fatal(err)
				}
				_ = os.WriteFile(filepath.Join(keep, theme+"-"+bg+".png"), b.Bytes(), 0o644)
			}
		}
	}
}

func itoa3(n int) string {
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}

// TestSnapshotWritesImages: `s` writes a PNG of columns × cell width by
// (rows + title) × cell height whose pixels carry the theme's colours, and
// an SVG that parses as XML and holds the frame's text.
func TestSnapshotWritesImages(t *testing.T) {
	m := themedModel(t, "dark", 80, 24)
	frame := m.View()
	nm, cmd := m.Update(keyMsg("s"))
	m = update(t, nm.(Model), cmd())
	base := filepath.Join(m.cfg.SnapshotDir, "bridgescope-20251126-140211")
	raw, err := os.ReadFile(base + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the PNG does not decode: %v", err)
	}
	if got, want := img.Bounds().Size(), image.Pt(80*frameimage.CellWidth, (24+frameimage.TitleRows)*frameimage.CellHeight); got != want {
		t.Fatalf("PNG size %v, want %v", got, want)
	}
	pal, _ := themes.Lookup("dark")
	grid := frameimage.Parse(frame)
	// The header bar (row 0 of the frame, row 1 of the image) is drawn on
	// the palette's header background; an empty cell of the chart on the
	// theme's page.
	if got := pixelAt(img, 79, 0+frameimage.TitleRows, 1, 1); !sameRGB(got, ansi256(236)) {
		t.Errorf("header bar pixel %v, want xterm 236 %v", got, ansi256(236))
	}
	if got := pixelAt(img, 0, 23+frameimage.TitleRows, frameimage.CellWidth-1, 1); !sameRGB(got, frameimage.ParseHex(pal.Background)) {
		t.Errorf("page pixel %v, want the dark theme's background %s", got, pal.Background)
	}
	// A WARN cell's glyph is drawn in the palette's warn colour (214),
	// which reads on the page as it is; the selected row's CRIT (196 on
	// 238 reads at 2.4:1) in the nearest red that reads at 4.5:1.
	x, y := findCell(t, grid, "WARN")
	if !cellHas(img, x, y+frameimage.TitleRows, ansi256(214)) {
		t.Errorf("no pixel of the WARN glyph at cell %d,%d is xterm 214", x, y)
	}
	x, y = findCell(t, grid, "CRIT")
	lifted := frameimage.Readable(ansi256(196), ansi256(238))
	if frameimage.Contrast(ansi256(196), ansi256(238)) >= frameimage.MinContrast || !cellHas(img, x, y+frameimage.TitleRows, lifted) {
		t.Errorf("the selected row's CRIT at cell %d,%d is not drawn in %s", x, y, frameimage.Hex(lifted))
	}

	svg, err := os.ReadFile(base + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var text strings.Builder
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
		case xml.CharData:
			text.Write(tok)
		}
	}
	if root != "svg" {
		t.Fatalf("SVG root element %q", root)
	}
	for _, want := range []string{"bot-3", "observer obs-7f3a", "2025-11-26 14:02:11", "CRIT"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the SVG's text lacks %q", want)
		}
	}
}

func ansi256(n uint8) color.RGBA {
	r, g, b, _ := termenvColour(n).RGBA()
	return color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 255}
}

func termenvColour(n uint8) color.Color {
	// charmbracelet/x/ansi's table, the one the parser resolves with.
	return frameimage.Parse("\x1b[38;5;" + itoa3(int(n)) + "mX").Cells[0][0].Fg
}

func pixelAt(img image.Image, col, row, dx, dy int) color.RGBA {
	c := img.At(col*frameimage.CellWidth+dx, row*frameimage.CellHeight+dy)
	r, g, b, _ := c.RGBA()
	return color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 255}
}

func sameRGB(a, b color.RGBA) bool { return a.R == b.R && a.G == b.G && a.B == b.B }

// cellHas reports whether any pixel of the cell is within a few levels of c.
func cellHas(img image.Image, col, row int, c color.RGBA) bool {
	near := func(a, b uint8) bool { return int(a)+6 >= int(b) && int(b)+6 >= int(a) }
	for dy := range frameimage.CellHeight {
		for dx := range frameimage.CellWidth {
			p := pixelAt(img, col, row, dx, dy)
			if near(p.R, c.R) && near(p.G, c.G) && near(p.B, c.B) {
				return true
			}
		}
	}
	return false
}

func findCell(t *testing.T, g frameimage.Grid, s string) (int, int) {
	t.Helper()
	for y, row := range g.Cells {
		var line strings.Builder
		for _, c := range row {
			if c.Width == 0 {
				continue
			}
			line.WriteString(c.Text)
		}
		if x := strings.Index(line.String(), s); x >= 0 {
			return len([]rune(line.String()[:x])), y
		}
	}
	t.Fatalf("no %q in the frame", s)
	return 0, 0
}
