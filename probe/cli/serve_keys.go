package cli

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// maxKeyFileBytes caps what is read of an authorized keys or operators
// file: thousands of keys fit in it, and a wrong path (a log, /dev/zero)
// must not be read into memory whole.
const maxKeyFileBytes = 1 << 20

// harmlessKeyOptions are the authorized_keys options serve honours by
// what it is: it never forwards, runs no command, reads no rc file and
// always draws on a terminal. A key with any other option (from=,
// command=, expiry-time=, no-pty…) is ignored rather than half-honoured.
var harmlessKeyOptions = map[string]bool{
	"restrict": true, "no-port-forwarding": true, "no-agent-forwarding": true,
	"no-x11-forwarding": true, "no-user-rc": true, "pty": true,
}

// keyEntry is what a keys file says about one key.
type keyEntry struct {
	fp      string // SHA256:…, as ssh-keygen -l prints it
	comment string
}

// keyFile is an authorized_keys-format file, read again when it changes
// (its size or modification time). When it cannot be read it holds no
// keys: a broken file refuses everyone rather than keeping keys that may
// have been removed.
type keyFile struct {
	path, what string // what: "authorized keys", "operators"
	log        *slog.Logger

	mu    sync.Mutex
	stamp fileStamp
	keys  map[string]keyEntry // by the key's wire form
}

// fileStamp tells a changed file: its size and time, or why Stat failed
// (so a missing file is logged once, not at every poll).
type fileStamp struct {
	size  int64
	mtime time.Time
	err   string
}

// loadKeyFile reads path; unlike later reloads, a file that cannot be
// read at start is an error.
func loadKeyFile(path, what string, log *slog.Logger) (*keyFile, error) {
	k := &keyFile{path: path, what: what, log: log}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s file: %w", what, err)
	}
	keys, err := k.read()
	if err != nil {
		return nil, err
	}
	k.keys, k.stamp = keys, fileStamp{size: st.Size(), mtime: st.ModTime()}
	return k, nil
}

// refresh reads the file again if it changed and reports whether its keys
// may have changed.
func (k *keyFile) refresh() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	st, err := os.Stat(k.path)
	var stamp fileStamp
	if err == nil {
		stamp = fileStamp{size: st.Size(), mtime: st.ModTime()}
	} else {
		stamp = fileStamp{err: err.Error()}
	}
	if stamp == k.stamp {
		return false
	}
	k.stamp = stamp
	keys, err := func() (map[string]keyEntry, error) {
		if err != nil {
			return nil, fmt.Errorf("%s file: %w", k.what, err)
		}
		return k.read()
	}()
	if err != nil {
		k.log.Error("ssh: keys file unreadable: every key in it is refused until it is fixed", "file", k.what, "path", k.path, "err", err)
		k.keys = nil
		return true
	}
	k.log.Info("ssh: keys file reloaded", "file", k.what, "path", k.path, "keys", len(keys))
	k.keys = keys
	return true
}

// lookup reports whether pub is listed.
func (k *keyFile) lookup(pub gossh.PublicKey) (keyEntry, bool) {
	if k == nil || pub == nil {
		return keyEntry{}, false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.keys[string(pub.Marshal())]
	return e, ok
}

func (k *keyFile) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.keys)
}

// read parses the file. Lines that are not a usable key are logged with
// their number and skipped, as sshd does, so a typo never keeps a removed
// key alive and never locks out the keys around it.
func (k *keyFile) read() (map[string]keyEntry, error) {
	f, err := os.Open(k.path)
	if err != nil {
		return nil, fmt.Errorf("%s file: %w", k.what, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("%s file %s: %w", k.what, k.path, err)
	} else if perm := st.Mode().Perm(); perm&0o022 != 0 {
		// As sshd's StrictModes: whoever may write the file may let anyone in.
		return nil, fmt.Errorf("%s file %s: mode %04o lets others write it: chmod go-w %s", k.what, k.path, perm, k.path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s file %s: %w", k.what, k.path, err)
	}
	if len(data) > maxKeyFileBytes {
		return nil, fmt.Errorf("%s file %s: larger than %d KiB: not a keys file?", k.what, k.path, maxKeyFileBytes>>10)
	}
	keys := map[string]keyEntry{}
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		pub, comment, err := parseKeyLine(line)
		if err != nil {
			k.log.Warn("ssh: keys file: line ignored", "file", k.what, "path", k.path, "line", i+1, "err", err)
			continue
		}
		keys[string(pub.Marshal())] = keyEntry{fp: gossh.FingerprintSHA256(pub), comment: comment}
	}
	return keys, nil
}

func parseKeyLine(line []byte) (gossh.PublicKey, string, error) {
	pub, comment, options, _, err := gossh.ParseAuthorizedKey(line)
	if err != nil {
		return nil, "", errors.New("not a public key")
	}
	if _, ok := pub.(*gossh.Certificate); ok {
		return nil, "", errors.New("certificates are not supported: list the key itself")
	}
	for _, o := range options {
		name, _, _ := strings.Cut(o, "=")
		if !harmlessKeyOptions[strings.ToLower(name)] {
			return nil, "", fmt.Errorf("option %q is not supported: the key is ignored", name)
		}
	}
	return pub, comment, nil
}

// hostKeyComment names a generated host key in its file.
const hostKeyComment = "bridgescope serve host key"

// loadOrCreateHostKey reads the host key at path, or, when there is no
// file, generates an Ed25519 key and writes it with mode 0600 (never over
// an existing file). A key readable by group or others is refused, as
// sshd refuses one: it is the server's identity.
func loadOrCreateHostKey(path string) (signer gossh.Signer, created bool, err error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		s, err := createHostKey(path)
		return s, err == nil, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, false, fmt.Errorf("host key %s: mode %04o lets others read it: chmod 600 %s", path, perm, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	s, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, false, fmt.Errorf("host key %s: %w", path, err)
	}
	return s, false, nil
}

func createHostKey(path string) (gossh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("host key: generate: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, hostKeyComment)
	if err != nil {
		return nil, fmt.Errorf("host key: encode: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	if _, err := f.Write(pem.EncodeToMemory(block)); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return gossh.NewSignerFromKey(priv)
}
