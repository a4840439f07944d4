package frameimage

import (
	"image/color"
	"strings"

	"github.com/charmbracelet/x/cellbuf"
)

// The cell in pixels: Go Mono at FontSize advances exactly CellWidth (its
// advance is 0.6 em), and CellHeight leaves its ascent and descent room.
const (
	FontSize   = 20
	CellWidth  = 12
	CellHeight = 24
	// TitleRows is the title bar's height in rows, above the frame's.
	TitleRows = 1
)

// Frame is what an image shows: the grid, the title bar's text (the Redis
// address, observer and time), and the colours of the page.
type Frame struct {
	Grid    Grid
	Title   string
	Colours Colours
}

// Size is the image's size in pixels: the grid's columns and its rows plus
// the title bar, CellWidth × CellHeight each.
func (f Frame) Size() (w, h int) {
	return f.Grid.Cols * CellWidth, (f.Grid.Rows + TitleRows) * CellHeight
}

// drawCell is a cell with its colours resolved, ready to draw.
type drawCell struct {
	text         string
	width        int
	fg, bg       color.RGBA
	bold, italic bool
	under        bool
}

// layout returns every row to draw, the title bar first.
func (f Frame) layout() [][]drawCell {
	rows := make([][]drawCell, 0, f.Grid.Rows+TitleRows)
	rows = append(rows, f.titleRow())
	for _, row := range f.Grid.Cells {
		out := make([]drawCell, len(row))
		for x, c := range row {
			fg, bg := f.Colours.Resolve(c)
			out[x] = drawCell{text: c.Text, width: c.Width, fg: fg, bg: bg,
				bold: c.Attrs&cellbuf.BoldAttr != 0, italic: c.Attrs&cellbuf.ItalicAttr != 0, under: c.Under}
		}
		rows = append(rows, out)
	}
	return rows
}

// titleRow is the title bar: the page's colour shaded toward its text, the
// title in the text colour, cut to the frame's width.
func (f Frame) titleRow() []drawCell {
	page, text := rgba(f.Colours.Page), rgba(f.Colours.Text)
	bg := mix(page, text, 0.14)
	fg := Readable(text, bg)
	row := make([]drawCell, f.Grid.Cols)
	title := Parse(" " + strings.TrimSpace(f.Title)).Cells
	for x := range row {
		row[x] = drawCell{text: " ", width: 1, fg: fg, bg: bg, bold: true}
		if len(title) > 0 && x < len(title[0]) {
			row[x].text, row[x].width = title[0][x].Text, title[0][x].Width
		}
	}
	if n := len(row); n > 0 && len(title) > 0 && len(title[0]) > n && row[n-1].width == 1 {
		row[n-1].text = "…" // the title was cut
	}
	return row
}
