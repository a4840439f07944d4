package cli

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	gossh "golang.org/x/crypto/ssh"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/tui"
)

// requireSSHTools skips without ssh, ssh-keygen and tmux, or fails in CI
// (.ci/run installs openssh-client and tmux).
func requireSSHTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ssh", "ssh-keygen", "tmux"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("BRIDGESCOPE_REQUIRE_REDIS") == "1" {
				t.Fatalf("%s is not installed (CI installs openssh-client and tmux)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

// sshKey is a key pair ssh-keygen made for a test.
type sshKey struct {
	path, fp, line string // private key file, SHA256 fingerprint, authorized_keys line
}

func genKey(t *testing.T, dir, name string) sshKey {
	t.Helper()
	path := filepath.Join(dir, name)
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name+"@test", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	line, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	pub, _, _, _, err := gossh.ParseAuthorizedKey(line)
	if err != nil {
		t.Fatal(err)
	}
	return sshKey{path: path, fp: gossh.FingerprintSHA256(pub), line: string(line)}
}

// sshRig is a serve SSH server in this process (so goleak sees its side)
// with generated keys, and real ssh clients in a private tmux server.
type sshRig struct {
	t                    *testing.T
	dir, known, port     string
	tmuxConf, tmuxSock   string
	srv                  *sshServer
	log                  *logBuffer
	op, viewer, stranger sshKey
	cfg                  ServeConfig
}

// newSSHClients makes the keys (the operator's and the viewer's are
// authorized, the operator's is in the operators file), the keys files and
// a private tmux server for ssh clients; cfg is a server's configuration
// over those files.
func newSSHClients(t *testing.T) *sshRig {
	t.Helper()
	requireSSHTools(t)
	dir := t.TempDir()
	r := &sshRig{t: t, dir: dir, known: filepath.Join(dir, "known_hosts"), log: &logBuffer{},
		tmuxConf: filepath.Join(dir, "tmux.conf"), tmuxSock: filepath.Join(dir, "tmux.sock")}
	r.op, r.viewer, r.stranger = genKey(t, dir, "op"), genKey(t, dir, "viewer"), genKey(t, dir, "stranger")
	// The panes stay after ssh exits, so its last lines can be read.
	r.write("tmux.conf", "set -g remain-on-exit on\nset -g status off\n")
	r.cfg = ServeConfig{
		Addr: "127.0.0.1:0", HostKeyFile: filepath.Join(dir, "host_ed25519"),
		AuthorizedKeysFile: r.write("authorized_keys", "# the rotation\n"+r.op.line+r.viewer.line),
		OperatorsFile:      r.write("operators", r.op.line),
		Theme:              "auto", SnapshotDir: filepath.Join(dir, "snaps"),
		Log: slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", r.tmuxSock, "kill-server").Run() })
	return r
}

// write writes a file in the rig's directory and returns its path.
func (r *sshRig) write(name, content string) string {
	r.t.Helper()
	p := filepath.Join(r.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		r.t.Fatal(err)
	}
	return p
}

// newSSHRig starts a server over snaps and ctrl in this process, with
// tweak's changes to the rig's configuration.
func newSSHRig(t *testing.T, snaps <-chan metrics.Snapshot, ctrl tui.Controller, tweak func(*ServeConfig)) *sshRig {
	t.Helper()
	r := newSSHClients(t)
	if tweak != nil {
		tweak(&r.cfg)
	}
	t.Cleanup(func() { waitSessionGoroutines(t) }) // runs after the shutdown
	srv, err := startSSH(r.cfg, snaps, ctrl)
	if err != nil {
		t.Fatal(err)
	}
	r.srv = srv
	_, r.port, _ = strings.Cut(srv.Addr(), ":")
	t.Cleanup(func() { srv.shutdown(endReason{"the test is over"}) })
	return r
}

// sshArgs are ssh's arguments for user with key k: this server's port, a
// private known_hosts, no agent, no ~/.ssh.
func (r *sshRig) sshArgs(k sshKey, user string, extra ...string) []string {
	args := []string{"-F", "/dev/null", "-o", "StrictHostKeyChecking=accept-new", "-o", "UserKnownHostsFile=" + r.known,
		"-o", "GlobalKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
		"-o", "ConnectTimeout=10", "-i", k.path, "-p", r.port}
	return append(append(args, extra...), user+"@127.0.0.1")
}

// run runs ssh without a terminal and returns its exit code and output.
func (r *sshRig) run(k sshKey, user string, extra []string, command ...string) (int, string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ssh", append(r.sshArgs(k, user, append([]string{"-o", "BatchMode=yes"}, extra...)...), command...)...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatalf("ssh: %v", err)
	}
	return code, string(out)
}

func (r *sshRig) tmux(args ...string) string {
	r.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-f", r.tmuxConf, "-S", r.tmuxSock}, args...)...).CombinedOutput()
	if err != nil {
		r.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// open starts an ssh client in a tmux session of w×h named name.
func (r *sshRig) open(name string, k sshKey, user string, w, h int, extra ...string) {
	r.t.Helper()
	r.tmux("new-session", "-d", "-s", name, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h),
		"exec "+shellJoin(append([]string{"ssh"}, r.sshArgs(k, user, extra...)...)))
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// target is name as a tmux target: exactly that session ("b" alone is
// tmux's bottom pane).
func target(name string) string { return "=" + name + ":" }

func (r *sshRig) screen(name string) string { return r.tmux("capture-pane", "-p", "-t", target(name)) }

// scrollback is the screen and what scrolled off it: after ssh exits,
// its last lines may have scrolled off the top of the pane.
func (r *sshRig) scrollback(name string) string {
	return r.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", target(name)) // -J: wrapped lines joined
}

// waitLine waits until sub shows in name's pane or its scrollback.
func (r *sshRig) waitLine(name, sub string) {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(r.scrollback(name), sub) {
		if time.Now().After(deadline) {
			r.t.Fatalf("%s never showed %q:\n%s\n--- server log:\n%s", name, sub, r.scrollback(name), strings.Join(r.log.lines(), "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *sshRig) keys(name string, keys ...string) {
	r.t.Helper()
	r.tmux(append([]string{"send-keys", "-t", target(name)}, keys...)...)
}

// waitScreen waits until name's screen has every one of subs and returns it.
func (r *sshRig) waitScreen(name string, subs ...string) string {
	r.t.Helper()
	return r.waitScreenFunc(name, strings.Join(subs, ", "), func(s string) bool { return hasAll(s, subs...) })
}

func (r *sshRig) waitScreenFunc(name, what string, ok func(string) bool) string {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := r.screen(name)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s's screen never showed %s:\n%s\n--- server log:\n%s", name, what, s, strings.Join(r.log.lines(), "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// killClient kills name's ssh client, as a dropped laptop lid would.
func (r *sshRig) killClient(name string) {
	r.t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(r.tmux("display-message", "-p", "-t", target(name), "#{pane_pid}")))
	if err != nil {
		r.t.Fatal(err)
	}
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}

// waitFor polls cond for up to 15 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkFrame checks a captured screen is the dashboard drawn at w×h: h
// lines, none wider than w, the header on top and the key help at the
// bottom.
func checkFrame(t *testing.T, name, s string, w, h int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) != h {
		t.Errorf("%s: %d lines, want %d", name, len(lines), h)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("%s: line %d is %d wide, want at most %d: %q", name, i, lw, w, l)
		}
	}
	if !strings.HasPrefix(lines[0], " bridgescope  serve · ") || !strings.Contains(lines[len(lines)-1], "q quit") {
		t.Errorf("%s: not the dashboard's header and footer:\n%s", name, s)
	}
}

var sigterm = syscall.SIGTERM

// canceledBy is a context canceled with cause, as main cancels the run's.
func canceledBy(cause error) context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	return ctx
}

// waitSessionGoroutines waits for the dashboards' last goroutines: a
// program that quit leaves its pending ticks (at most its one-second
// heartbeat) to run out. Anything left after that is a leak.
func waitSessionGoroutines(t *testing.T) {
	t.Helper()
	const mark = "github.com/charmbracelet/"
	deadline := time.Now().Add(3 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, mark) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("goroutines of the SSH sessions outlive the server:\n%s", stacks)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
