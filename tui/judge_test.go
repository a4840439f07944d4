package tui

import (
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/bridgescope/bridgescope/metrics"
)

// TestScreenJudgesNothing: an instance whose figures are all past the
// thresholds but whose rules the engine still holds at OK (the hold has
// not passed) draws no WARN or CRIT colour in its row or its figures: every
// level on screen is the snapshot's, none is the screen's own.
func TestScreenJudgesNothing(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	r.SetHasDarkBackground(true)
	m := New(Config{Renderer: r, Theme: "dark", Control: &fakeControl{rate: 10}, Now: func() time.Time { return fixedNow }})
	m.sched = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 40})
	s := baseSnapshot()
	in := instance("held-1", metrics.OK, 60, 90_000, 400_000) // 60 %, p99 400ms: CRIT by the thresholds alone
	in.Lost, in.Errors, in.SelfReceived, in.Collisions, in.LastSeenMs = 400, 3, 2, 1, 20_000
	in.Rules = map[string]metrics.Judgement{"delivery": {}, "p99": {}, "errors": {}, "self_received": {}, "silent": {}, "collision": {}}
	in.Status = metrics.Judgement{}
	s.Instances = []metrics.InstanceRow{in}
	m = withSnapshot(t, m, s)

	warnOrCrit := regexp.MustCompile(`\x1b\[[0-9;]*38;5;(214|196)[0-9;]*m`)
	row := lineWith(t, m.View(), "held-1")
	if loc := warnOrCrit.FindStringIndex(row); loc != nil {
		t.Errorf("the table row draws a level colour the snapshot does not hold: %q", row)
	}
	m = update(t, m, keyMsg("enter"))
	for _, l := range strings.Split(m.View(), "\n")[headerHeight:] { // the header's notes are not levels
		if strings.Contains(ansi.Strip(l), "Latency") {
			break // the chart draws the thresholds as lines, in their colours: drawn, not judged
		}
		if warnOrCrit.MatchString(l) {
			t.Errorf("the detail view draws a level colour the snapshot does not hold: %q", ansi.Strip(l))
		}
	}

	// The same instance judged WARN on p99 colours exactly that figure.
	in.Rules["p99"] = metrics.Judgement{Level: metrics.Warn}
	s.Instances = []metrics.InstanceRow{in}
	m = update(t, m, keyMsg("esc"))
	m = withSnapshot(t, m, s)
	if row := lineWith(t, m.View(), "held-1"); !regexp.MustCompile(`\x1b\[[0-9;]*38;5;214[0-9;]*m\s*400ms`).MatchString(row) {
		t.Errorf("a p99 judged WARN is not drawn in the WARN colour: %q", row)
	}
}

func lineWith(t *testing.T, frame, text string) string {
	t.Helper()
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(ansi.Strip(l), text) {
			return l
		}
	}
	t.Fatalf("no line with %q in\n%s", text, ansi.Strip(frame))
	return ""
}
