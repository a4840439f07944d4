package frameimage

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fontStack is the SVG's font: Go Mono where the reader has it, else a
// monospace font of theirs; textLength keeps every run on the cell grid
// whichever font draws it.
const fontStack = `'Go Mono','DejaVu Sans Mono',Menlo,Consolas,monospace`

// SVG writes the frame as one standalone SVG document: a rectangle per run
// of background, a <text> per run of like-styled cells (so the text can be
// searched and copied), and the shapes (box drawing, blocks, symbols) as
// paths on the same grid as the PNG.
func SVG(f Frame) func(io.Writer) error {
	return func(w io.Writer) error {
		var b bytes.Buffer
		f.WriteSVG(&b)
		if _, err := w.Write(b.Bytes()); err != nil {
			return fmt.Errorf("frameimage: write svg: %w", err)
		}
		return nil
	}
}

// WriteSVG writes the document into b (for a page that inlines it).
func (f Frame) WriteSVG(b *bytes.Buffer) {
	w, h := f.Size()
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">`+"\n", w, h, w, h)
	fmt.Fprintf(b, "<title>%s</title>\n", escape(f.Title))
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="%s"/>`+"\n", w, h, Hex(f.Colours.Page))
	rows := f.layout()
	for y, row := range rows {
		for x := 0; x < len(row); {
			end := x + 1
			for end < len(row) && row[end].bg == row[x].bg {
				end++
			}
			if row[x].bg != rgba(f.Colours.Page) {
				fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n",
					x*CellWidth, y*CellHeight, (end-x)*CellWidth, CellHeight, Hex(row[x].bg))
			}
			x = end
		}
	}
	fmt.Fprintf(b, `<g font-family="%s" font-size="%d">`+"\n", fontStack, FontSize)
	base := CellHeight * 3 / 4 // Go Mono's baseline at FontSize, as the PNG draws it
	if fs, err := faces(); err == nil {
		base = baseline(fs[0])
	}
	for y, row := range rows {
		for x := 0; x < len(row); {
			x = svgRun(b, row, x, y, base)
		}
	}
	b.WriteString("</g>\n</svg>\n")
}

// svgRun writes the run of text starting at cell x (or the shape there)
// and returns the cell after it.
func svgRun(b *bytes.Buffer, row []drawCell, x, y, base int) int {
	c := row[x]
	if c.width == 0 || c.text == " " || c.text == "" {
		return x + 1
	}
	if r, _ := utf8.DecodeRuneInString(c.text); utf8.RuneCountInString(c.text) == 1 {
		if s, ok := shapeOf(r, CellWidth, CellHeight); ok {
			svgShape(b, s, c.fg, x*CellWidth, y*CellHeight)
			return x + 1
		}
	}
	end, cells := x, 0
	var text strings.Builder
	for end < len(row) {
		d := row[end]
		// A blank ends the run: each word is placed on its own cell, so
		// no viewer's whitespace rules (Chrome collapses the blanks of
		// xml:space="preserve" text) can move a column.
		if d.width != 0 && (d.text == " " || d.fg != c.fg || d.bold != c.bold || d.italic != c.italic || d.under != c.under || isShape(d.text)) {
			break
		}
		text.WriteString(d.text)
		cells++
		end++
	}
	t, n := text.String(), cells
	fmt.Fprintf(b, `<text x="%d" y="%d" fill="%s" textLength="%d" lengthAdjust="spacingAndGlyphs"%s>%s</text>`+"\n",
		x*CellWidth, y*CellHeight+base, Hex(c.fg), n*CellWidth, attrs(c), escape(t))
	return end
}

func isShape(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	if utf8.RuneCountInString(s) != 1 {
		return false
	}
	_, ok := shapeOf(r, CellWidth, CellHeight)
	return ok
}

func attrs(c drawCell) string {
	var a string
	if c.bold {
		a += ` font-weight="bold"`
	}
	if c.italic {
		a += ` font-style="italic"`
	}
	if c.under {
		a += ` text-decoration="underline"`
	}
	return a
}

func svgShape(b *bytes.Buffer, s shape, col color.RGBA, x0, y0 int) {
	opacity := map[float64]*strings.Builder{}
	for _, p := range s {
		if len(p.pts) < 3 {
			continue
		}
		d := opacity[p.alpha]
		if d == nil {
			d = &strings.Builder{}
			opacity[p.alpha] = d
		}
		for i, q := range oriented(p) {
			op := "L"
			if i == 0 {
				op = "M"
			}
			d.WriteString(op + num(float64(x0)+q.X) + " " + num(float64(y0)+q.Y))
		}
		d.WriteString("Z")
	}
	for _, alpha := range []float64{0, 0.25, 0.5, 0.75} {
		d := opacity[alpha]
		if d == nil {
			continue
		}
		extra := ""
		if alpha > 0 {
			extra = ` fill-opacity="` + num(alpha) + `"`
		}
		fmt.Fprintf(b, `<path d="%s" fill="%s"%s/>`+"\n", d.String(), Hex(col), extra)
	}
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// escape makes s safe as XML text and attribute: markup characters become
// entities and characters XML forbids are dropped.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r != 0xfffe && r != 0xffff && r != utf8.RuneError):
			b.WriteRune(r)
		}
	}
	return b.String()
}
