package frameimage

import (
	"image/color"
	"math"

	"github.com/charmbracelet/x/cellbuf"
)

// MinContrast is the least contrast between a glyph and the background it is
// drawn on: WCAG 2's AA level for body text (4.5:1), because a snapshot is
// read as text, pasted into a ticket whose page may be white or dark.
const MinContrast = 4.5

// greyChroma is the OKLab chroma below which a colour counts as a grey: the
// dashboard's text, muted and border shades, which a page of the other
// polarity mirrors (light grey text becomes dark grey text) instead of only
// darkening until readable, so their hierarchy survives.
const greyChroma = 0.03

// Colours are the page a frame is drawn on and the colours a cell without
// its own gets: the terminal's defaults, which a screen never states.
type Colours struct {
	Page color.Color // the background where no cell sets one
	Text color.Color // the foreground where no cell sets one
	// Mirror is set when the page is of the other polarity than the theme
	// the frame was drawn for (a dark theme on a white page): the greys the
	// frame sets, foreground and background, are mirrored in lightness.
	Mirror bool
}

// Resolve returns the colours a cell is drawn in: defaults filled in,
// reverse and faint applied, greys mirrored when asked, and the foreground
// moved until it reads at MinContrast against the background.
func (o Colours) Resolve(c Cell) (fg, bg color.RGBA) {
	fg, bg = rgba(o.Text), rgba(o.Page)
	if c.Fg != nil {
		fg = o.mirror(rgba(c.Fg))
	}
	if c.Bg != nil {
		bg = o.apart(o.mirror(rgba(c.Bg)))
	}
	if c.Attrs&cellbuf.ReverseAttr != 0 {
		fg, bg = bg, fg
	}
	if c.Attrs&cellbuf.FaintAttr != 0 {
		fg = mix(fg, bg, 0.4)
	}
	return Readable(fg, bg), bg
}

// bgApart is the least OKLab lightness between a mirrored cell background
// and the page, on the side away from the page's end (lighter on a dark
// page, darker on a light one, as a raised bar reads): a selected row's
// light grey, mirrored onto a dark page, would otherwise be a black band
// barely off the page.
const bgApart = 0.12

// apart keeps a mirrored background visibly off the page.
func (o Colours) apart(c color.RGBA) color.RGBA {
	if !o.Mirror {
		return c
	}
	l, a, b := toOKLab(c)
	pl, _, _ := toOKLab(rgba(o.Page))
	switch {
	case pl < 0.5 && l < pl+bgApart:
		return fromOKLab(pl+bgApart, a, b)
	case pl >= 0.5 && l > pl-bgApart:
		return fromOKLab(pl-bgApart, a, b)
	}
	return c
}

func (o Colours) mirror(c color.RGBA) color.RGBA {
	if !o.Mirror {
		return c
	}
	l, a, b := toOKLab(c)
	if math.Hypot(a, b) >= greyChroma {
		return c
	}
	return fromOKLab(1-l, a, b)
}

// Readable returns fg, or the nearest colour of the same hue that reads at
// MinContrast on bg: darker on a light background, lighter on a dark one.
// At the far end it is black or white, which read on any background but a
// mid grey; there it takes whichever end reads better.
func Readable(fg, bg color.RGBA) color.RGBA {
	if Contrast(fg, bg) >= MinContrast {
		return fg
	}
	toward := func(end float64) (color.RGBA, bool) {
		l, a, b := toOKLab(fg)
		at := func(t float64) color.RGBA { return fromOKLab(l+(end-l)*t, a*(1-t), b*(1-t)) }
		if Contrast(at(1), bg) < MinContrast {
			return at(1), false
		}
		lo, hi := 0.0, 1.0
		for range 30 { // the least move that reads: hue and lightness kept as far as can be
			mid := (lo + hi) / 2
			if Contrast(at(mid), bg) >= MinContrast {
				hi = mid
			} else {
				lo = mid
			}
		}
		return at(hi), true
	}
	first, second := 0.0, 1.0 // darken first on a light background
	if luminance(bg) < 0.18 {
		first, second = 1.0, 0.0
	}
	if c, ok := toward(first); ok {
		return c
	}
	if c, ok := toward(second); ok {
		return c
	}
	a, _ := toward(first)
	b, _ := toward(second)
	if Contrast(a, bg) >= Contrast(b, bg) {
		return a
	}
	return b
}

// Contrast is the WCAG 2 contrast ratio of two colours, 1 to 21.
func Contrast(a, b color.Color) float64 {
	la, lb := luminance(rgba(a)), luminance(rgba(b))
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is WCAG 2's relative luminance.
func luminance(c color.RGBA) float64 {
	r, g, b := linear(c.R), linear(c.G), linear(c.B)
	return 0.2126*r + 0.7152*g + 0.0722*b
}

func linear(v uint8) float64 {
	c := float64(v) / 255
	if c <= 0.04045 {
		return c / 12.92
	}
	return math.Pow((c+0.055)/1.055, 2.4)
}

func unlinear(c float64) uint8 {
	c = min(max(c, 0), 1)
	if c <= 0.0031308 {
		c *= 12.92
	} else {
		c = 1.055*math.Pow(c, 1/2.4) - 0.055
	}
	return uint8(math.Round(c * 255))
}

// toOKLab and fromOKLab convert sRGB to Björn Ottosson's OKLab, where a
// change of lightness keeps the hue a reader sees.
func toOKLab(c color.RGBA) (l, a, b float64) {
	r, g, bl := linear(c.R), linear(c.G), linear(c.B)
	lc := math.Cbrt(0.4122214708*r + 0.5363325363*g + 0.0514459929*bl)
	mc := math.Cbrt(0.2119034982*r + 0.6806995451*g + 0.1073969566*bl)
	sc := math.Cbrt(0.0883024619*r + 0.2817188376*g + 0.6299787005*bl)
	return 0.2104542553*lc + 0.7936177850*mc - 0.0040720468*sc,
		1.9779984951*lc - 2.4285922050*mc + 0.4505937099*sc,
		0.0259040371*lc + 0.7827717662*mc - 0.8086757660*sc
}

func fromOKLab(l, a, b float64) color.RGBA {
	lc := l + 0.3963377774*a + 0.2158037573*b
	mc := l - 0.1055613458*a - 0.0638541728*b
	sc := l - 0.0894841775*a - 1.2914855480*b
	lc, mc, sc = lc*lc*lc, mc*mc*mc, sc*sc*sc
	return color.RGBA{
		R: unlinear(4.0767416621*lc - 3.3077115913*mc + 0.2309699292*sc),
		G: unlinear(-1.2684380046*lc + 2.6097574011*mc - 0.3413193965*sc),
		B: unlinear(-0.0041960863*lc - 0.7034186147*mc + 1.7076147010*sc),
		A: 0xff,
	}
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	m := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-t) + float64(y)*t)) }
	return color.RGBA{R: m(a.R, b.R), G: m(a.G, b.G), B: m(a.B, b.B), A: 0xff}
}

func rgba(c color.Color) color.RGBA {
	if c == nil {
		return color.RGBA{A: 0xff}
	}
	r, g, b, _ := c.RGBA()
	return color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0xff}
}

// Hex is a colour as #rrggbb.
func Hex(c color.Color) string {
	const digits = "0123456789abcdef"
	x := rgba(c)
	out := []byte{'#', 0, 0, 0, 0, 0, 0}
	for i, v := range []uint8{x.R, x.G, x.B} {
		out[1+2*i], out[2+2*i] = digits[v>>4], digits[v&15]
	}
	return string(out)
}

// ParseHex reads #rrggbb; anything else is black.
func ParseHex(s string) color.RGBA {
	var v [3]uint8
	if len(s) == 7 && s[0] == '#' {
		for i := range v {
			hi, lo := unhex(s[1+2*i]), unhex(s[2+2*i])
			v[i] = hi<<4 | lo
		}
	}
	return color.RGBA{R: v[0], G: v[1], B: v[2], A: 0xff}
}

func unhex(c byte) uint8 {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}
