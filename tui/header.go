package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/themes"
)

// headerHeight is the header's fixed height in lines.
const headerHeight = 2

// headerPanel is the two lines on top of every screen: who and where, then
// the observer's connection, probes and notes. What it knows beyond the
// snapshot is set by the root: the theme, the Controller's answers
// (pause and rate are shown before the next snapshot confirms them), a
// closed stream and how long no snapshot came.
type headerPanel struct {
	theme  string
	paused bool
	rate   float64
	closed bool
	stale  time.Duration // since the last snapshot, once past staleAfter
	// audience is who watches a shared observer; nil outside serve.
	audience *Audience
	replay   string // a replay's play state and position bar, drawn first
	// context is the config context's name; production draws the PROD
	// badge before everything else, so no width ever hides it.
	context    string
	production bool
}

// maxContextWidth bounds the context's name in the header: past it, the
// Redis address, which on-call needs most, would give way to a label.
const maxContextWidth = 24

func (h headerPanel) view(s *metrics.Snapshot, st *themes.Styles, w int) string {
	return h.bar(s, st, w) + "\n" + h.state(s, st, w)
}

func (h headerPanel) bar(s *metrics.Snapshot, st *themes.Styles, w int) string {
	badge := ""
	if h.production {
		badge = st.Prod.Render(" PROD ")
		w -= lipgloss.Width(badge)
	}
	return badge + h.title(s, st, w)
}

// title is the bar after the PROD badge, in w columns.
func (h headerPanel) title(s *metrics.Snapshot, st *themes.Styles, w int) string {
	right := " theme " + h.theme + " "
	name := " bridgescope  "
	if h.context != "" {
		name += "context " + clip(h.context, maxContextWidth) + "  "
	}
	if label := audienceLabel(h.audience); label != "" {
		name += label + "  " // kept whole: who else is looking matters
	}
	if s == nil {
		return st.Header.Render(fit(name, w-lipgloss.Width(right)) + right)
	}
	obs := "  observer " + clip(s.Observer, 20)
	up := "  up " + fmtSpan(s.At.Sub(s.Started))
	line := func(redis string) string { return name + redis + obs + up }
	// The Redis address is what on-call needs most: the observer ID gives
	// way first, then the theme name, then the observer altogether,
	// before the address is clipped.
	if extra := lipgloss.Width(line(s.Redis)) + lipgloss.Width(right) - w; extra > 0 {
		obs = "  observer " + clip(s.Observer, max(8, lipgloss.Width(s.Observer)-extra))
	}
	if lipgloss.Width(line(s.Redis))+lipgloss.Width(right) > w {
		right = ""
	}
	if lipgloss.Width(line(s.Redis)) > w {
		obs = ""
		if lipgloss.Width(line(s.Redis))+len(" theme "+h.theme+" ") <= w {
			right = " theme " + h.theme + " " // room again without the observer
		}
	}
	redis := clip(s.Redis, w-lipgloss.Width(line(""))-lipgloss.Width(right))
	return st.Header.Render(fit(line(redis), w-lipgloss.Width(right)) + right)
}

// state is the status line: connection state and for how long,
// staleness, probe rate or PAUSED, transport, then the notes (warnings)
// or, without notes, the info (muted), shortest first so that a note is
// what gets cut, with `n` named to read it whole.
func (h headerPanel) state(s *metrics.Snapshot, st *themes.Styles, w int) string {
	if s == nil {
		return st.Muted.Render(clip(" waiting for the observer…", w))
	}
	parts := []string{" " + h.conn(s, st)}
	if h.replay != "" {
		parts = []string{" " + h.replay, h.conn(s, st)}
	}
	if h.stale > 0 && !h.closed {
		parts = append(parts, st.Warn.Render("no snapshot for "+fmtSpan(h.stale)))
	}
	if h.paused {
		parts = append(parts, st.Paused.Render(" PAUSED ")+st.Muted.Render(" probes"))
	} else {
		parts = append(parts, st.Text.Render("probes "+fmtRate(h.rate)))
	}
	all := parts
	if s.Transport != "" {
		all = append(all[:len(all):len(all)], st.Muted.Render("via ")+st.Text.Render(s.Transport))
	}
	return withNotes(s, st, [][]string{all, parts}, w)
}

// withNotes ends the status line with the notes summary: whole when it
// fits, else cut with the key that shows it whole, else only how many
// there are. Each try is first with the first of the choices of parts,
// then the next (the line without the transport, which matters less
// than a trouble). The summary is never dropped without a trace.
func withNotes(s *metrics.Snapshot, st *themes.Styles, choices [][]string, w int) string {
	sep := st.Muted.Render(" · ")
	text, style := notesSummary(s, st)
	if text == "" {
		return clip(strings.Join(choices[0], sep), w)
	}
	const more = " [n]" // the key that shows them whole
	short := countSummary(s) + more
	for _, ps := range choices {
		line := strings.Join(ps, sep)
		room := w - lipgloss.Width(line) - lipgloss.Width(sep)
		switch {
		case lipgloss.Width(text) <= room:
			return line + sep + style.Render(text)
		case room >= 20:
			return line + sep + style.Render(clip(text, room-len(more))) + st.Muted.Render(more)
		case lipgloss.Width(short) <= room:
			return line + sep + style.Render(countSummary(s)) + st.Muted.Render(more)
		}
	}
	return clip(strings.Join(choices[len(choices)-1], sep)+sep+style.Render(countSummary(s)), w)
}

// countSummary is "1 note", "3 notes" or "2 info": the header's summary
// when no text fits.
func countSummary(s *metrics.Snapshot) string {
	switch n := len(s.Notes); {
	case n == 1:
		return "1 note"
	case n > 1:
		return fmt.Sprintf("%d notes", n)
	}
	return fmt.Sprintf("%d info", len(s.Info))
}

// notesSummary is the header's one-line account of the notes, drawn as a
// warning, or, when there are none, of the info, drawn muted: a fact is
// not a trouble.
func notesSummary(s *metrics.Snapshot, st *themes.Styles) (string, lipgloss.Style) {
	switch n := len(s.Notes); {
	case n == 1:
		return "note: " + s.Notes[0], st.Warn
	case n > 1:
		return fmt.Sprintf("%d notes: %s", n, strings.Join(s.Notes, "; ")), st.Warn
	case len(s.Info) == 1:
		return "info: " + s.Info[0], st.Muted
	case len(s.Info) > 1:
		return fmt.Sprintf("%d info: %s", len(s.Info), strings.Join(s.Info, "; ")), st.Muted
	}
	return "", st.Muted
}

func (h headerPanel) conn(s *metrics.Snapshot, st *themes.Styles) string {
	if h.closed {
		return st.Crit.Render("✗ observer stopped") + st.Muted.Render(" (last state shown)")
	}
	since := fmtSpan(s.At.Sub(s.ConnSince))
	switch s.Conn {
	case "connected":
		return st.OK.Render("● connected") + st.Muted.Render(" "+since)
	case "connecting":
		return st.Warn.Render("◌ connecting") + st.Muted.Render(" "+since)
	case "":
		return st.Warn.Render("? conn unknown")
	}
	return st.Crit.Render("✗ "+s.Conn) + st.Muted.Render(" "+since)
}
