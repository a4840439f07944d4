package tui

import (
	"fmt"
	"path/filepath"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Action names a command that reaches beyond this screen, for a Refuser.
type Action string

// The actions a Refuser is asked about.
const (
	ActionPause    Action = "pause"    // p: pause or resume probes
	ActionRate     Action = "rate"     // + - =: the probe rate
	ActionReset    Action = "reset"    // r: reset windows and alerts
	ActionForget   Action = "forget"   // x: forget an instance
	ActionSnapshot Action = "snapshot" // s: files written on the observer's host
)

// Refuser is implemented by a Controller that may refuse this screen's
// commands (a read-only viewer of a shared observer). Refuse is asked
// before each Action; a non-nil error is shown as "refused: <error>" and
// nothing is done (a reset is refused before it is asked for).
type Refuser interface {
	Refuse(Action) error
}

// refused asks the Controller whether a is refused; it says so on the
// status line when it is.
func (m Model) refused(a Action) (Model, bool) {
	r, ok := m.cfg.Control.(Refuser)
	if !ok {
		return m, false
	}
	if err := r.Refuse(a); err != nil {
		return m.say("refused: "+err.Error(), true).redraw(), true
	}
	return m, false
}

// The Controller's answers, back from the Cmds that called it.
type (
	pausedMsg struct{ paused bool }
	rateMsg   struct {
		rate       float64
		configured bool // `=`: back to the configured rate
	}
	resetMsg  struct{}
	forgotMsg struct{ id string }
)

// onControlKey sends pause and rate to the Controller from Cmds, with the
// controller and lock copied out of the model, and asks before a reset;
// ok is false for any other key.
func (m Model) onControlKey(k tea.KeyMsg) (tea.Model, tea.Cmd, bool) {
	ctrl, mu := m.cfg.Control, m.ctrlMu
	if ctrl == nil {
		return m, nil, false
	}
	if a, ok := m.controlAction(k); ok {
		if nm, no := m.refused(a); no {
			return nm, nil, true
		}
	}
	switch {
	case key.Matches(k, m.keys.Pause):
		return m, func() tea.Msg {
			mu.Lock()
			defer mu.Unlock()
			ctrl.SetPaused(!ctrl.Paused())
			return pausedMsg{paused: ctrl.Paused()}
		}, true
	case key.Matches(k, m.keys.Faster):
		return m, func() tea.Msg { return rateMsg{rate: ctrl.StepProbeRate(+1)} }, true
	case key.Matches(k, m.keys.Slower):
		return m, func() tea.Msg { return rateMsg{rate: ctrl.StepProbeRate(-1)} }, true
	case key.Matches(k, m.keys.RateReset):
		return m, func() tea.Msg { return rateMsg{rate: ctrl.ResetProbeRate(), configured: true} }, true
	case key.Matches(k, m.keys.Reset):
		// A reset wipes every window and the alert history: one stray
		// key must not do that.
		m.confirmReset = true
		m.status = status{}
		return m.redraw(), nil, true
	}
	return m, nil, false
}

// controlAction is the Action a control key asks for.
func (m Model) controlAction(k tea.KeyMsg) (Action, bool) {
	switch {
	case key.Matches(k, m.keys.Pause):
		return ActionPause, true
	case key.Matches(k, m.keys.Faster), key.Matches(k, m.keys.Slower), key.Matches(k, m.keys.RateReset):
		return ActionRate, true
	case key.Matches(k, m.keys.Reset):
		return ActionReset, true
	}
	return "", false
}

// onConfirmKey answers "reset windows and alerts? y/n": y resets, any
// other key cancels and does nothing else.
func (m Model) onConfirmKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	m.confirmReset = false
	if !key.Matches(k, m.keys.Yes) || m.cfg.Control == nil {
		return m.say("reset cancelled", false).redraw(), nil
	}
	ctrl := m.cfg.Control
	m = m.say("resetting windows and alerts…", false).redraw()
	return m, func() tea.Msg {
		ctrl.ResetWindows()
		return resetMsg{}
	}
}

// startForget forgets the selected instance through the Controller. The
// row leaves with the next snapshot, whose history records it.
func (m Model) startForget() (tea.Model, tea.Cmd) {
	ctrl, id := m.cfg.Control, m.table.sel
	if ctrl == nil || id == "" {
		return m, nil
	}
	if nm, no := m.refused(ActionForget); no {
		return nm, nil
	}
	m.screen = screenMain // the detail view's instance is going away
	return m.redraw(), func() tea.Msg {
		ctrl.Forget(id)
		return forgotMsg{id: id}
	}
}

// onControlDone shows what the Controller applied.
func (m Model) onControlDone(msg tea.Msg) Model {
	switch msg := msg.(type) {
	case pausedMsg:
		m.header.paused = msg.paused
		return m.say(map[bool]string{true: "probes paused", false: "probes resumed"}[msg.paused], false)
	case rateMsg:
		m.header.rate = msg.rate
		if msg.configured {
			return m.say("probe rate "+fmtRate(msg.rate)+", as configured", false)
		}
		return m.say("probe rate "+fmtRate(msg.rate)+" (= returns to the configured rate)", false)
	case resetMsg:
		return m.say("windows and alerts reset", false)
	case forgotMsg:
		return m.say(fmt.Sprintf("forgot %s: it comes back if it speaks again", msg.id), false)
	}
	return m
}

// startSnapshot hands a copy of the frame and the snapshot to a Cmd that
// writes the files; the result comes back as snapshotWrittenMsg.
func (m Model) startSnapshot() (tea.Model, tea.Cmd) {
	if m.snap == nil {
		return m.say("nothing to snapshot yet", true).redraw(), nil
	}
	if nm, no := m.refused(ActionSnapshot); no {
		return nm, nil
	}
	job := snapshotJob{dir: m.cfg.SnapshotDir, at: m.cfg.Now(), frame: m.frame, snap: *m.snap,
		colours: ImageColours(m.styles.Palette, m.cfg.SnapshotBg), replay: m.cfg.Replay != nil}
	if job.replay { // named after the moment on show, not the replay's clock
		job.at = m.snap.At
	}
	m = m.say(fmt.Sprintf("writing snapshot to %s…", job.dir), false).redraw()
	return m, func() tea.Msg { return writeSnapshot(job) }
}

func (m Model) onSnapshotWritten(msg snapshotWrittenMsg) Model {
	if msg.err != nil {
		return m.say("snapshot failed: "+msg.err.Error(), true).redraw()
	}
	// The name first: a long directory is what gets cut on a narrow screen.
	text := fmt.Sprintf("snapshot: %s.{txt,ans,md,json,png,svg} in %s", filepath.Base(msg.base), filepath.Dir(msg.base))
	return m.say(text, false).redraw()
}
