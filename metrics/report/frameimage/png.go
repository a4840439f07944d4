package frameimage

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/gomonobolditalic"
	"golang.org/x/image/font/gofont/gomonoitalic"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// faces are Go Mono's four styles at FontSize, parsed once.
var faces = sync.OnceValues(func() ([4]font.Face, error) {
	var out [4]font.Face
	for i, ttf := range [][]byte{gomono.TTF, gomonobold.TTF, gomonoitalic.TTF, gomonobolditalic.TTF} {
		f, err := opentype.Parse(ttf)
		if err != nil {
			return out, fmt.Errorf("frameimage: parse Go Mono: %w", err)
		}
		out[i], err = opentype.NewFace(f, &opentype.FaceOptions{Size: FontSize, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return out, fmt.Errorf("frameimage: Go Mono face: %w", err)
		}
	}
	return out, nil
})

func faceOf(fs [4]font.Face, bold, italic bool) font.Face {
	i := 0
	if bold {
		i++
	}
	if italic {
		i += 2
	}
	return fs[i]
}

// PNG writes the frame as a PNG, Size() pixels.
func PNG(f Frame) func(io.Writer) error {
	return func(w io.Writer) error {
		img, err := f.Image()
		if err != nil {
			return err
		}
		if err := png.Encode(w, img); err != nil {
			return fmt.Errorf("frameimage: write png: %w", err)
		}
		return nil
	}
}

// Image draws the frame.
func (f Frame) Image() (*image.RGBA, error) {
	fs, err := faces()
	if err != nil {
		return nil, err
	}
	w, h := f.Size()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(rgba(f.Colours.Page)), image.Point{}, draw.Src)
	rows := f.layout()
	for y, row := range rows {
		for x, c := range row {
			r := image.Rect(x*CellWidth, y*CellHeight, (x+1)*CellWidth, (y+1)*CellHeight)
			draw.Draw(img, r, image.NewUniform(c.bg), image.Point{}, draw.Src)
		}
	}
	var z vector.Rasterizer
	for y, row := range rows {
		for x, c := range row {
			if c.width == 0 || c.text == " " || c.text == "" {
				continue
			}
			drawGlyph(img, &z, fs, c, x*CellWidth, y*CellHeight)
		}
	}
	return img, nil
}

// baseline is the glyphs' baseline from a cell's top: the font's line
// centred in the cell.
func baseline(face font.Face) int {
	m := face.Metrics()
	asc, desc := m.Ascent.Ceil(), m.Descent.Ceil()
	return (CellHeight-(asc+desc))/2 + asc
}

func drawGlyph(img *image.RGBA, z *vector.Rasterizer, fs [4]font.Face, c drawCell, x0, y0 int) {
	cw := float64(CellWidth * max(c.width, 1))
	r := []rune(c.text)
	face := faceOf(fs, c.bold, c.italic)
	switch s, ok := shapeOf(r[0], CellWidth, CellHeight); {
	case len(r) == 1 && ok:
		fill(img, z, s, c.fg, x0, y0)
	case hasGlyphs(face, c.text):
		d := font.Drawer{Dst: img, Src: image.NewUniform(c.fg), Face: face,
			Dot: fixed.P(x0, y0+baseline(face))}
		d.DrawString(c.text)
	default:
		fill(img, z, tofu(CellWidth, CellHeight, max(c.width, 1)), c.fg, x0, y0)
	}
	if c.under {
		uy := y0 + baseline(face) + 2
		draw.Draw(img, image.Rect(x0, uy, x0+int(cw), uy+1), image.NewUniform(c.fg), image.Point{}, draw.Over)
	}
}

// hasGlyphs reports whether the face draws every rune of s.
func hasGlyphs(face font.Face, s string) bool {
	for _, r := range s {
		if _, ok := face.GlyphAdvance(r); !ok {
			return false
		}
	}
	return true
}

// fill rasterizes a shape in the cell at (x0, y0), anti-aliased.
func fill(img *image.RGBA, z *vector.Rasterizer, s shape, col color.RGBA, x0, y0 int) {
	w, h := CellWidth*2, CellHeight // room for a wide glyph's tofu
	for _, alpha := range []float64{0, 0.25, 0.5, 0.75} {
		z.Reset(w, h)
		any := false
		for _, p := range s {
			if p.alpha != alpha || len(p.pts) < 3 {
				continue
			}
			any = true
			pts := oriented(p)
			z.MoveTo(float32(pts[0].X), float32(pts[0].Y))
			for _, q := range pts[1:] {
				z.LineTo(float32(q.X), float32(q.Y))
			}
			z.ClosePath()
		}
		if !any {
			continue
		}
		src := col
		if alpha > 0 {
			src = color.RGBA{R: uint8(float64(col.R) * alpha), G: uint8(float64(col.G) * alpha), B: uint8(float64(col.B) * alpha), A: uint8(math.Round(255 * alpha))}
		}
		z.Draw(img, image.Rect(x0, y0, x0+w, y0+h), image.NewUniform(src), image.Point{})
	}
}

// oriented returns the polygon's points wound clockwise on screen, or the
// other way for a hole, so that overlapping parts add up and holes cut.
func oriented(p poly) []pt {
	area := 0.0
	for i, a := range p.pts {
		b := p.pts[(i+1)%len(p.pts)]
		area += a.X*b.Y - b.X*a.Y
	}
	if (area < 0) != p.hole {
		out := make([]pt, len(p.pts))
		for i, q := range p.pts {
			out[len(p.pts)-1-i] = q
		}
		return out
	}
	return p.pts
}
