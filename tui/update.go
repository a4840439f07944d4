package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/bridgescope/bridgescope/metrics"
)

type (
	snapshotMsg     struct{ snap metrics.Snapshot }
	streamClosedMsg struct{}
	frameTickMsg    struct{ id int }
	beatMsg         struct{ id int }
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
		return m.relayout().redraw(), nil
	case tea.KeyMsg:
		return m.onKey(msg)
	case snapshotMsg:
		return m.onSnapshot(msg.snap)
	case streamClosedMsg:
		m.header.closed = true
		return m.redraw(), nil
	case frameTickMsg:
		return m.onFrameTick(msg)
	case beatMsg:
		return m.onBeat(msg)
	case pausedMsg, rateMsg, resetMsg, forgotMsg:
		return m.onControlDone(msg).redraw(), nil
	case snapshotWrittenMsg:
		return m.onSnapshotWritten(msg), nil
	case audienceMsg:
		return m.onAudience(msg)
	case positionMsg:
		return m.onPosition(msg), nil
	}
	return m, nil
}

// onSnapshot coalesces: the first snapshot after a quiet spell is drawn at
// once and opens a frame window; snapshots inside the window only replace
// the pending one, drawn when the window's tick fires.
func (m Model) onSnapshot(s metrics.Snapshot) (tea.Model, tea.Cmd) {
	m.lastRecv = m.cfg.Now()
	m.header.stale = 0
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
	m.header.paused, m.header.rate = clean.Paused, clean.ProbeRate
	m.table = m.table.refresh(m.snap)
	return m.relayout()
}

// relayout gives the table the rows the main view's layout leaves it, so
// paging and scrolling know the visible height.
func (m Model) relayout() Model {
	m.table = m.table.resize(m.mainLayout().rows)
	return m
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
	// A replay sends frames only as its clock moves: a pause is not stale.
	if m.snap != nil && !m.header.closed && !m.lastRecv.IsZero() && m.cfg.Replay == nil {
		if age := now.Sub(m.lastRecv); age >= staleAfter {
			m.header.stale = age // the "no snapshot for Ns" counter moves
			dirty = true
		}
	}
	if dirty {
		m = m.redraw()
	}
	return m, next
}
