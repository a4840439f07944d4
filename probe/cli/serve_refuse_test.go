package cli

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// TestServeRefuses: an unknown key, a password, a command, no terminal,
// a subsystem, forwarding of ports, the agent and X11 are all refused, and
// the refusals logged; a viewer who offers an operator's public key first
// is still a viewer.
func TestServeRefuses(t *testing.T) {
	o := newFakeObserver(t)
	r := newSSHRig(t, o.snaps, o, nil)

	code, out := r.run(r.stranger, "eve", nil)
	if code != 255 || !strings.Contains(out, "Permission denied (publickey)") {
		t.Errorf("unknown key: exit %d, %q", code, out)
	}
	if len(r.log.lines("key refused: not in the authorized keys", "user=eve", r.stranger.fp)) == 0 {
		t.Errorf("the unknown key's refusal is not logged:\n%s", strings.Join(r.log.lines(), "\n"))
	}

	// A password attempt, from ssh in a terminal where it would prompt:
	// the server offers public keys only, so there is nothing to type.
	r.open("pw", r.stranger, "eve", 80, 24, "-o", "PubkeyAuthentication=no",
		"-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "NumberOfPasswordPrompts=1")
	r.waitLine("pw", "Permission denied (publickey)")
	if s := r.scrollback("pw"); strings.Contains(strings.ToLower(s), "password:") {
		t.Errorf("ssh was asked for a password:\n%s", s)
	}
	// Go's client has a password and answers for keyboard-interactive:
	// there is no method to use them on.
	for _, auth := range []gossh.AuthMethod{gossh.Password("hunter2"),
		gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return []string{"hunter2"}, nil })} {
		c, err := gossh.Dial("tcp", r.srv.Addr(), &gossh.ClientConfig{User: "eve", Auth: []gossh.AuthMethod{auth},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
		if err == nil {
			_ = c.Close()
			t.Errorf("%T: logged in", auth)
		} else if !strings.Contains(err.Error(), "no supported methods remain") {
			t.Errorf("%T: %v", auth, err)
		}
	}

	code, out = r.run(r.viewer, "alice", nil, "some-command", "--with", "args")
	if code != 1 || !strings.Contains(out, `bridgescope: this server only shows the dashboard: commands are refused (asked for "some-command --with args")`) {
		t.Errorf("ssh host some-command: exit %d, %q", code, out)
	}
	code, out = r.run(r.viewer, "alice", []string{"-T"})
	if code != 1 || !strings.Contains(out, "bridgescope: the dashboard needs a terminal: connect with ssh -t") {
		t.Errorf("ssh -T: exit %d, %q", code, out)
	}
	if code, out = r.run(r.viewer, "alice", []string{"-s"}, "sftp"); code == 0 {
		t.Errorf("the sftp subsystem: exit %d, %q", code, out)
	}

	// A viewer offering an operator's public key before its own (the
	// server accepts the offer; the viewer cannot sign for it) logs in as
	// the viewer it is.
	pubOnly := filepath.Join(r.dir, "op-public-only")
	if err := os.WriteFile(pubOnly, []byte(r.op.line), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out = r.run(sshKey{path: pubOnly}, "mallory", []string{"-i", r.viewer.path, "-tt"}); code == 255 {
		t.Fatalf("the viewer's login failed: %q", out)
	}
	if len(r.log.lines("ssh: login", "user=mallory", "role=viewer", r.viewer.fp)) != 1 || len(r.log.lines("user=mallory", r.op.fp)) != 0 {
		t.Errorf("offering the operator's key first made mallory someone else:\n%s", strings.Join(r.log.lines("mallory"), "\n"))
	}

	refuseForwarding(t, r)
}

// refuseForwarding logs in with Go's client to ask what ssh's flags would:
// port forwarding both ways, the agent, X11, and more sessions on one
// connection than the cap.
func refuseForwarding(t *testing.T, r *sshRig) {
	t.Helper()
	data, err := os.ReadFile(r.viewer.path)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	c, err := gossh.Dial("tcp", r.srv.Addr(), &gossh.ClientConfig{User: "alice", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if conn, err := c.Dial("tcp", "127.0.0.1:1"); err == nil {
		_ = conn.Close()
		t.Error("a direct-tcpip channel (ssh -L) was opened")
	}
	if ln, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		_ = ln.Close()
		t.Error("tcpip-forward (ssh -R) was accepted")
	}
	var sessions []*gossh.Session
	defer func() {
		for _, s := range sessions {
			_ = s.Close()
		}
	}()
	for i := range maxChannelsPerConn {
		s, err := c.NewSession()
		if err != nil {
			t.Fatalf("session %d of %d: %v", i+1, maxChannelsPerConn, err)
		}
		sessions = append(sessions, s)
	}
	for _, req := range []string{"auth-agent-req@openssh.com", "x11-req"} {
		if ok, err := sessions[0].SendRequest(req, true, nil); ok || err != nil {
			t.Errorf("%s: accepted %v (%v)", req, ok, err)
		}
	}
	for i := range maxEnvRequests {
		if err := sessions[1].Setenv(fmt.Sprintf("V%d", i), "x"); err != nil {
			t.Fatalf("env %d of %d: %v", i+1, maxEnvRequests, err)
		}
	}
	if err := sessions[1].Setenv("ONE_TOO_MANY", "x"); err == nil {
		t.Errorf("env request %d accepted; the cap is %d", maxEnvRequests+1, maxEnvRequests)
	}
	if len(r.log.lines("request refused", "auth-agent-req@openssh.com", "user=alice")) == 0 {
		t.Errorf("the agent request's refusal is not logged")
	}
	if s, err := c.NewSession(); err == nil {
		_ = s.Close()
		t.Errorf("session %d on one connection was opened; the cap is %d", maxChannelsPerConn+1, maxChannelsPerConn)
	}
}

// TestServeMaxSessions: past --max-sessions the next session is refused
// with a message; a slot freed is taken again.
func TestServeMaxSessions(t *testing.T) {
	o := newFakeObserver(t)
	r := newSSHRig(t, o.snaps, o, func(c *ServeConfig) { c.MaxSessions = 2 })
	r.open("one", r.viewer, "alice", 80, 24)
	r.open("two", r.op, "bob", 80, 24)
	r.waitScreen("one", "serve · 2 viewers")
	r.open("three", r.viewer, "carol", 80, 24)
	r.waitLine("three", "bridgescope: full: 2 sessions open (--max-sessions 2); try again later")
	if len(r.log.lines("session refused", "user=carol", "--max-sessions 2")) != 1 {
		t.Errorf("the refusal is not logged:\n%s", strings.Join(r.log.lines(), "\n"))
	}
	r.keys("two", "q")
	r.waitScreen("one", "serve · 1 viewer ")
	r.open("four", r.viewer, "carol", 80, 24)
	r.waitScreen("four", "serve · 2 viewers", "bot-1")
}

// TestServeIdleAndRevoked: a session nobody types in is closed after the
// idle timeout with a line saying so, while one in use stays; a key
// removed from the authorized keys ends its sessions and logs in no more,
// and a key added logs in at once.
func TestServeIdleAndRevoked(t *testing.T) {
	o := newFakeObserver(t)
	r := newSSHRig(t, o.snaps, o, func(c *ServeConfig) {
		c.IdleTimeout = 2 * time.Second
		c.KeysPoll = 100 * time.Millisecond
	})
	r.open("idle", r.viewer, "alice", 80, 24)
	r.open("busy", r.op, "bob", 80, 24)
	r.waitScreen("busy", "serve · 2 viewers")
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(400 * time.Millisecond) {
		r.keys("busy", "j")
	}
	r.waitLine("idle", "bridgescope: nothing typed for 2s (--idle-timeout): this session is closed")
	r.waitScreen("busy", "serve · 1 viewer ")

	r.open("victim", r.viewer, "alice", 80, 24)
	r.waitScreen("victim", "serve · 2 viewers")
	r.write("authorized_keys", r.op.line+r.stranger.line) // the viewer's key goes, a stranger's comes
	r.waitLine("victim", "bridgescope: your key is no longer authorized: this session is closed")
	if code, out := r.run(r.viewer, "alice", nil); code != 255 || !strings.Contains(out, "Permission denied") {
		t.Errorf("a removed key logs in: exit %d, %q", code, out)
	}
	r.open("newcomer", r.stranger, "eve", 80, 24)
	r.waitScreen("newcomer", "serve · 2 viewers")
}

// TestServeConnectionLimits: one address gets ConnBurst connections at
// once, then none until its allowance refills, refused before any
// handshake; a connection that starts no session is closed after the
// login grace.
func TestServeConnectionLimits(t *testing.T) {
	o := newFakeObserver(t)
	r := newSSHRig(t, o.snaps, o, func(c *ServeConfig) {
		c.ConnBurst, c.ConnEvery, c.LoginGrace = 4, time.Hour, 300*time.Millisecond
	})
	idle, err := net.DialTimeout("tcp", r.srv.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	_ = idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(idle); err != nil { // banner, then EOF when the grace ends
		t.Errorf("a connection that never logs in: %v, want it closed after the login grace", err)
	}
	if len(r.log.lines("no session within the login grace")) != 1 {
		t.Errorf("the grace's end is not logged:\n%s", strings.Join(r.log.lines(), "\n"))
	}
	banner := func() string {
		c, err := net.DialTimeout("tcp", r.srv.Addr(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 64)
		n, _ := c.Read(buf)
		return string(buf[:n])
	}
	for i := range 3 {
		if b := banner(); !strings.HasPrefix(b, "SSH-2.0-bridgescope") {
			t.Fatalf("connection %d: %q, want the server's banner", i+1, b)
		}
	}
	if b := banner(); b != "" {
		t.Errorf("connection 4 of a burst of 3: %q, want it closed at once", b)
	}
	if len(r.log.lines("connection refused: too many from this address", "addr=127.0.0.1")) != 1 {
		t.Errorf("the refusal is not logged:\n%s", strings.Join(r.log.lines(), "\n"))
	}
}
