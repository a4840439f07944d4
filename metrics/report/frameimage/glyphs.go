package frameimage

import "math"

// pt is a point in a cell, in pixels from its top left.
type pt struct{ X, Y float64 }

// poly is one closed polygon; a hole winds the other way.
type poly struct {
	pts  []pt
	hole bool
	// alpha is the coverage the shade blocks (░▒▓) draw with; 0 means 1.
	alpha float64
}

// shape is a glyph drawn as polygons in a w×h cell.
type shape []poly

// arms are a box-drawing glyph's four arms, each 0 (none), 1 (light) or 2
// (heavy): left, right, up, down.
type arms [4]uint8

const (
	armL = iota
	armR
	armU
	armD
)

var boxArms = map[rune]arms{
	'─': {1, 1, 0, 0}, '│': {0, 0, 1, 1}, '┌': {0, 1, 0, 1}, '┐': {1, 0, 0, 1},
	'└': {0, 1, 1, 0}, '┘': {1, 0, 1, 0}, '├': {0, 1, 1, 1}, '┤': {1, 0, 1, 1},
	'┬': {1, 1, 0, 1}, '┴': {1, 1, 1, 0}, '┼': {1, 1, 1, 1},
	'━': {2, 2, 0, 0}, '┃': {0, 0, 2, 2}, '┏': {0, 2, 0, 2}, '┓': {2, 0, 0, 2},
	'┗': {0, 2, 2, 0}, '┛': {2, 0, 2, 0}, '┣': {0, 2, 2, 2}, '┫': {2, 0, 2, 2},
	'┳': {2, 2, 0, 2}, '┻': {2, 2, 2, 0}, '╋': {2, 2, 2, 2},
	'╴': {1, 0, 0, 0}, '╵': {0, 0, 1, 0}, '╶': {0, 1, 0, 0}, '╷': {0, 0, 0, 1},
	'╸': {2, 0, 0, 0}, '╹': {0, 0, 2, 0}, '╺': {0, 2, 0, 0}, '╻': {0, 0, 0, 2},
}

// dashes are the dashed lines: horizontal or not, heavy or not, how many dashes.
var dashes = map[rune]struct {
	horiz, heavy bool
	n            int
}{
	'┄': {true, false, 3}, '┅': {true, true, 3}, '┈': {true, false, 4}, '┉': {true, true, 4},
	'╌': {true, false, 2}, '╍': {true, true, 2}, '┆': {false, false, 3}, '┇': {false, true, 3},
	'┊': {false, false, 4}, '┋': {false, true, 4}, '╎': {false, false, 2}, '╏': {false, true, 2},
}

// rounded corners: which two arms the arc joins.
var rounded = map[rune][2]int{'╭': {armR, armD}, '╮': {armL, armD}, '╯': {armL, armU}, '╰': {armR, armU}}

// lineWidth is the light and heavy line thickness for a cell w wide: a
// sixth of the cell, at least one pixel, so lines read at any cell size.
func lineWidth(w float64, heavy bool) float64 {
	t := math.Max(1, math.Round(w/6))
	if heavy {
		t *= 2
	}
	return t
}

// shapeOf returns the glyph of r drawn as shapes, or false when the font
// draws it.
func shapeOf(r rune, w, h float64) (shape, bool) {
	if a, ok := boxArms[r]; ok {
		return boxShape(a, w, h), true
	}
	if d, ok := dashes[r]; ok {
		return dashShape(d.horiz, d.heavy, d.n, w, h), true
	}
	if c, ok := rounded[r]; ok {
		return roundShape(c, w, h), true
	}
	if s, ok := blockShape(r, w, h); ok {
		return s, true
	}
	return symbolShape(r, w, h)
}

// centre returns where a line of thickness t starts across a span, on a
// whole pixel so that straight lines stay crisp.
func centre(span, t float64) float64 { return math.Floor((span - t) / 2) }

func rect(x0, y0, x1, y1 float64) poly {
	return poly{pts: []pt{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}}
}

func boxShape(a arms, w, h float64) shape {
	var s shape
	for i, weight := range a {
		if weight == 0 {
			continue
		}
		t := lineWidth(w, weight == 2)
		x0, y0 := centre(w, t), centre(h, t)
		// Each arm reaches past the centre by the widest crossing line, so
		// a light arm meets a heavy one without a notch.
		reachX, reachY := centre(w, lineWidth(w, true)), centre(h, lineWidth(w, true))
		switch i {
		case armL:
			s = append(s, rect(0, y0, w-reachX, y0+t))
		case armR:
			s = append(s, rect(reachX, y0, w, y0+t))
		case armU:
			s = append(s, rect(x0, 0, x0+t, h-reachY))
		case armD:
			s = append(s, rect(x0, reachY, x0+t, h))
		}
	}
	return s
}

func dashShape(horiz, heavy bool, n int, w, h float64) shape {
	t := lineWidth(w, heavy)
	var s shape
	span := h
	if horiz {
		span = w
	}
	step := span / float64(n)
	gap := math.Max(1, math.Round(step/3))
	for i := range n {
		a, b := float64(i)*step+gap/2, float64(i+1)*step-gap/2
		if horiz {
			y := centre(h, t)
			s = append(s, rect(a, y, b, y+t))
		} else {
			x := centre(w, t)
			s = append(s, rect(x, a, x+t, b))
		}
	}
	return s
}

// roundShape is a light arc joining two arms, e.g. right and down for ╭,
// with a radius of half the cell's width.
func roundShape(c [2]int, w, h float64) shape {
	t := lineWidth(w, false)
	cx, cy := centre(w, t)+t/2, centre(h, t)+t/2
	r := w / 2
	sx, sy := 1.0, 1.0 // towards the horizontal arm, towards the vertical arm
	if c[0] == armL {
		sx = -1
	}
	if c[1] == armU {
		sy = -1
	}
	edgeX, edgeY := w, h
	if sx < 0 {
		edgeX = 0
	}
	if sy < 0 {
		edgeY = 0
	}
	// The centre line: from the vertical arm's edge to the arc, a quarter
	// circle, then to the horizontal arm's edge.
	line := []pt{{cx, edgeY}, {cx, cy + sy*r}}
	const steps = 12
	for i := 1; i < steps; i++ {
		a := float64(i) / steps * math.Pi / 2
		line = append(line, pt{cx + sx*r*(1-math.Cos(a)), cy + sy*r*(1-math.Sin(a))})
	}
	line = append(line, pt{cx + sx*r, cy}, pt{edgeX, cy})
	return stroke(line, t)
}

// stroke outlines a polyline t thick as one quadrilateral per segment.
func stroke(line []pt, t float64) shape {
	var s shape
	for i := 1; i < len(line); i++ {
		a, b := line[i-1], line[i]
		dx, dy := b.X-a.X, b.Y-a.Y
		l := math.Hypot(dx, dy)
		if l == 0 {
			continue
		}
		// Extend each segment by half the thickness so joints close.
		ex, ey := dx/l*t/2, dy/l*t/2
		nx, ny := -ey, ex
		a, b = pt{a.X - ex, a.Y - ey}, pt{b.X + ex, b.Y + ey}
		s = append(s, poly{pts: []pt{{a.X + nx, a.Y + ny}, {b.X + nx, b.Y + ny}, {b.X - nx, b.Y - ny}, {a.X - nx, a.Y - ny}}})
	}
	return s
}

// blockShape draws the block elements: full, the eighths, halves, shades.
func blockShape(r rune, w, h float64) (shape, bool) {
	switch {
	case r == '█':
		return shape{rect(0, 0, w, h)}, true
	case r >= '▁' && r <= '▇': // lower eighths
		n := float64(r - '▁' + 1)
		return shape{rect(0, h-math.Round(h*n/8), w, h)}, true
	case r >= '▉' && r <= '▏': // left eighths, 7/8 down to 1/8
		n := float64('▏' - r + 1)
		return shape{rect(0, 0, math.Max(1, math.Round(w*n/8)), h)}, true
	case r == '▀':
		return shape{rect(0, 0, w, math.Round(h/2))}, true
	case r == '▐':
		return shape{rect(math.Round(w/2), 0, w, h)}, true
	case r == '▔':
		return shape{rect(0, 0, w, math.Max(1, math.Round(h/8)))}, true
	case r == '▕':
		return shape{rect(w-math.Max(1, math.Round(w/8)), 0, w, h)}, true
	case r >= '░' && r <= '▓':
		p := rect(0, 0, w, h)
		p.alpha = float64(r-'░'+1) / 4
		return shape{p}, true
	}
	return nil, false
}

// circle is a polygon of n points around (cx, cy).
func circle(cx, cy, r float64, hole bool) poly {
	const n = 32
	p := poly{hole: hole}
	for i := range n {
		a := 2 * math.Pi * float64(i) / n
		if hole {
			a = -a
		}
		p.pts = append(p.pts, pt{cx + r*math.Cos(a), cy + r*math.Sin(a)})
	}
	return p
}

// symbolShape draws the symbols the dashboard uses that Go Mono lacks.
func symbolShape(r rune, w, h float64) (shape, bool) {
	cx, cy := w/2, h/2
	t := lineWidth(w, false)
	tri := func(pts ...pt) (shape, bool) { return shape{{pts: pts}}, true }
	switch r {
	case '▸', '▶':
		s := w * 0.35
		if r == '▶' {
			s = w * 0.45
		}
		return tri(pt{cx - s*0.8, cy - s}, pt{cx + s, cy}, pt{cx - s*0.8, cy + s})
	case '◂', '◀':
		s := w * 0.35
		if r == '◀' {
			s = w * 0.45
		}
		return tri(pt{cx + s*0.8, cy - s}, pt{cx - s, cy}, pt{cx + s*0.8, cy + s})
	case '▴', '▲':
		s := w * 0.4
		return tri(pt{cx, cy - s}, pt{cx + s, cy + s*0.8}, pt{cx - s, cy + s*0.8})
	case '▾', '▼':
		s := w * 0.4
		return tri(pt{cx - s, cy - s*0.8}, pt{cx + s, cy - s*0.8}, pt{cx, cy + s})
	case '●':
		return shape{circle(cx, cy, w*0.4, false)}, true
	case '○':
		return shape{circle(cx, cy, w*0.4, false), circle(cx, cy, w*0.4-t, true)}, true
	case '∘':
		return shape{circle(cx, cy, w*0.25, false), circle(cx, cy, w*0.25-t*0.75, true)}, true
	case '◌':
		var s shape
		for i := range 8 {
			a := 2 * math.Pi * float64(i) / 8
			s = append(s, circle(cx+w*0.38*math.Cos(a), cy+w*0.38*math.Sin(a), t*0.6, false))
		}
		return s, true
	case '⏸': // the replay's pause mark
		bw, gap, hh := w*0.2, w*0.16, w*0.4
		return shape{rect(cx-gap/2-bw, cy-hh, cx-gap/2, cy+hh), rect(cx+gap/2, cy-hh, cx+gap/2+bw, cy+hh)}, true
	case '■', '▪':
		s := w * 0.4
		if r == '▪' {
			s = w * 0.25
		}
		return shape{rect(cx-s, cy-s, cx+s, cy+s)}, true
	case '◆':
		s := w * 0.45
		return tri(pt{cx, cy - s}, pt{cx + s, cy}, pt{cx, cy + s}, pt{cx - s, cy})
	case '✓', '✔':
		return stroke([]pt{{w * 0.15, cy}, {w * 0.42, cy + w*0.3}, {w * 0.88, cy - w*0.45}}, t*1.5), true
	case '✗', '✘':
		s := w * 0.35
		return append(stroke([]pt{{cx - s, cy - s}, {cx + s, cy + s}}, t*1.5), stroke([]pt{{cx + s, cy - s}, {cx - s, cy + s}}, t*1.5)...), true
	case '↘':
		s := w * 0.35
		head := w * 0.35
		return append(stroke([]pt{{cx - s, cy - s}, {cx + s - t, cy + s - t}}, t),
			poly{pts: []pt{{cx + s, cy + s}, {cx + s - head, cy + s}, {cx + s, cy + s - head}}}), true
	}
	return nil, false
}

// tofu is the box drawn for a glyph neither the font nor the shapes have:
// visible, so a missing glyph is never a silent blank.
func tofu(w, h float64, cells int) shape {
	x1, y0, y1 := w*float64(cells)-2, h*0.2, h*0.8
	return shape{rect(2, y0, x1, y1), func() poly {
		p := rect(3, y0+1, x1-1, y1-1)
		p.pts = []pt{p.pts[0], p.pts[3], p.pts[2], p.pts[1]}
		p.hole = true
		return p
	}()}
}
