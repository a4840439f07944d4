package tui

import (
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/bridgescope/bridgescope/metrics"
)

// TestProbeRateKeys: + and - step along the observer's ladder and = goes
// back to the configured rate (= was an alias of + and there was no way
// back to 10/s); the screen shows what the controller applied.
func TestProbeRateKeys(t *testing.T) {
	m, ctrl := newTestModel(t, 80, 24)
	m = withSnapshot(t, m, fixture3())
	m = press(t, m, "+")
	if ctrl.ProbeRate() != 20 || !strings.Contains(m.View(), "probes 20/s") {
		t.Fatalf("after +: rate %v, calls %v, header:\n%s", ctrl.ProbeRate(), ctrl.Calls(), m.View())
	}
	m = press(t, m, "-")
	m = press(t, m, "-")
	if ctrl.ProbeRate() != 5 || !strings.Contains(m.View(), "probes 5/s") {
		t.Fatalf("after - -: rate %v, calls %v", ctrl.ProbeRate(), ctrl.Calls())
	}
	m = press(t, m, "=")
	if got := ctrl.Calls(); got[len(got)-1] != "ResetProbeRate()" || !strings.Contains(m.View(), "probes 10/s") ||
		!strings.Contains(m.View(), "probe rate 10/s, as configured") {
		t.Fatalf("= did not return to the configured rate: calls %v\n%s", got, m.View())
	}
	// The ladder has a top; the screen shows the rate applied, not asked.
	for range 10 {
		m = press(t, m, "+")
	}
	if !strings.Contains(m.View(), "probes 640/s") {
		t.Fatalf("top of the ladder not shown:\n%s", m.View())
	}
	if got := ctrl.Calls(); slices.Contains(got, "SetProbeRate(20)") {
		t.Fatalf("a key set a rate of its own instead of stepping: %v", got)
	}
}

// TestResetAsksFirst: r asks "reset windows and alerts? y/n"; only y
// resets, and any other key cancels without doing what it would.
func TestResetAsksFirst(t *testing.T) {
	m, ctrl := newTestModel(t, 80, 24)
	m = withSnapshot(t, m, fixture3())
	m = press(t, m, "r")
	if len(ctrl.Calls()) != 0 {
		t.Fatalf("r reset at once: %v", ctrl.Calls())
	}
	if !strings.Contains(lastLine(m.View()), "reset windows and alerts? y/n") {
		t.Fatalf("r does not ask:\n%s", m.View())
	}
	m = press(t, m, "q") // a stray key: cancels, does not quit
	if _, cmd := m.Update(keyMsg("y")); cmd != nil {
		t.Fatal("y after a cancelled question still resets")
	}
	if len(ctrl.Calls()) != 0 || !strings.Contains(m.View(), "reset cancelled") {
		t.Fatalf("a key other than y: calls %v\n%s", ctrl.Calls(), m.View())
	}
	m = press(t, m, "r")
	m = press(t, m, "y")
	if got := ctrl.Calls(); !slices.Equal(got, []string{"ResetWindows()"}) || !strings.Contains(m.View(), "windows and alerts reset") {
		t.Fatalf("r y: calls %v\n%s", got, m.View())
	}
}

// TestForgetSelected: x (or delete) forgets the selected instance through
// the controller and says so; the history (the snapshot's) shows it.
func TestForgetSelected(t *testing.T) {
	m, ctrl := newTestModel(t, 80, 24)
	m = withSnapshot(t, m, fixture3())
	m = press(t, m, "down") // bot-2
	m = press(t, m, "x")
	if got := ctrl.Calls(); !slices.Equal(got, []string{"Forget(bot-2)"}) {
		t.Fatalf("x: calls %v", got)
	}
	if !strings.Contains(lastLine(m.View()), "forgot bot-2: it comes back if it speaks again") {
		t.Fatalf("x: status line\n%s", m.View())
	}
	// From the detail view, delete forgets the instance shown and leaves.
	m = press(t, m, "enter")
	nm, cmd := m.Update(tea.KeyMsg{Type: tea.KeyDelete})
	m = runCmd(t, nm.(Model), cmd)
	if got := ctrl.Calls(); got[len(got)-1] != "Forget(bot-2)" || m.screen != screenMain {
		t.Fatalf("delete in the detail view: calls %v, screen %v", got, m.screen)
	}
	s := fixture3()
	s.Instances = slices.Delete(slices.Clone(s.Instances), 1, 2)
	s.History = append([]metrics.AlertChange{{At: fixedNow, Rule: "forgotten", Instance: "bot-2", From: metrics.Warn,
		To: metrics.Warn, Note: "forgotten by the user"}}, s.History...)
	m = withSnapshot(t, m, s)
	if !strings.Contains(m.View(), "14:02:11 forgotten bot-2: forgo…") {
		t.Fatalf("the recent changes do not show the forgotten instance:\n%s", m.View())
	}
	m = press(t, m, "a")
	if !strings.Contains(m.View(), "14:02:11 forgotten bot-2: forgotten by the user") {
		t.Fatalf("the alerts panel does not show the forget whole:\n%s", m.View())
	}
	if strings.Contains(m.View(), "WARN→WARN") {
		t.Fatal("a forget is drawn as a state change")
	}
}

func lastLine(frame string) string {
	lines := strings.Split(frame, "\n")
	return lines[len(lines)-1]
}
