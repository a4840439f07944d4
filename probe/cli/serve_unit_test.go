package cli

import (
	"errors"
	"fmt"
	"github.com/spf13/pflag"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/bridgescope/bridgescope/tui"
)

// TestServeFlagDefaults: 16 sessions, 30 minutes idle, loopback; the
// files are required and the bounds hold.
func TestServeFlagDefaults(t *testing.T) {
	parse := func(args ...string) (serveFlags, error) {
		var f serveFlags
		fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
		f.register(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return f, f.check()
	}
	f, err := parse("--host-key", "h", "--authorized-keys", "a")
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.config(nil)
	if cfg.MaxSessions != 16 || DefaultMaxSessions != 16 || cfg.IdleTimeout != 30*time.Minute || cfg.Addr != "127.0.0.1:2222" || cfg.OperatorsFile != "" {
		t.Errorf("defaults: %+v", cfg)
	}
	var zero ServeConfig
	zero.defaults()
	if zero.MaxSessions != 16 || zero.IdleTimeout != 30*time.Minute || zero.Addr != DefaultServeAddr ||
		zero.ConnBurst != 2*16 || zero.ConnEvery != time.Second || zero.LoginGrace != time.Minute {
		t.Errorf("ServeConfig defaults: %+v", zero)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--authorized-keys", "a"}, "--host-key is required"},
		{[]string{"--host-key", "h"}, "--authorized-keys is required"},
		{[]string{"--host-key", "h", "--authorized-keys", "a", "--max-sessions", "0"}, "--max-sessions must be within 1..256"},
		{[]string{"--host-key", "h", "--authorized-keys", "a", "--max-sessions", "257"}, "--max-sessions must be within 1..256"},
		{[]string{"--host-key", "h", "--authorized-keys", "a", "--idle-timeout", "0s"}, "--idle-timeout must be within 1s..24h0m0s"},
		{[]string{"--host-key", "h", "--authorized-keys", "a", "--idle-timeout", "25h"}, "--idle-timeout must be within"},
		{[]string{"--host-key", "h", "--authorized-keys", "a", "--ssh", "nope"}, `--ssh "nope"`},
	} {
		if _, err := parse(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

// TestListenAddr: a port alone is loopback; every other address is taken
// as written.
func TestListenAddr(t *testing.T) {
	for in, want := range map[string]string{
		":2222": "127.0.0.1:2222", "2222": "127.0.0.1:2222", "127.0.0.1:0": "127.0.0.1:0",
		"0.0.0.0:2222": "0.0.0.0:2222", "[::]:2222": "[::]:2222", "10.1.2.3:22": "10.1.2.3:22", "localhost:2": "localhost:2",
	} {
		if got, err := listenAddr(in); err != nil || got != want {
			t.Errorf("listenAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := listenAddr("host"); err == nil {
		t.Error("an address without a port is accepted")
	}
}

// TestSessionTableCap: at the default cap the 17th session is refused with
// the message its client sees; a slot freed is taken again. Operators
// learn who is connected, viewers only how many.
func TestSessionTableCap(t *testing.T) {
	opKey := testPublicKey(t)
	tbl := newSessionTable(DefaultMaxSessions, func(k gossh.PublicKey) bool {
		return k != nil && gossh.FingerprintSHA256(k) == gossh.FingerprintSHA256(opKey)
	})
	var all []*viewerSession
	newVS := func(i int) *viewerSession {
		return &viewerSession{user: fmt.Sprintf("u%d", i), fp: fmt.Sprintf("SHA256:%d", i), since: time.Unix(int64(i), 0), end: func(error) {}}
	}
	for i := range DefaultMaxSessions {
		vs := newVS(i)
		if i == 0 {
			vs.key = opKey
		}
		if err := tbl.join(vs); err != nil {
			t.Fatalf("session %d: %v", i+1, err)
		}
		all = append(all, vs)
	}
	err := tbl.join(newVS(100))
	if !errors.Is(err, errSessionsFull) || !strings.Contains(err.Error(), "sessions full: 16 sessions open (--max-sessions 16); try again later") {
		t.Fatalf("the 17th: %v", err)
	}
	op, viewer := <-all[0].audience, <-all[5].audience
	if op.Viewers != 16 || len(op.Who) != 16 || !op.Who[0].You || !op.Who[0].Operator || op.Who[1].You {
		t.Errorf("the operator's audience: %+v", op)
	}
	if viewer.Viewers != 16 || viewer.Who != nil {
		t.Errorf("a viewer's audience lists who: %+v", viewer)
	}
	tbl.leave(all[3])
	tbl.leave(all[3]) // twice: no double close
	<-all[3].audience // the newest, unread, if any
	if _, ok := <-all[3].audience; ok {
		t.Error("a session that left keeps its audience channel")
	}
	if err := tbl.join(newVS(101)); err != nil {
		t.Errorf("a freed slot: %v", err)
	}
	if a := <-all[5].audience; a.Viewers != 16 {
		t.Errorf("after one left and one came: %d viewers", a.Viewers)
	}
	why := endReason{"bye"}
	tbl.endAll(why)
	if err := tbl.join(newVS(102)); !errors.Is(err, why) {
		t.Errorf("a join after endAll: %v", err)
	}
}

func testPublicKey(t *testing.T) gossh.PublicKey {
	t.Helper()
	s, err := createHostKey(filepath.Join(t.TempDir(), "k"))
	if err != nil {
		t.Fatal(err)
	}
	return s.PublicKey()
}

// TestKeyFile: comments and blank lines are skipped, a bad line is logged
// by number and skipped without costing its neighbours, options other
// than the harmless ones and certificates drop their key; a changed file
// is read again, a vanished one refuses everyone, an oversized one is an
// error.
func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	keys := make([]string, 4)
	pubs := make([]gossh.PublicKey, 4)
	for i := range keys {
		pubs[i] = testPublicKey(t)
		keys[i] = strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pubs[i])))
	}
	path := filepath.Join(dir, "authorized_keys")
	content := strings.Join([]string{
		"# on-call", "", keys[0] + " alice@laptop", "not a key at all",
		"restrict,pty " + keys[1] + " bob", `from="10.0.0.0/8" ` + keys[2] + " carol", "command=\"/bin/sh\" " + keys[3],
	}, "\n")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	var log logBuffer
	k, err := loadKeyFile(path, "authorized keys", slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := k.lookup(pubs[0]); !ok || e.comment != "alice@laptop" || e.fp != gossh.FingerprintSHA256(pubs[0]) {
		t.Errorf("alice: %+v %v", e, ok)
	}
	if _, ok := k.lookup(pubs[1]); !ok {
		t.Error("restrict,pty dropped a key")
	}
	for _, i := range []int{2, 3} {
		if _, ok := k.lookup(pubs[i]); ok {
			t.Errorf("key %d with an unsupported option is authorized", i)
		}
	}
	if len(log.lines("line ignored", "line=4", "not a public key")) != 1 || len(log.lines("line=6", `option \"from\" is not supported`)) != 1 {
		t.Errorf("the skipped lines are not logged by number:\n%s", strings.Join(log.lines(), "\n"))
	}
	if k.refresh() {
		t.Error("an unchanged file is read again")
	}

	// An edit (and a later mtime, however coarse the file system's clock).
	if err := os.WriteFile(path, []byte(keys[2]+" carol\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	_ = os.Chtimes(path, later, later)
	if !k.refresh() {
		t.Fatal("a changed file is not read again")
	}
	if _, ok := k.lookup(pubs[0]); ok {
		t.Error("a removed key stays authorized")
	}
	if _, ok := k.lookup(pubs[2]); !ok {
		t.Error("an added key is not authorized")
	}

	_ = os.Remove(path)
	if !k.refresh() || k.count() != 0 {
		t.Errorf("a vanished file keeps %d keys", k.count())
	}
	k.refresh()
	if n := len(log.lines("keys file unreadable")); n != 1 {
		t.Errorf("a vanished file is logged %d times, want once", n)
	}

	loose := filepath.Join(dir, "loose")
	if err := os.WriteFile(loose, []byte(keys[0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(loose, 0o664)
	if _, err := loadKeyFile(loose, "operators", slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "mode 0664 lets others write it") {
		t.Errorf("a group-writable keys file: %v", err)
	}

	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, maxKeyFileBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadKeyFile(big, "operators", slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "larger than 1024 KiB") {
		t.Errorf("an oversized file: %v", err)
	}
	if _, err := loadKeyFile(filepath.Join(dir, "missing"), "operators", slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a missing file at start is no error")
	}
}

// TestHostKey: a missing key is generated with mode 0600 and read back the
// same; a key others may read and a file that is no key are refused.
func TestHostKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "host_ed25519")
	s1, created, err := loadOrCreateHostKey(path)
	if err != nil || !created {
		t.Fatalf("generate: %v %v", created, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600", st.Mode().Perm())
	}
	s2, created, err := loadOrCreateHostKey(path)
	if err != nil || created || gossh.FingerprintSHA256(s1.PublicKey()) != gossh.FingerprintSHA256(s2.PublicKey()) {
		t.Errorf("read back: created %v, %v, same key %v", created, err, err == nil && gossh.FingerprintSHA256(s1.PublicKey()) == gossh.FingerprintSHA256(s2.PublicKey()))
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadOrCreateHostKey(path); err == nil || !strings.Contains(err.Error(), "mode 0644 lets others read it") {
		t.Errorf("a readable host key: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk")
	if err := os.WriteFile(junk, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadOrCreateHostKey(junk); err == nil {
		t.Error("a file that is no key is accepted")
	}
}

// TestAddrLimiter: a burst per address, then one per interval; other
// addresses are not affected, and the table stays capped.
func TestAddrLimiter(t *testing.T) {
	l := newAddrLimiter(3, time.Second)
	now := time.Unix(1000, 0)
	for i := range 3 {
		if !l.allow("10.0.0.1", now) {
			t.Fatalf("connection %d of the burst refused", i+1)
		}
	}
	if l.allow("10.0.0.1", now) {
		t.Error("the burst is not capped")
	}
	if !l.allow("10.0.0.2", now) {
		t.Error("another address is refused")
	}
	if !l.allow("10.0.0.1", now.Add(time.Second)) || l.allow("10.0.0.1", now.Add(time.Second)) {
		t.Error("not one more per interval")
	}
	for i := range maxTrackedAddrs + 10 {
		l.allow(fmt.Sprintf("192.0.2.%d:%d", i%256, i), now)
	}
	if n := len(l.buckets); n > maxTrackedAddrs {
		t.Errorf("%d addresses tracked, the cap is %d", n, maxTrackedAddrs)
	}
	if got := remoteHost(&net.TCPAddr{IP: net.ParseIP("::1"), Port: 22}); got != "::1" {
		t.Errorf("remoteHost: %q", got)
	}
}

// TestStartupsCap: at most maxStartups connections before a session.
func TestStartupsCap(t *testing.T) {
	var s startups
	for i := range maxStartups {
		if !s.acquire() {
			t.Fatalf("startup %d refused", i+1)
		}
	}
	if s.acquire() {
		t.Error("past maxStartups")
	}
	s.release()
	if !s.acquire() {
		t.Error("a released slot is not free")
	}
}

// TestSessionControl: a viewer's controller refuses every action, even
// one that skips Refuse, and never reaches the observer; an operator's
// reaches it; both are logged with the key.
func TestSessionControl(t *testing.T) {
	dir := t.TempDir()
	opKey, viewerKey := testPublicKey(t), testPublicKey(t)
	write := func(name string, ks ...gossh.PublicKey) string {
		var b strings.Builder
		for _, k := range ks {
			b.Write(gossh.MarshalAuthorizedKey(k))
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var log logBuffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	auth, _ := loadKeyFile(write("auth", opKey, viewerKey), "authorized keys", logger)
	ops, _ := loadKeyFile(write("ops", opKey), "operators", logger)
	s := &sshServer{auth: auth, ops: ops, log: logger}
	obs := &fakeObserver{rate: 10}
	viewer := &sessionControl{obs: obs, s: s, vs: &viewerSession{id: 1, user: "alice", key: viewerKey, fp: "SHA256:viewer"}}
	op := &sessionControl{obs: obs, s: s, vs: &viewerSession{id: 2, user: "bob", key: opKey, fp: "SHA256:op"}}

	for _, a := range []tui.Action{tui.ActionPause, tui.ActionRate, tui.ActionReset, tui.ActionForget, tui.ActionSnapshot} {
		if err := viewer.Refuse(a); err == nil || !strings.Contains(err.Error(), "read-only session: "+string(a)+" needs a key in the operators file") {
			t.Errorf("viewer %s: %v", a, err)
		}
		if err := op.Refuse(a); err != nil {
			t.Errorf("operator %s: %v", a, err)
		}
	}
	viewer.SetPaused(true)
	viewer.StepProbeRate(1)
	viewer.ResetProbeRate()
	viewer.SetProbeRate(99)
	viewer.ResetWindows()
	viewer.Forget("bot-1")
	if calls := obs.Calls(); len(calls) != 0 || obs.Paused() {
		t.Errorf("a viewer reached the observer: %v", calls)
	}
	op.SetPaused(true)
	op.ResetWindows()
	if calls := obs.Calls(); strings.Join(calls, " ") != "SetPaused ResetWindows" || !obs.Paused() {
		t.Errorf("the operator's calls: %v", calls)
	}
	if n := len(log.lines("control refused: not an operator", "key=SHA256:viewer")); n != 11 {
		t.Errorf("%d refusals logged, want 11 (5 asked, 6 direct):\n%s", n, strings.Join(log.lines(), "\n"))
	}
	if len(log.lines("ssh: control", "action=pause", "paused=true", "key=SHA256:op")) != 1 || len(log.lines("ssh: control", "action=reset", "key=SHA256:op")) != 1 {
		t.Errorf("the operator's actions are not logged:\n%s", strings.Join(log.lines(), "\n"))
	}

	// The operators file is asked at every action: an operator removed is
	// refused at once.
	write("ops")
	later := time.Now().Add(time.Minute)
	_ = os.Chtimes(filepath.Join(dir, "ops"), later, later)
	ops.refresh()
	if err := op.Refuse(tui.ActionPause); err == nil {
		t.Error("a removed operator may still pause")
	}
}

// TestAuthLog: refused password and keyboard-interactive attempts (which
// no standard client sends to a server that offers neither) are logged;
// "none" and public keys are logged elsewhere or not at all.
func TestAuthLog(t *testing.T) {
	var log logBuffer
	s := &sshServer{log: slog.New(slog.NewTextHandler(&log, nil))}
	md := fakeConnMeta{user: "eve\x1b[2J"}
	s.authLog(md, "none", errors.New("x"))
	s.authLog(md, "publickey", errors.New("x"))
	s.authLog(md, "password", nil)
	s.authLog(md, "password", errors.New("ssh: password auth not configured"))
	if got := log.lines("msg="); len(got) != 1 || !hasAll(got[0], "authentication refused: public keys only", "method=password", "addr=192.0.2.1:4242") || strings.Contains(got[0], "\x1b") {
		t.Errorf("logged:\n%s", strings.Join(got, "\n"))
	}
}

type fakeConnMeta struct{ user string }

func (m fakeConnMeta) User() string          { return m.user }
func (m fakeConnMeta) SessionID() []byte     { return nil }
func (m fakeConnMeta) ClientVersion() []byte { return nil }
func (m fakeConnMeta) ServerVersion() []byte { return nil }
func (m fakeConnMeta) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 4242}
}
func (m fakeConnMeta) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 2222}
}

func TestFmtDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{30 * time.Minute: "30m", 2 * time.Second: "2s", 90 * time.Second: "1m30s", 24 * time.Hour: "24h", 1500 * time.Millisecond: "1.5s"} {
		if got := fmtDuration(d); got != want {
			t.Errorf("fmtDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
