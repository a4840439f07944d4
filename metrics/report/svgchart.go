package report

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"strconv"
	"time"
)

// The charts are SVG of our own: a few polylines on a frame, which the
// page inlines. A plotting library would bring its fonts (blocked by the
// page's Content-Security-Policy unless inlined) and a dozen modules for
// what is here 100 lines.

// chartLine is one series: values at times, NaN for none.
type chartLine struct {
	label  string
	colour string
	dash   bool
	times  []time.Time
	values []float64
}

// chart is a line chart w×h pixels over [start, end], y from lo to hi,
// with an optional horizontal rule at ref (a threshold).
type chart struct {
	w, h       int
	start, end time.Time
	lo, hi     float64
	lines      []chartLine
	refs       []chartRef
	unit       func(float64) string
}

type chartRef struct {
	at     float64
	label  string
	colour string
}

func (c chart) svg(b *bytes.Buffer) {
	const padL, padB, padT = 56, 16, 6
	pw, ph := float64(c.w-padL-4), float64(c.h-padB-padT)
	span := c.end.Sub(c.start).Seconds()
	if span <= 0 {
		span = 1
	}
	if c.hi <= c.lo {
		c.hi = c.lo + 1
	}
	x := func(t time.Time) float64 { return float64(padL) + pw*t.Sub(c.start).Seconds()/span }
	y := func(v float64) float64 {
		return float64(padT) + ph*(1-(math.Min(math.Max(v, c.lo), c.hi)-c.lo)/(c.hi-c.lo))
	}
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" class="chart">`, c.w, c.h, c.w, c.h)
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%s" height="%s" class="plot"/>`, padL, padT, f1(pw), f1(ph))
	for _, v := range []float64{c.lo, c.hi} {
		fmt.Fprintf(b, `<text x="%d" y="%s" class="axis" text-anchor="end">%s</text>`, padL-4, f1(y(v)+4), html.EscapeString(c.unit(v)))
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" class="axis">%s</text>`, padL, c.h-3, c.start.Format("15:04:05"))
	fmt.Fprintf(b, `<text x="%d" y="%d" class="axis" text-anchor="end">%s</text>`, c.w-4, c.h-3, c.end.Format("15:04:05"))
	for _, r := range c.refs {
		if r.at < c.lo || r.at > c.hi {
			continue
		}
		fmt.Fprintf(b, `<line x1="%d" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-dasharray="4 3" stroke-width="1"><title>%s</title></line>`,
			padL, f1(float64(padL)+pw), f1(y(r.at)), f1(y(r.at)), r.colour, html.EscapeString(r.label))
	}
	for _, l := range c.lines {
		dash := ""
		if l.dash {
			dash = ` stroke-dasharray="2 2"`
		}
		// A gap (NaN) ends one polyline and starts the next.
		var pts bytes.Buffer
		flush := func() {
			if pts.Len() > 0 {
				fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"%s><title>%s</title></polyline>`,
					pts.String(), l.colour, dash, html.EscapeString(l.label))
				pts.Reset()
			}
		}
		for i, v := range l.values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				flush()
				continue
			}
			fmt.Fprintf(&pts, "%s,%s ", f1(x(l.times[i])), f1(y(v)))
		}
		flush()
	}
	b.WriteString("</svg>")
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// sparkline draws values as block characters, width wide (downsampled to
// the worst of each bucket by worse): Markdown's chart.
func sparkline(values []float64, width int, lo, hi float64, worse func(a, b float64) float64) string {
	if len(values) == 0 {
		return ""
	}
	const blocks = "▁▂▃▄▅▆▇█"
	runes := []rune(blocks)
	out := make([]rune, 0, width)
	per := float64(len(values)) / float64(min(width, len(values)))
	for i := 0; i < min(width, len(values)); i++ {
		v := math.NaN()
		for _, q := range values[int(float64(i)*per):max(int(float64(i+1)*per), int(float64(i)*per)+1)] {
			v = worse(v, q)
		}
		if math.IsNaN(v) {
			out = append(out, ' ')
			continue
		}
		k := int((math.Min(math.Max(v, lo), hi) - lo) / math.Max(hi-lo, 1e-9) * float64(len(runes)-1))
		out = append(out, runes[k])
	}
	return string(out)
}
