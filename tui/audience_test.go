package tui

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
)

// refusingControl is a fakeControl behind a Refuser, as bridgescope serve
// gives a viewer: every action is refused unless allowed lists it.
type refusingControl struct {
	*fakeControl
	allowed map[Action]bool
	asked   []Action
}

func (r *refusingControl) Refuse(a Action) error {
	r.asked = append(r.asked, a)
	if r.allowed[a] {
		return nil
	}
	return errors.New("read-only session: " + string(a) + " needs an operator key")
}

func newRefusingModel(t *testing.T, allowed ...Action) (Model, *refusingControl) {
	t.Helper()
	m, ctrl := newTestModel(t, 80, 24)
	rc := &refusingControl{fakeControl: ctrl, allowed: map[Action]bool{}}
	for _, a := range allowed {
		rc.allowed[a] = true
	}
	m.cfg.Control = rc
	return withSnapshot(t, m, fixture3()), rc
}

// TestRefuserRefusesOnScreen: a Controller that refuses says so on the
// status line, for every key that reaches beyond the screen, and nothing
// is called: no pause, no rate, no reset question, no forget, no files.
func TestRefuserRefusesOnScreen(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		want Action
	}{
		{[]string{"p"}, ActionPause},
		{[]string{"+"}, ActionRate},
		{[]string{"-"}, ActionRate},
		{[]string{"="}, ActionRate},
		{[]string{"r"}, ActionReset},
		{[]string{"down", "x"}, ActionForget},
		{[]string{"s"}, ActionSnapshot},
	} {
		m, rc := newRefusingModel(t)
		for _, k := range tc.keys {
			m = press(t, m, k)
		}
		status := lastLine(m.View())
		if want := "refused: read-only session: " + string(tc.want) + " needs an operator key"; !strings.Contains(status, want) {
			t.Errorf("%v: status line %q, want %q", tc.keys, status, want)
		}
		if calls := rc.Calls(); len(calls) != 0 {
			t.Errorf("%v: the controller was called: %v", tc.keys, calls)
		}
		if m.confirmReset {
			t.Errorf("%v: a refused reset still asks y/n", tc.keys)
		}
		if files, _ := os.ReadDir(m.cfg.SnapshotDir); len(files) != 0 {
			t.Errorf("%v: a refused snapshot wrote %d files", tc.keys, len(files))
		}
		if len(rc.asked) != 1 || rc.asked[0] != tc.want {
			t.Errorf("%v: asked %v, want [%s]", tc.keys, rc.asked, tc.want)
		}
	}
}

// TestRefuserAllows: what the Refuser allows runs as without one.
func TestRefuserAllows(t *testing.T) {
	m, rc := newRefusingModel(t, ActionPause, ActionReset)
	m = press(t, m, "p")
	m = press(t, m, "r")
	m = press(t, m, "y")
	m = press(t, m, "+") // not allowed
	if got := strings.Join(rc.Calls(), " "); got != "SetPaused(true) ResetWindows()" {
		t.Errorf("calls %q, want the pause and the reset only", got)
	}
	if !strings.Contains(lastLine(m.View()), "refused: ") {
		t.Errorf("the refused + is not on the status line:\n%s", m.View())
	}
}

// TestServeHeader: a session of bridgescope serve names itself and how
// many watch in the header, at both sizes, without losing the Redis
// address; outside serve nothing changes.
func TestServeHeader(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		m, _ := newTestModel(t, size[0], size[1])
		m = withSnapshot(t, m, fixture3())
		if first := firstLine(m.View()); strings.Contains(first, "serve ·") {
			t.Fatalf("%v: serve in the header of a plain watch: %q", size, first)
		}
		m = update(t, m, audienceMsg{a: Audience{Viewers: 3}})
		first := firstLine(m.View())
		if !strings.Contains(first, "serve · 3 viewers") || !strings.Contains(first, "redis://127.0.0.1:6379/0") {
			t.Errorf("%v: header %q, want serve · 3 viewers and the Redis address", size, first)
		}
		if w := lipgloss.Width(first); w > size[0] {
			t.Errorf("%v: header is %d wide", size, w)
		}
		m = update(t, m, audienceMsg{a: Audience{Viewers: 1}})
		if first := firstLine(m.View()); !strings.Contains(first, "serve · 1 viewer ") {
			t.Errorf("%v: header %q, want serve · 1 viewer", size, first)
		}
	}
	// Before the first snapshot too.
	m, _ := newTestModel(t, 80, 24)
	m = update(t, m, audienceMsg{a: Audience{Viewers: 2}})
	if first := firstLine(m.View()); !strings.Contains(first, "serve · 2 viewers") {
		t.Errorf("waiting header %q", first)
	}
}

// TestConnectedInHelp: `?` lists who is connected when the server sent
// the list (operators), with user names stripped of escapes; a viewer's
// session, sent only the count, shows no list.
func TestConnectedInHelp(t *testing.T) {
	since := fixedNow.Add(-5 * time.Minute)
	who := []Viewer{
		{User: "alice", Key: "SHA256:aaaa", Comment: "alice@laptop", Operator: true, Since: since, You: true},
		{User: "mallory\x1b[2J\x1b]0;pwned\x07", Key: "SHA256:bbbb", Since: since},
	}
	m, _ := newTestModel(t, 80, 24)
	m = withSnapshot(t, m, fixture3())
	m = update(t, m, audienceMsg{a: Audience{Viewers: 2, Who: who}})
	m = press(t, m, "?")
	v := m.View()
	for _, want := range []string{"Connected", "alice (you)", "operator · SHA256:aaaa · since 13:57:11", "alice@laptop", "viewer · SHA256:bbbb", "Keys"} {
		if !strings.Contains(v, want) {
			t.Errorf("help does not show %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "\x1b[2J") || strings.Contains(v, "pwned\x07") || strings.Contains(v, "\x1b]0") {
		t.Errorf("a user name's escapes reach the screen: %q", v)
	}

	m, _ = newTestModel(t, 80, 24)
	m = withSnapshot(t, m, fixture3())
	m = update(t, m, audienceMsg{a: Audience{Viewers: 2}})
	m = press(t, m, "?")
	if v := m.View(); strings.Contains(v, "Connected") || !strings.Contains(v, "Keys") {
		t.Errorf("a viewer's help lists who is connected:\n%s", v)
	}
}

// TestAudienceChannel: the model waits on Config.Audience as on the
// snapshots, and stops waiting when it is closed.
func TestAudienceChannel(t *testing.T) {
	ch := make(chan Audience, 1)
	m, _ := newTestModel(t, 80, 24)
	m.cfg.Audience = ch
	ch <- Audience{Viewers: 4}
	nm, cmd := m.Update(waitAudience(ch)())
	m = nm.(Model)
	if cmd == nil || !strings.Contains(firstLine(m.View()), "serve · 4 viewers") {
		t.Fatalf("after one Audience: re-armed %v, header %q", cmd != nil, firstLine(m.View()))
	}
	close(ch)
	if _, cmd := m.Update(cmd()); cmd != nil {
		t.Error("a closed Audience channel is waited on again")
	}
	if waitAudience(nil) != nil {
		t.Error("waiting on no channel")
	}
}

func firstLine(frame string) string {
	first, _, _ := strings.Cut(frame, "\n")
	return first
}
