package tui

import (
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/bridgescope/bridgescope/metrics/record"
)

// fakePlayer records what the screen asked of it.
type fakePlayer struct {
	mu    sync.Mutex
	pos   record.Position
	calls []string
}

func (p *fakePlayer) do(call string, f func()) record.Position {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, call)
	f()
	return p.pos
}
func (p *fakePlayer) Position() record.Position { p.mu.Lock(); defer p.mu.Unlock(); return p.pos }
func (p *fakePlayer) TogglePause() record.Position {
	return p.do("pause", func() { p.pos.Paused = !p.pos.Paused })
}
func (p *fakePlayer) Seek(d time.Duration) record.Position {
	return p.do("seek "+d.String(), func() { p.pos.At = p.pos.At.Add(d) })
}
func (p *fakePlayer) SeekTo(t time.Time) record.Position {
	return p.do("to "+t.Format("15:04:05"), func() { p.pos.At = t })
}
func (p *fakePlayer) SetSpeed(x float64) record.Position {
	return p.do("speed", func() { p.pos.Speed = x })
}

func replayModel(t *testing.T) (Model, *fakePlayer) {
	t.Helper()
	snap := fixture3()
	p := &fakePlayer{pos: record.Position{At: snap.At, Start: snap.At.Add(-10 * time.Minute), End: snap.At.Add(5 * time.Minute), Speed: 1}}
	m := New(Config{Replay: p, Theme: "dark", Renderer: asciiRenderer(), SnapshotDir: t.TempDir(),
		NoControl: "replaying a recording", Now: func() time.Time { return fixedNow.Add(time.Hour) }})
	m.sched = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	return withSnapshot(t, m, snap), p
}

// run presses k and runs the Cmd it returns, as bubbletea would.
func run(t *testing.T, m Model, k tea.KeyMsg) Model {
	t.Helper()
	nm, cmd := m.Update(k)
	m = nm.(Model)
	if cmd != nil {
		if msg := cmd(); msg != nil {
			m = update(t, m, msg)
		}
	}
	return m
}

func TestReplayKeysDriveThePlayer(t *testing.T) {
	m, p := replayModel(t)
	head := strings.Split(ansi.Strip(m.View()), "\n")[1]
	if !strings.Contains(head, "▶ 1× 14:02:11") || !strings.Contains(head, "10m00s/15m00s") || !strings.Contains(head, "●") {
		t.Fatalf("the header has no position bar: %q", head)
	}
	for _, k := range []string{" ", "]", "[", "}", "{", "5"} {
		m = run(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
	}
	want := []string{"pause", "seek 10s", "seek -10s", "seek 1m0s", "seek -1m0s", "speed"}
	if got := p.calls; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("player calls %v, want %v", got, want)
	}
	if p.pos.Speed != 20 {
		t.Errorf("5 set speed %g, want 20", p.pos.Speed)
	}
	if head := strings.Split(ansi.Strip(m.View()), "\n")[1]; !strings.Contains(head, "⏸ 20×") {
		t.Errorf("the header does not show paused at 20×: %q", head)
	}
	// g opens the go-to input; a time of day goes there.
	m = run(t, m, keyMsg("g"))
	if !strings.Contains(ansi.Strip(m.View()), "go to:") {
		t.Fatalf("g opened no input:\n%s", ansi.Strip(m.View()))
	}
	for _, r := range "13:58:00" {
		m = run(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	m = run(t, m, keyMsg("enter"))
	if last := p.calls[len(p.calls)-1]; last != "to 13:58:00" {
		t.Errorf("go to 13:58:00 called %q", last)
	}
}

// TestReplayControlsSayWhyTheyAreOff: the live observer's keys do nothing
// in a replay and the footer says why.
func TestReplayControlsSayWhyTheyAreOff(t *testing.T) {
	m, _ := replayModel(t)
	for _, k := range []string{"p", "+", "r", "x"} {
		m = run(t, m, keyMsg(k))
		foot := strings.Split(ansi.Strip(m.View()), "\n")[23]
		if !strings.Contains(foot, "off — replaying a recording") {
			t.Errorf("%s in a replay: footer %q", k, foot)
		}
	}
	if m.confirmReset {
		t.Error("r in a replay asks to reset")
	}
}

// TestReplaySnapshotIsNamedAfterTheMoment: s in a replay names the files
// after the recorded time on show, and the image's title says replay.
func TestReplaySnapshotIsNamedAfterTheMoment(t *testing.T) {
	m, _ := replayModel(t)
	m = run(t, m, keyMsg("s"))
	if !strings.Contains(ansi.Strip(m.View()), "snapshot: bridgescope-20251126-140211.{txt,ans,md,json,png,svg}") {
		t.Fatalf("footer: %s", strings.Split(ansi.Strip(m.View()), "\n")[23])
	}
}
