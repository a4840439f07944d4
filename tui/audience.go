package tui

import (
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/bridgescope/bridgescope/themes"
)

// Audience is who watches a shared observer (bridgescope serve), as far
// as this session may know it: the header shows "serve · N viewers", and
// the help panel lists Who, which the server sends to operators only.
type Audience struct {
	Viewers int
	Who     []Viewer
}

// Viewer is one session of a shared observer.
type Viewer struct {
	User     string // the SSH user name the client gave: not an identity
	Key      string // the key's fingerprint (SHA256:…): the identity
	Comment  string // the key's comment in the authorized keys file
	Operator bool
	Since    time.Time
	You      bool // this session
}

// audienceMsg carries the newest Audience; closed when the channel is.
type audienceMsg struct {
	a      Audience
	closed bool
}

// waitAudience is the re-arming Cmd over Config.Audience, as waitSnapshot
// is over the snapshots.
func waitAudience(ch <-chan Audience) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		a, ok := <-ch
		return audienceMsg{a: a, closed: !ok}
	}
}

func (m Model) onAudience(msg audienceMsg) (tea.Model, tea.Cmd) {
	if msg.closed {
		return m, nil
	}
	a := msg.a
	a.Who = append([]Viewer(nil), a.Who...)
	for i := range a.Who { // from the client: a user name may carry escapes
		v := &a.Who[i]
		v.User, v.Key, v.Comment = sanitize(v.User), sanitize(v.Key), sanitize(v.Comment)
	}
	m.header.audience, m.help.audience = &a, &a
	return m.redraw(), waitAudience(m.cfg.Audience)
}

// audienceLabel is the header's "serve · 3 viewers"; "" outside serve.
func audienceLabel(a *Audience) string {
	if a == nil {
		return ""
	}
	if a.Viewers == 1 {
		return "serve · 1 viewer"
	}
	return fmt.Sprintf("serve · %d viewers", a.Viewers)
}

// connectedLines is the help panel's list of who is connected: only when
// the server sent it (to an operator).
func connectedLines(a *Audience, st *themes.Styles, w int) []string {
	if a == nil || len(a.Who) == 0 {
		return nil
	}
	out := []string{st.Title.Render("Connected") + st.Muted.Render(" · "+audienceLabel(a)+", shown to operators only")}
	for _, v := range a.Who {
		role := "viewer"
		if v.Operator {
			role = "operator"
		}
		name := v.User
		if v.You {
			name += " (you)"
		}
		text := fmt.Sprintf("%s · %s · since %s", role, v.Key, v.Since.Format("15:04:05"))
		if v.Comment != "" {
			text += " · " + v.Comment
		}
		out = append(out, hanging(st.HelpKey.Render(name), 16, text, w, st.HelpDesc)...)
	}
	return append(out, "")
}
