package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/themes"
)

// helpPanel is `?`: every key binding, in as many columns as fit, then
// what every table column means, one line each (wrapped, never cut when
// the terminal is narrow), scrolled by its own position.
type helpPanel struct {
	keys   help.Model // bubbles' renderer of the bindings
	scroll scroller
	// audience, set by the root, lists who is connected first when the
	// server sent the list (to an operator of bridgescope serve).
	audience *Audience
}

func newHelp() helpPanel { return helpPanel{keys: help.New()} }

func (p helpPanel) restyle(st *themes.Styles) helpPanel {
	p.keys.Styles = help.Styles{
		ShortKey: st.HelpKey, ShortDesc: st.HelpDesc, ShortSeparator: st.HelpSep,
		FullKey: st.HelpKey, FullDesc: st.HelpDesc, FullSeparator: st.HelpSep, Ellipsis: st.HelpSep,
	}
	return p
}

// short is the footer's one-line help for screen sc in w cells.
func (p helpPanel) short(km KeyMap, sc screen, w int) string {
	hm := p.keys
	hm.Width = w
	return hm.ShortHelpView(km.shortHelp(sc))
}

// columnDoc explains a table column; rule names the rule that colours it.
type columnDoc struct{ name, text, rule string }

var columnDocs = []columnDoc{
	{"ID", "the instance's ID, as its bridge signs its events", ""},
	{"ROLE", "agent, pub (publisher), sub (subscriber) or bridge", ""},
	{"DELIV", "probes acked, last 10 s", "delivery"},
	{"P50 P95", "probe round trip, median and 95th percentile, last 10 s", ""},
	{"P99", "probe round trip, 99th percentile, last 10 s", "p99"},
	{"MAX", "slowest probe round trip, last 10 s", ""},
	{"LOST", "probes not acked in time, last 10 s (session: detail view); coloured by the delivery rule", ""},
	{"DUP", "probes acked twice, session", ""},
	{"SELF", "its own events received back, session", "self_received"},
	{"ERR", "errors it reported, session", "errors"},
	{"SEEN", "time since it last spoke", "silent"},
	{"STATE", "its worst rule's level; ↘ 4s: the value is back, the level falls in 4 s; ↗ 4s: the value is past a worse level, it rises in 4 s unless it comes back; ?: observer blind, not judged", ""},
	{"≈ raw 1 hop", "plain Redis PUBLISH to SUBSCRIBE, last 10 s (--baseline); its losses: detail view", ""},
	{"sub?", "ROLE (and DELIV) of a passive subscriber (CLIENT LIST): a connection of no cooperating instance; delivery unknown, output buffer known", "output_buffer"},
}

// matrixDocs explain the matrix view (m).
var matrixDocs = []columnDoc{
	{"cell", "a sender's (row) events its receiver (column) got, last 10 s, channels summed; the cursor's pair in full below", "pair_delivery"},
	{"expected", "the advance of the sender's seq over the receiver's range of its stream; for a sender never heard at all, what it published", ""},
	{"· / blank", "an instance and itself / no row: the receiver reports no stream of that sender", ""},
	{"one-way", "receive minus send time, corrected by both clocks' offsets (probes) ± what they may be off by; raw where a clock is unknown", ""},
	{"worst pairs", "below 100% or judged, worst first; enter walks the cursor through them", ""},
}

// lines is the panel's content at width w.
func (p helpPanel) lines(km KeyMap, s *metrics.Snapshot, st *themes.Styles, w int) []string {
	out := connectedLines(p.audience, st, w)
	out = append(out, st.Title.Render("Keys"))
	out = append(out, strings.Split(p.keyGrid(km, w), "\n")...)
	out = append(out, "")
	out = append(out, wrapStyled(st.Title.Render("Columns")+st.Muted.Render(" · figures are the last 10 s unless named; enter shows the session's"), w, 2)...)
	var rules map[string]metrics.Rule
	if s != nil {
		rules = rulesByName(s.Thresholds)
	}
	const nameW = 12
	docs := func(list []columnDoc) {
		for _, d := range list {
			text := d.text
			if cond := conditions(rules, d.rule); cond != "" {
				text += " · " + cond
			}
			out = append(out, hanging(st.HelpKey.Render(d.name), nameW, text, w, st.HelpDesc)...)
		}
	}
	docs(columnDocs)
	out = append(out, "")
	out = append(out, wrapStyled(st.Title.Render("Matrix")+st.Muted.Render(" (m) · senders as rows, receivers as columns"), w, 2)...)
	docs(matrixDocs)
	return out
}

// keyGrid lays the bindings out in their groups when those fit w, else
// reflowed into as many equal columns as fit: no binding is ever cut off
// the edge (bubbles' help drops the columns that do not fit).
func (p helpPanel) keyGrid(km KeyMap, w int) string {
	hm := p.keys
	hm.Width = 0 // measured here instead
	if grid := hm.FullHelpView(km.FullHelp()); lipgloss.Width(grid) <= w {
		return grid
	}
	var all []key.Binding
	for _, g := range km.FullHelp() {
		for _, b := range g {
			if b.Enabled() {
				all = append(all, b)
			}
		}
	}
	for cols := 4; cols > 1; cols-- {
		if grid := hm.FullHelpView(split(all, cols)); lipgloss.Width(grid) <= w {
			return grid
		}
	}
	return hm.FullHelpView(split(all, 1))
}

// split cuts bs into n columns of nearly equal length, in order.
func split(bs []key.Binding, n int) [][]key.Binding {
	per := (len(bs) + n - 1) / n
	var out [][]key.Binding
	for len(bs) > 0 {
		k := min(per, len(bs))
		out = append(out, bs[:k])
		bs = bs[k:]
	}
	return out
}

// conditions is a rule's thresholds for explaining a column, e.g. "WARN <
// 95% · CRIT < 90%"; "" without the rule. Explaining, not judging: every
// level drawn comes from the snapshot's judgements.
func conditions(rules map[string]metrics.Rule, name string) string {
	r, ok := rules[name]
	if !ok {
		return ""
	}
	var parts []string
	for _, l := range []metrics.Level{metrics.Warn, metrics.Crit} {
		if c := r.Condition(l); c != "-" {
			parts = append(parts, l.String()+" "+c)
		}
	}
	return strings.Join(parts, " · ")
}

func (p helpPanel) view(km KeyMap, s *metrics.Snapshot, st *themes.Styles, w, h int) string {
	title := st.Title.Render("Help") + st.Muted.Render(" · keys, then what each column means")
	return pager(st, title, p.lines(km, s, st, w), p.scroll, w, h)
}
