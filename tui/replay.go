package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/bridgescope/bridgescope/metrics/record"
	"github.com/bridgescope/bridgescope/themes"
)

// Replayer is a recording's player: the replay's side of the screen's
// keys. Its methods are cheap and never wait on the file, so a tea.Cmd may
// call them; the frames come on Config.Snapshots.
type Replayer interface {
	Position() record.Position
	TogglePause() record.Position
	Seek(d time.Duration) record.Position
	SeekTo(t time.Time) record.Position
	SetSpeed(x float64) record.Position
}

// replaySpeeds are the speeds of keys 1–9: up to 500×, so that a two-hour
// session plays through in a quarter of a minute and a 10-minute one is
// read at 1× or 2×.
var replaySpeeds = [9]float64{1, 2, 5, 10, 20, 50, 100, 200, 500}

// The seeks of [ ] and { }.
const (
	seekShort = 10 * time.Second
	seekLong  = time.Minute
	// positionBarW is the header's position bar, in cells.
	positionBarW = 16
)

// positionMsg is the player's position after a key.
type positionMsg struct{ pos record.Position }

// replayState is what the screen knows of the player: its position as of
// the last key (the frame on show says the time), the go-to input.
type replayState struct {
	pos  record.Position
	goTo textinput.Model
}

func newGoTo() textinput.Model {
	ti := textinput.New()
	ti.Prompt = "go to: "
	ti.Placeholder = "03:12:00, +1m30s or -30s"
	ti.CharLimit = 40
	ti.Cursor.SetMode(cursor.CursorStatic)
	return ti
}

// onReplayKey handles the player's keys; ok is false for any other key or
// when there is no player.
func (m Model) onReplayKey(k tea.KeyMsg) (tea.Model, tea.Cmd, bool) {
	p := m.cfg.Replay
	if p == nil {
		return m, nil, false
	}
	do := func(f func() record.Position) tea.Cmd { return func() tea.Msg { return positionMsg{pos: f()} } }
	rk := m.keys
	switch {
	case key.Matches(k, rk.Play):
		return m, do(p.TogglePause), true
	case key.Matches(k, rk.SeekBack):
		return m, do(func() record.Position { return p.Seek(-seekShort) }), true
	case key.Matches(k, rk.SeekFwd):
		return m, do(func() record.Position { return p.Seek(seekShort) }), true
	case key.Matches(k, rk.SeekBackLong):
		return m, do(func() record.Position { return p.Seek(-seekLong) }), true
	case key.Matches(k, rk.SeekFwdLong):
		return m, do(func() record.Position { return p.Seek(seekLong) }), true
	case key.Matches(k, rk.Speed):
		x := replaySpeeds[k.Runes[0]-'1']
		return m, do(func() record.Position { return p.SetSpeed(x) }), true
	case key.Matches(k, rk.GoTo):
		cmd := m.replay.goTo.Focus()
		return m.redraw(), cmd, true
	}
	return m, nil, false
}

// onGoToKey types into the go-to input: enter seeks, esc gives up.
func (m Model) onGoToKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch k.Type {
	case tea.KeyCtrlC:
		return m, tea.Quit
	case tea.KeyEsc:
		m.replay.goTo.Reset()
		m.replay.goTo.Blur()
		return m.redraw(), nil
	case tea.KeyEnter:
		text := m.replay.goTo.Value()
		m.replay.goTo.Reset()
		m.replay.goTo.Blur()
		pos := m.replay.pos
		if m.snap != nil {
			pos.At = m.snap.At
		}
		t, err := record.ParseAt(text, pos.Start.In(pos.At.Location()), pos.End)
		if err != nil {
			return m.say("go to: "+err.Error(), true).redraw(), nil
		}
		p := m.cfg.Replay
		return m.redraw(), func() tea.Msg { return positionMsg{pos: p.SeekTo(t)} }
	}
	var cmd tea.Cmd
	m.replay.goTo, cmd = m.replay.goTo.Update(k)
	return m.redraw(), cmd
}

func (m Model) onPosition(msg positionMsg) Model {
	m.replay.pos = msg.pos
	state := "playing"
	if msg.pos.Paused {
		state = "paused"
	}
	return m.say(fmt.Sprintf("%s at %s, %g×", state, msg.pos.At.Format("15:04:05"), msg.pos.Speed), false).redraw()
}

// replayLine is the header's replay part: play state and speed, the
// recorded time on show, and a bar of where it is in the recording.
func (m Model) replayLine(st *themes.Styles) string {
	pos := m.replay.pos
	at := pos.At
	if m.snap != nil {
		at = m.snap.At
	}
	mark := "▶"
	if pos.Paused {
		mark = "⏸"
	}
	if !at.Before(pos.End) && !pos.End.IsZero() {
		mark = "■"
	}
	span := pos.End.Sub(pos.Start)
	frac := 1.0
	if span > 0 {
		frac = min(max(float64(at.Sub(pos.Start))/float64(span), 0), 1)
	}
	filled := int(frac * float64(positionBarW-1))
	bar := st.Accent.Render(strings.Repeat("━", filled)+"●") + st.Border.Render(strings.Repeat("─", positionBarW-1-filled))
	return st.Accent.Render(mark) + st.Text.Render(fmt.Sprintf(" %g× %s ", pos.Speed, at.Format("15:04:05"))) + bar +
		st.Muted.Render(" "+fmtSpan(at.Sub(pos.Start))+"/"+fmtSpan(span))
}

// disabledControl says why a live observer's key does nothing here.
func (m Model) disabledControl(k tea.KeyMsg) (Model, bool) {
	if m.cfg.Control != nil {
		return m, false
	}
	for _, b := range []key.Binding{m.live.Pause, m.live.Faster, m.live.Slower, m.live.RateReset, m.live.Reset, m.live.Forget} {
		if key.Matches(k, b) {
			why := m.cfg.NoControl
			if why == "" {
				why = "no live observer"
			}
			return m.say(b.Help().Desc+": off — "+why, true).redraw(), true
		}
	}
	return m, false
}
