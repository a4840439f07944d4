package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/bridgescope/bridgescope/themes"
)

// scroller is a panel's scroll position over lines it builds when it
// draws. Only the offset is state: the lines are rebuilt from the snapshot
// every frame, so the offset is clamped wherever it is used.
type scroller struct{ off int }

// by moves the position by delta over total lines of which visible show.
func (s scroller) by(delta, total, visible int) scroller {
	last := max(total-visible, 0)
	s.off = clamp(min(s.off, last)+delta, 0, last)
	return s
}

// window returns the lines that show in h lines and the first one's index.
func (s scroller) window(lines []string, h int) ([]string, int) {
	from := clamp(s.off, 0, max(len(lines)-h, 0))
	return lines[from:min(from+h, len(lines))], from
}

// pager draws a focused panel: a title line, with the position and how to
// leave on the right, over the lines that show at its scroll position.
// On a narrow terminal the hint shortens, and then the title gives way:
// that there is more to scroll to is never lost.
func pager(st *themes.Styles, title string, lines []string, sc scroller, w, h int) string {
	shown, from := sc.window(lines, max(h-1, 0))
	hints := []string{"esc back"}
	if len(lines) > len(shown) {
		pos := fmt.Sprintf("%d–%d of %d", from+1, from+len(shown), len(lines))
		hints = []string{pos + " · ↑↓ scroll · esc back", pos + " ↑↓", pos}
	}
	hint := hints[len(hints)-1]
	for _, h := range hints {
		if lipgloss.Width(title)+lipgloss.Width(h)+3 <= w {
			hint = h
			break
		}
	}
	title = clip(title, max(w-lipgloss.Width(hint)-3, 1))
	return titleLine(st, title, st.Muted.Render(hint), w) + "\n" + strings.Join(shown, "\n")
}

// wrap breaks plain text into lines of at most w cells, at spaces where it
// can and inside a word where it must, so that nothing is ever cut.
func wrap(text string, w int) []string {
	w = max(w, 1)
	var out []string
	for _, l := range strings.Split(ansi.Wrap(text, w, ""), "\n") {
		out = append(out, strings.TrimRight(l, " "))
	}
	return out
}

// hanging wraps text under a first-line prefix, indenting the lines after
// it by indent cells; style draws each wrapped piece.
func hanging(first string, indent int, text string, w int, style lipgloss.Style) []string {
	pieces := wrap(text, w-indent)
	out := make([]string, len(pieces))
	pad := strings.Repeat(" ", indent)
	for i, p := range pieces {
		out[i] = pad + style.Render(p)
		if i == 0 {
			out[i] = fit(first, indent) + style.Render(p)
		}
	}
	return out
}
