package tui

import (
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// The dark palette's level colours, as a 256-colour renderer writes them.
var (
	warnSGR = regexp.MustCompile(`\x1b\[[0-9;]*38;5;214[0-9;]*m`)
	critSGR = regexp.MustCompile(`\x1b\[[0-9;]*38;5;196[0-9;]*m`)
)

// colourModel is newTestModel on a 256-colour renderer, to test colours.
func colourModel(t *testing.T, w, h int) Model {
	t.Helper()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	r.SetHasDarkBackground(true)
	m := New(Config{Renderer: r, Theme: "dark", Control: &fakeControl{rate: 10}, Now: func() time.Time { return fixedNow }})
	m.sched = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	return update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
}

// plainText is the frame's text without styles, its lines joined by
// spaces and runs of spaces closed up: wrapped text reads as one.
func plainText(frame string) string {
	return strings.Join(strings.Fields(ansi.Strip(frame)), " ")
}

// TestClearingStateSaysSo: a level in its clear-hold says so in the STATE
// cell ("CRIT↘ 4s") and in the alert line, and the figure the rule judges
// keeps the level's colour with the ↘ mark beside it.
func TestClearingStateSaysSo(t *testing.T) {
	m := withSnapshot(t, colourModel(t, 80, 24), fixtureHold())
	bot4 := lineWith(t, m.View(), "bot-4")
	if !strings.Contains(ansi.Strip(bot4), "CRIT↘ 4s") {
		t.Errorf("bot-4's STATE does not say it clears in 4s: %q", ansi.Strip(bot4))
	}
	if !regexp.MustCompile(critSGR.String() + `97\.7%↘`).MatchString(bot4) {
		t.Errorf("bot-4's delivery is not drawn CRIT with the clearing mark: %q", bot4)
	}
	bot2 := lineWith(t, m.View(), "bot-2")
	if !strings.Contains(ansi.Strip(bot2), "WARN↘ 2s") || !regexp.MustCompile(warnSGR.String()+`4\.60ms↘`).MatchString(bot2) {
		t.Errorf("bot-2's p99 in its WARN hold: %q", bot2)
	}
	// bot-3 is CRIT for good (self-received) while its p99 clears: the
	// state has no mark, the p99 has.
	if bot3 := ansi.Strip(lineWith(t, m.View(), "bot-3")); strings.Contains(bot3, "CRIT↘") || !strings.Contains(bot3, "2.60ms↘") {
		t.Errorf("bot-3: %q", bot3)
	}
	if !strings.Contains(ansi.Strip(lineWith(t, m.View(), "bot-4 delivery")), "CRIT↘ 4s") {
		t.Error("the alert line does not say the alert is clearing")
	}
	m = press(t, m, "a")
	if !strings.Contains(plainText(m.View()), "threshold < 90% · back inside it, clears in 4s") {
		t.Errorf("the alerts panel does not say the alert clears:\n%s", ansi.Strip(m.View()))
	}
}

// TestBlindRowsAreUnknown: while the observer is blind, instance rows show
// "?" in no level's colour and the table title says why; the detail view
// says the instance is not judged. Only the observer's own alert is a
// verdict.
func TestBlindRowsAreUnknown(t *testing.T) {
	m := withSnapshot(t, colourModel(t, 80, 24), fixtureBlind())
	for _, id := range []string{"bot-1", "bot-2", "bot-3"} {
		row := lineWith(t, m.View(), id+"    ") // the row, not an alert line
		if warnSGR.MatchString(row) || critSGR.MatchString(row) {
			t.Errorf("%s is drawn in a level's colour while not judged: %q", id, row)
		}
		if f := strings.Fields(ansi.Strip(row)); f[len(f)-1] != "?" {
			t.Errorf("%s's STATE is %q, want ?", id, f[len(f)-1])
		}
	}
	if title := ansi.Strip(lineWith(t, m.View(), "Instances 3")); !strings.Contains(title, "observer disconnected — instances not judged") {
		t.Errorf("the table title does not say why: %q", title)
	}
	for _, want := range []string{"held CRIT 2m14s bot-3", "WARN    14s redis_disconnected", "2 held"} {
		if !strings.Contains(ansi.Strip(m.View()), want) {
			t.Errorf("alerts summary lacks %q:\n%s", want, ansi.Strip(m.View()))
		}
	}
	m = press(t, m, "enter")
	if v := plainText(m.View()); !strings.Contains(v, "Instance bot-3 ?") || !strings.Contains(v, "not judged: observer disconnected · held at CRIT") {
		t.Errorf("the detail view does not say bot-3 is not judged:\n%s", ansi.Strip(m.View()))
	}
}

// TestAlertsPanelFocus: a (or tab) gives the alerts panel the keys: every
// alert whole, with its since-time and threshold, scrolled with the
// movement keys; esc goes back to where it was opened from.
func TestAlertsPanelFocus(t *testing.T) {
	s := fixtureAlerts()
	m, _ := newTestModel(t, 60, 20)
	m = withSnapshot(t, m, s)
	m = press(t, m, "a")
	if m.screen != screenAlerts {
		t.Fatalf("a: screen %v", m.screen)
	}
	v := plainText(m.View())
	for _, want := range []string{s.Alerts[0].Message, "since 13:59:57 (2m14s) · threshold > 0", "threshold < 90%"} {
		if !strings.Contains(v, want) {
			t.Errorf("the focused panel lacks %q:\n%s", want, m.View())
		}
	}
	if strings.Contains(m.View(), "13:57:11") {
		t.Fatal("the oldest change fits at 60×20: the test needs more lines")
	}
	m = press(t, m, "G")
	if v := m.View(); !strings.Contains(v, "13:57:11 WARN→OK bot-1 delivery at 99.80%") || !strings.Contains(v, "of 20") {
		t.Errorf("end does not scroll to the oldest change:\n%s", v)
	}
	m = press(t, m, "k")
	if v := m.View(); strings.Contains(v, "13:57:11") {
		t.Errorf("k does not scroll back up:\n%s", v)
	}
	m = press(t, m, "esc")
	if m.screen != screenMain || !strings.Contains(m.View(), "Instances 4") {
		t.Fatalf("esc: screen %v\n%s", m.screen, m.View())
	}
	// tab opens it too, from the detail view, and esc returns there.
	m = press(t, m, "enter")
	m = update(t, m, tea.KeyMsg{Type: tea.KeyTab})
	if m.screen != screenAlerts || m.alerts.scroll.off != 0 {
		t.Fatalf("tab: screen %v, scrolled %d", m.screen, m.alerts.scroll.off)
	}
	m = press(t, m, "esc")
	if m.screen != screenDetail {
		t.Fatalf("esc from alerts opened in the detail view: screen %v", m.screen)
	}
}

// TestNotesShownWhole: n shows every note and info whole, wrapped, notes
// as warnings and info muted; esc leaves. Text past report.MaxMessage is
// cut with an ellipsis, and the frame still fits.
func TestNotesShownWhole(t *testing.T) {
	s := fixtureAlerts()
	m := withSnapshot(t, colourModel(t, 60, 20), s)
	if hdr := ansi.Strip(strings.Split(m.View(), "\n")[1]); !strings.Contains(hdr, "1 note [n]") {
		t.Errorf("the header at 60 columns drops the note without a trace: %q", hdr)
	}
	m = press(t, m, "n")
	v := plainText(m.View())
	for _, want := range append(s.Notes, s.Info...) {
		if !strings.Contains(v, want) {
			t.Errorf("n does not show %q whole:\n%s", want, ansi.Strip(m.View()))
		}
	}
	if !warnSGR.MatchString(lineWith(t, m.View(), "Redis: bridge")) {
		t.Error("a note is not drawn as a warning")
	}
	if l := lineWith(t, m.View(), "CLIENT LIST refused"); warnSGR.MatchString(l) || critSGR.MatchString(l) {
		t.Errorf("info is drawn in a warning's colour: %q", l)
	}
	m = press(t, m, "esc")
	if m.screen != screenMain {
		t.Fatalf("esc from notes: screen %v", m.screen)
	}
	s.Notes = []string{strings.Repeat("n", report.MaxMessage+500)}
	m = withSnapshot(t, m, s)
	m = press(t, m, "n")
	m = press(t, m, "G")
	checkFits(t, ansi.Strip(m.View()), 60, 20)
	if !strings.Contains(strings.Join(strings.Fields(ansi.Strip(m.View())), ""), "nnn…") {
		t.Errorf("a note past the cap does not end in an ellipsis:\n%s", ansi.Strip(m.View()))
	}
}

// TestHeaderInfoIsNotAWarning: info alone is drawn muted in the header,
// notes in the warning colour.
func TestHeaderInfoIsNotAWarning(t *testing.T) {
	s := fixture3()
	s.Notes, s.Info = nil, []string{"output-buffer warnings off: CLIENT LIST refused"}
	m := withSnapshot(t, colourModel(t, 120, 40), s)
	hdr := strings.Split(m.View(), "\n")[1]
	if !strings.Contains(ansi.Strip(hdr), "info: output-buffer warnings off: CLIENT LIST refused") || warnSGR.MatchString(hdr) {
		t.Errorf("info in the header: %q", hdr)
	}
	s.Notes = []string{"Redis: NOPERM"}
	m = withSnapshot(t, m, s)
	if hdr := strings.Split(m.View(), "\n")[1]; !warnSGR.MatchString(hdr) || !strings.Contains(ansi.Strip(hdr), "note: Redis: NOPERM") {
		t.Errorf("a note in the header is not a warning: %q", hdr)
	}
}

// TestThemeNameTellsTheTruth: without an explicit theme, NO_COLOR and
// TERM=dumb show "theme mono" (they said dark with no colour); an explicit
// theme is the user's word.
func TestThemeNameTellsTheTruth(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(true)
	for _, c := range []struct{ theme, noColor, term, want string }{
		{"auto", "1", "xterm-256color", "theme mono"},
		{"auto", "", "dumb", "theme mono"},
		{"", "", "xterm-256color", "theme dark"},
		{"dark", "1", "xterm-256color", "theme dark"},
	} {
		t.Setenv("NO_COLOR", c.noColor)
		t.Setenv("TERM", c.term)
		m := New(Config{Renderer: r, Theme: c.theme, Now: func() time.Time { return fixedNow }})
		m = withSnapshot(t, update(t, m, tea.WindowSizeMsg{Width: 120, Height: 40}), fixture3())
		if first := strings.Split(m.View(), "\n")[0]; !strings.Contains(first, c.want) {
			t.Errorf("theme %q, NO_COLOR=%q, TERM=%s: header %q, want %q", c.theme, c.noColor, c.term, ansi.Strip(first), c.want)
		}
	}
}

// TestWindowsAreLabelled: the table says its figures are the last 10 s,
// LOST is the 10 s count (not the session's), and ? explains every
// column, one line each where there is room.
func TestWindowsAreLabelled(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	m = withSnapshot(t, m, fixture3())
	if !strings.Contains(lineWith(t, m.View(), "Instances 3"), "last 10 s") {
		t.Error("the table title does not name the window")
	}
	row := strings.Fields(lineWith(t, m.View(), "bot-2"))
	cols, _ := m.table.columns(120)
	for i, c := range cols {
		if c.title == "LOST" && row[i+1] != "3" { // row[0] is the ID
			t.Errorf("LOST shows %q, want the 10 s count 3 (the session's is 12)", row[i+1])
		}
	}
	m = press(t, m, "?")
	lines := strings.Split(ansi.Strip(m.View()), "\n")
	for _, c := range allColumns() {
		n := 0
		for _, l := range lines {
			if len(l) > 12 && slices.Contains(strings.Fields(l[:12]), c.title) { // the name column
				n++
			}
		}
		if n != 1 {
			t.Errorf("? explains column %s on %d lines, want 1:\n%s", c.title, n, ansi.Strip(m.View()))
		}
	}
	for _, want := range []string{"DELIV       probes acked, last 10 s · WARN < 95% · CRIT < 90%", "P99         probe round trip, 99th percentile, last 10 s · WARN > 5ms · CRIT > 20ms"} {
		if !strings.Contains(m.View(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestSmallTerminalKeepsEssentials: at 60×20 the help offers every key
// (the last column, s ? q, was lost) and the detail view keeps p99 and max
// of every window.
func TestSmallTerminalKeepsEssentials(t *testing.T) {
	m, _ := newTestModel(t, 60, 20)
	m = withSnapshot(t, m, fixture3())
	m = press(t, m, "?")
	if title := strings.Split(ansi.Strip(m.View()), "\n")[headerHeight]; !strings.Contains(title, "1–16 of") {
		t.Errorf("the help's title at 60 columns does not say there is more: %q", title)
	}
	var seen strings.Builder
	for range 5 {
		seen.WriteString(ansi.Strip(m.View()))
		m = press(t, m, "pgdown")
	}
	for _, group := range m.keys.FullHelp() {
		for _, b := range group {
			if !b.Enabled() { // a replay's keys, live: not offered
				continue
			}
			if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(b.Help().Key) + `\s+` + regexp.QuoteMeta(b.Help().Desc)).MatchString(seen.String()) {
				t.Errorf("help at 60×20 never shows %q %q", b.Help().Key, b.Help().Desc)
			}
		}
	}
	m = press(t, m, "esc")
	m = press(t, m, "enter")
	v := ansi.Strip(m.View())
	for _, want := range []string{"p99", "max", "2.08ms", "5.20ms", "2.60ms", "6.50ms", "clock offset -212µs"} {
		if !strings.Contains(v, want) {
			t.Errorf("the 60×20 detail view lacks %q:\n%s", want, v)
		}
	}
	checkFits(t, m.View(), 60, 20)
}

// TestNoteEventIsNoStateChange: an event of the record (From == To, a
// Note) is drawn as what happened, not as "CRIT→CRIT".
func TestNoteEventIsNoStateChange(t *testing.T) {
	st := asciiStyles(t)
	c := metrics.AlertChange{At: fixedNow, Rule: "forgotten", Instance: "bot-9", From: metrics.Crit, To: metrics.Crit, Note: "silent for 10m"}
	if got := ansi.Strip(changeLine(st, c, true, nil)); got != "14:02:11 forgotten bot-9: silent for 10m" {
		t.Errorf("changeLine = %q", got)
	}
}

// TestRisingStateSaysSo: a figure already past WARN's threshold that the
// rule's hold has not raised yet is drawn with the ↗ mark, and the STATE
// cell says when it rises ("OK↗ 3s"): an OK beside an 8 ms p99 over a 5 ms
// threshold is explained, not a contradiction.
func TestRisingStateSaysSo(t *testing.T) {
	s := fixture3()
	bot := instance("bot-9", metrics.OK, 100, 700, 8000)
	bot.Rules["p99"] = metrics.Judgement{Level: metrics.OK, Rising: metrics.Warn, RisesInMs: 2100}
	bot.Status = bot.Rules["p99"]
	s.Instances = append(s.Instances, bot)
	m := withSnapshot(t, colourModel(t, 80, 24), s)
	line := ansi.Strip(lineWith(t, m.View(), "bot-9"))
	if !strings.Contains(line, "OK↗ 3s") || !strings.Contains(line, "8.00ms↗") {
		t.Errorf("bot-9, past WARN and rising in 2.1 s: %q", line)
	}
	if warnSGR.MatchString(lineWith(t, m.View(), "bot-9")) {
		t.Errorf("bot-9 is drawn WARN before its hold raised it: %q", lineWith(t, m.View(), "bot-9"))
	}
}
