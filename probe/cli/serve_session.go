package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/tui"
)

// maxShownCommand caps how much of a refused command is echoed back.
const maxShownCommand = 60

// cleanUser is the SSH user name as the screen and the log may show it:
// the client chooses it, escapes and all.
func cleanUser(u string) string { return report.Sanitize(u, maxUserRunes) }

// gate runs before the dashboard: it admits an authenticated session as a
// viewer (or refuses it with a line saying why), logs the login and the
// logout, and leaves the session with a line when the server ended it.
func (s *sshServer) gate(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if gc, ok := sess.Context().Value(graceKey{}).(*graceConn); ok {
			gc.started()
		}
		key := sess.PublicKey()
		entry, authorized := s.auth.lookup(key) // as the file reads now
		vs := &viewerSession{user: cleanUser(sess.User()), addr: addrOf(sess.RemoteAddr()), key: key,
			fp: entry.fp, comment: report.Sanitize(entry.comment, maxUserRunes), since: time.Now()}
		who := []any{"user", vs.user, "key", vs.fp, "comment", vs.comment, "addr", vs.addr}
		if err := s.admit(sess, authorized); err != nil {
			s.log.Info("ssh: session refused", append(who, "why", err.Error())...)
			refuse(sess, err.Error())
			return
		}
		vs.ctx, vs.end = context.WithCancelCause(sess.Context())
		defer vs.end(nil)
		vs.lastInput.Store(vs.since.UnixNano())
		if err := s.sessions.join(vs); err != nil {
			s.log.Warn("ssh: session refused", append(who, "why", err.Error())...)
			refuse(sess, strings.Replace(err.Error(), errSessionsFull.Error(), "full", 1))
			return
		}
		role := s.role(vs.key)
		s.log.Info("ssh: login", append(who, "session", vs.id, "role", role, "viewers", s.sessions.count())...)
		idle := s.watchIdle(vs)
		hard := closeAfterEnd(vs.ctx, sess)
		s.bySess.Store(sess, vs)
		next(sess) // the dashboard, until q, the client goes or the server ends it
		s.bySess.Delete(sess)
		idle.stop()
		hard()
		s.sessions.leave(vs)
		s.logout(sess, vs, who, role)
	}
}

// logout logs why a session ended and, when the server ended it, leaves
// it with a line saying why.
func (s *sshServer) logout(sess ssh.Session, vs *viewerSession, who []any, role string) {
	var reason endReason
	ended := errors.As(context.Cause(vs.ctx), &reason)
	why := "quit"
	switch {
	case ended:
		why = reason.text
	case vs.ctx.Err() != nil:
		why = "client gone"
	}
	s.log.Info("ssh: logout", append(who, "session", vs.id, "role", role, "after", time.Since(vs.since).Round(time.Second).String(), "why", why)...)
	if ended {
		// On stdout, after the dashboard's last bytes: ssh writes its
		// stderr to the terminal on its own schedule, and a line that
		// beat the alt screen's exit would be wiped with it.
		_, _ = fmt.Fprintf(sess, "bridgescope: %s\r\n", reason.text)
		_ = sess.Exit(1)
	}
}

// admit says why an authenticated session cannot have a dashboard: its
// key was removed since it logged in, it asked for a command, or it has
// no terminal.
func (s *sshServer) admit(sess ssh.Session, authorized bool) error {
	if !authorized {
		return errors.New("your key is not in the authorized keys")
	}
	if cmd := sess.RawCommand(); cmd != "" || sess.Subsystem() != "" {
		if cmd == "" {
			cmd = sess.Subsystem()
		}
		return fmt.Errorf("this server only shows the dashboard: commands are refused (asked for %q); connect with ssh -t and no command",
			report.Sanitize(cmd, maxShownCommand))
	}
	if _, _, ok := sess.Pty(); !ok {
		return errors.New("the dashboard needs a terminal: connect with ssh -t")
	}
	return nil
}

// refuse leaves a refused session with one line.
func refuse(sess ssh.Session, why string) {
	_, _ = fmt.Fprintf(sess.Stderr(), "bridgescope: %s\n", why)
	_ = sess.Exit(1)
}

func (s *sshServer) role(k gossh.PublicKey) string {
	if s.isOperator(k) {
		return "operator"
	}
	return "viewer"
}

// closeAfterEnd closes the session's channel sessionEndGrace after ctx
// ends, unless the returned stop comes first: a client that stopped
// reading must not hold its dashboard (and its slot) open.
func closeAfterEnd(ctx context.Context, sess ssh.Session) (stop func()) {
	var mu sync.Mutex
	var t *time.Timer
	stopAfter := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		t = time.AfterFunc(sessionEndGrace, func() { _ = sess.Close() })
	})
	return func() {
		stopAfter()
		mu.Lock()
		defer mu.Unlock()
		if t != nil {
			t.Stop()
		}
	}
}

// idleWatch ends a session nobody typed in for the idle timeout.
type idleWatch struct {
	mu      sync.Mutex
	t       *time.Timer
	stopped bool
}

func (s *sshServer) watchIdle(vs *viewerSession) *idleWatch {
	limit := s.cfg.IdleTimeout
	w := &idleWatch{}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t = time.AfterFunc(limit, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.stopped {
			return
		}
		if idle := time.Since(time.Unix(0, vs.lastInput.Load())); idle < limit {
			w.t.Reset(limit - idle)
			return
		}
		vs.end(endReason{fmt.Sprintf("nothing typed for %s (--idle-timeout): this session is closed", fmtDuration(limit))})
	})
	return w
}

func (w *idleWatch) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	w.t.Stop()
}

// fmtDuration is 30m rather than 30m0s, 24h rather than 24h0m0s.
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// inputActivity is the session's input as the dashboard reads it: every
// byte typed keeps the session from idling out; an end of input (the
// channel closed under a connection that stays) ends the session.
type inputActivity struct {
	r  io.Reader
	vs *viewerSession
}

func (a inputActivity) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.vs.lastInput.Store(time.Now().UnixNano())
	}
	if err != nil {
		a.vs.end(nil)
	}
	return n, err
}

// program builds the session's own dashboard over the shared snapshots.
func (s *sshServer) program(sess ssh.Session) *tea.Program {
	v, ok := s.bySess.Load(sess)
	if !ok {
		return nil
	}
	vs := v.(*viewerSession)
	snaps, leave := s.snaps.subscribe()
	context.AfterFunc(vs.ctx, leave) // vs.ctx ends with the session at the latest
	m := tui.New(tui.Config{
		Snapshots: snaps, Control: &sessionControl{obs: s.ctrl, s: s, vs: vs},
		Theme: s.cfg.Theme, Renderer: sessionRenderer(sess), SnapshotDir: s.cfg.SnapshotDir, SnapshotBg: s.cfg.SnapshotBg,
		Context: s.cfg.Context, Production: s.cfg.Production,
		Audience: vs.audience,
	})
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithInput(inputActivity{r: sess, vs: vs}), tea.WithOutput(sess),
		tea.WithoutSignalHandler()) // the server's signals are the server's
	context.AfterFunc(vs.ctx, p.Quit)
	return p
}

// sessionRenderer draws for the client's terminal as its TERM and
// environment say, without asking the terminal anything (an unanswered
// query would eat the first keys typed). The background is taken as dark;
// `t` changes the theme.
func sessionRenderer(sess ssh.Session) *lipgloss.Renderer {
	pty, _, _ := sess.Pty()
	env := sessionEnv(append(sess.Environ(), "TERM="+pty.Term))
	profile := termenv.NewOutput(io.Discard, termenv.WithEnvironment(env), termenv.WithUnsafe()).EnvColorProfile()
	r := lipgloss.NewRenderer(sess, termenv.WithEnvironment(env), termenv.WithProfile(profile))
	r.SetColorProfile(profile)
	r.SetHasDarkBackground(true)
	return r
}

// sessionEnv is a session's environment for termenv.
type sessionEnv []string

func (e sessionEnv) Environ() []string { return e }

func (e sessionEnv) Getenv(k string) string {
	for i := len(e) - 1; i >= 0; i-- { // the last one set wins
		if v, ok := strings.CutPrefix(e[i], k+"="); ok {
			return v
		}
	}
	return ""
}
