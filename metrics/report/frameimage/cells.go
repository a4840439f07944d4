package frameimage

import (
	"image/color"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/cellbuf"
)

// MaxCols and MaxRows cap the grid: a frame is a terminal's screen, and 500
// columns by 200 rows is past any terminal an engineer reads; a bigger
// "frame" would make an image of hundreds of megabytes.
const (
	MaxCols = 500
	MaxRows = 200
)

// Cell is one terminal cell: the grapheme drawn there (empty for a blank or
// for the second half of a wide grapheme), its width in cells, and its style.
// A nil colour is the terminal's default.
type Cell struct {
	Text  string
	Width int // 1 or 2; 0 for the right half of a wide grapheme
	Fg    color.Color
	Bg    color.Color
	Attrs cellbuf.AttrMask
	Under bool // underlined, in any underline style
}

// Grid is a frame parsed into cells, Rows lines of Cols cells.
type Grid struct {
	Cols, Rows int
	Cells      [][]Cell
}

// Parse turns a frame into cells with charmbracelet/x/ansi's decoder: SGR
// sequences set the pen (colours in 16, 256 and 24-bit form, bold, faint,
// italic, underline, reverse) and carry across lines as in a terminal; every
// other sequence and control character is dropped. Lines past MaxRows and
// cells past MaxCols are cut; shorter lines are padded with blanks.
func Parse(frame string) Grid {
	lines := strings.Split(strings.TrimSuffix(frame, "\n"), "\n")
	if len(lines) > MaxRows {
		lines = lines[:MaxRows]
	}
	g := Grid{Rows: len(lines), Cells: make([][]Cell, len(lines))}
	p := ansi.NewParser()
	var pen cellbuf.Style
	for y, line := range lines {
		var row []Cell
		state := byte(0)
		for len(line) > 0 {
			seq, width, n, next := ansi.DecodeSequence(line, state, p)
			state, line = next, line[n:]
			switch {
			case width > 0:
				if len(row)+width > MaxCols {
					line = "" // the rest of the line is past the cap
					break
				}
				c := Cell{Text: seq, Width: width, Fg: pen.Fg, Bg: pen.Bg, Attrs: pen.Attrs, Under: pen.UlStyle != cellbuf.NoUnderline}
				row = append(row, c)
				if width == 2 {
					c.Text, c.Width = "", 0
					row = append(row, c)
				}
			case ansi.Cmd(p.Command()).Final() == 'm' && strings.HasPrefix(seq, "\x1b["):
				cellbuf.ReadStyle(p.Params(), &pen)
			}
		}
		g.Cells[y] = row
		g.Cols = max(g.Cols, len(row))
	}
	for y := range g.Cells {
		for len(g.Cells[y]) < g.Cols {
			g.Cells[y] = append(g.Cells[y], Cell{Text: " ", Width: 1})
		}
	}
	return g
}

// Text is the grid as plain text, one line per row: what a test reads back.
func (g Grid) Text() string {
	var b strings.Builder
	for y, row := range g.Cells {
		if y > 0 {
			b.WriteByte('\n')
		}
		for _, c := range row {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}
