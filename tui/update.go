package tui

import (
	"fmt"
	"path/filepath"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/themes"
)

type (
	snapshotMsg     struct{ snap metrics.Snapshot }
	streamClosedMsg struct{}
	frameTickMsg    struct{ id int }
	beatMsg         struct{ id int }
	pausedMsg       struct{ paused bool }
	rateMsg         struct{ rate float64 }
	resetMsg        struct{}
)

// waitSnapshot is the re-arming Cmd that turns the snapshot channel into
// messages (bubbletea's examples/realtime).
func waitSnapshot(ch <-chan metrics.Snapshot) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return streamClosedMsg{}
		}
		return snapshotMsg{snap: s}
	}
}

// Update routes each message to a small handler.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		return m.refreshRows().redraw(), nil
	case tea.KeyMsg:
		return m.onKey(msg)
	case snapshotMsg:
		return m.onSnapshot(msg.snap)
	case streamClosedMsg:
		m.closed = true
		return m.redraw(), nil
	case frameTickMsg:
		return m.onFrameTick(msg)
	case beatMsg:
		return m.onBeat(msg)
	case pausedMsg:
		m.paused = msg.paused
		return m.say(map[bool]string{true: "probes paused", false: "probes resumed"}[msg.paused], false).redraw(), nil
	case rateMsg:
		m.rate = msg.rate
		return m.say("probe rate "+fmtRate(msg.rate), false).redraw(), nil
	case resetMsg:
		return m.say("windows reset", false).redraw(), nil
	case snapshotWrittenMsg:
		return m.onSnapshotWritten(msg), nil
	}
	return m, nil
}

// onSnapshot coalesces: the first snapshot after a quiet spell is drawn at
// once and opens a frame window; snapshots inside the window only replace
// the pending one, drawn when the window's tick fires.
func (m Model) onSnapshot(s metrics.Snapshot) (tea.Model, tea.Cmd) {
	m.lastRecv = m.cfg.Now()
	wait := waitSnapshot(m.cfg.Snapshots)
	if m.frameInFlight {
		m.pending = &s
		return m, wait
	}
	m = m.apply(s).redraw()
	m, frame := m.startFrame()
	return m, tea.Batch(wait, frame)
}

func (m Model) startFrame() (Model, tea.Cmd) {
	m.frameID++
	m.frameInFlight = true
	return m, m.sched(frameInterval, frameTickMsg{id: m.frameID})
}

func (m Model) onFrameTick(msg frameTickMsg) (tea.Model, tea.Cmd) {
	if msg.id != m.frameID || !m.frameInFlight {
		return m, nil // stale: a newer window owns the screen
	}
	m.frameInFlight = false
	if m.pending == nil {
		return m, nil
	}
	s := *m.pending
	m.pending = nil
	m = m.apply(s).redraw()
	return m.startFrame()
}

// apply puts a snapshot on screen: sanitized once here, so nothing drawn
// later can carry escape sequences from the wire.
func (m Model) apply(s metrics.Snapshot) Model {
	clean := cleanSnapshot(s)
	m.snap = &clean
	m.paused = clean.Paused
	m.rate = clean.ProbeRate
	return m.refreshRows()
}

func (m Model) onBeat(msg beatMsg) (tea.Model, tea.Cmd) {
	if msg.id != m.beatID {
		return m, nil
	}
	next := m.sched(beatInterval, beatMsg{id: m.beatID})
	now := m.cfg.Now()
	dirty := false
	if m.status.text != "" && !now.Before(m.status.until) {
		m.status = status{}
		dirty = true
	}
	if m.snap != nil && !m.closed && now.Sub(m.lastRecv) >= staleAfter {
		dirty = true // the "no snapshot for Ns" counter moves
	}
	if dirty {
		m = m.redraw()
	}
	return m, next
}

// say sets the footer's transient message.
func (m Model) say(text string, isErr bool) Model {
	m.status = status{text: text, err: isErr, until: m.cfg.Now().Add(statusFor)}
	return m
}

func (m Model) onKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.filter.focused() {
		return m.onFilterKey(k)
	}
	if k.Type == tea.KeyRunes && len(k.Runes) > 1 && !k.Paste {
		return m.onKeys(k)
	}
	if nm, ok := m.onNavKey(k); ok {
		return nm.redraw(), nil
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(k, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
	case key.Matches(k, m.keys.Back):
		m = m.onBack()
	case key.Matches(k, m.keys.Chart):
		m.chartOne = !m.chartOne
	case key.Matches(k, m.keys.Sort):
		m.table.sort = m.table.sort.next()
		m = m.refreshRows()
	case key.Matches(k, m.keys.Filter):
		return m.startFilter()
	case key.Matches(k, m.keys.Theme):
		pal, err := themes.Lookup(themes.Next(m.theme))
		if err != nil {
			return m.say(err.Error(), true).redraw(), nil
		}
		m = m.withTheme(pal).say("theme "+pal.Name, false)
	case key.Matches(k, m.keys.Snapshot):
		return m.startSnapshot()
	default:
		return m.onControlKey(k)
	}
	return m.redraw(), nil
}

// onKeys handles several runes read at once (fast typing, or an SSH link
// that batches keystrokes) as one key each, in order: "jj" moves twice,
// and "/bot" opens the filter and types "bot".
func (m Model) onKeys(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	for _, r := range k.Runes {
		nm, cmd := m.onKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: k.Alt})
		m = nm.(Model)
		cmds = append(cmds, cmd)
	}
	return m, tea.Sequence(cmds...)
}

func (m Model) onBack() Model {
	switch {
	case m.detail:
		m.detail = false
	case m.filter.value() != "":
		m.filter = m.filter.clear()
		m = m.refreshRows()
	case m.help.ShowAll:
		m.help.ShowAll = false
	}
	return m
}

// onControlKey sends pause, rate and reset to the Controller from Cmds,
// with the controller and lock copied out of the model.
func (m Model) onControlKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	ctrl, mu := m.cfg.Control, m.ctrlMu
	if ctrl == nil {
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Pause):
		return m, func() tea.Msg {
			mu.Lock()
			defer mu.Unlock()
			ctrl.SetPaused(!ctrl.Paused())
			return pausedMsg{paused: ctrl.Paused()}
		}
	case key.Matches(k, m.keys.Faster), key.Matches(k, m.keys.Slower):
		factor := 2.0
		if key.Matches(k, m.keys.Slower) {
			factor = 0.5
		}
		return m, func() tea.Msg {
			mu.Lock()
			defer mu.Unlock()
			return rateMsg{rate: ctrl.SetProbeRate(ctrl.ProbeRate() * factor)}
		}
	case key.Matches(k, m.keys.Reset):
		return m, func() tea.Msg {
			ctrl.ResetWindows()
			return resetMsg{}
		}
	}
	return m, nil
}

// startSnapshot hands a copy of the frame and the snapshot to a Cmd that
// writes the files; the result comes back as snapshotWrittenMsg.
func (m Model) startSnapshot() (tea.Model, tea.Cmd) {
	if m.snap == nil {
		return m.say("nothing to snapshot yet", true).redraw(), nil
	}
	dir, at, frame, snap := m.cfg.SnapshotDir, m.cfg.Now(), m.frame, *m.snap
	m = m.say(fmt.Sprintf("writing snapshot to %s…", dir), false).redraw()
	return m, func() tea.Msg { return writeSnapshot(dir, at, frame, snap) }
}

func (m Model) onSnapshotWritten(msg snapshotWrittenMsg) Model {
	if msg.err != nil {
		return m.say("snapshot failed: "+msg.err.Error(), true).redraw()
	}
	// The name first: a long directory is what gets cut on a narrow screen.
	text := fmt.Sprintf("snapshot: %s.{txt,ans,md,json} in %s", filepath.Base(msg.base), filepath.Dir(msg.base))
	return m.say(text, false).redraw()
}
