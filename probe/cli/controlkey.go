package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
)

// The bounds of a control key file.
const (
	// minControlKeyLen: HMAC-SHA256 is at full strength with a 32-byte key; 16
	// random bytes are still 128 bits. Shorter is refused, so that a key like
	// "test" is never mistaken for protection. `openssl rand -hex 32` writes 64.
	minControlKeyLen = 16
	// maxControlKeyLen: a key is tens of bytes; a file past 4 KiB is the wrong
	// file (a certificate, a binary), and is refused before it is read whole.
	maxControlKeyLen = 4 << 10
)

// controlKeyFlag is --control-key-file, shared by watch, demo, agent and
// validate: the key every observer and agent signs and checks control
// messages with (bridge.Config.ControlKey).
type controlKeyFlag struct{ path string }

func (f *controlKeyFlag) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.path, "control-key-file", "", "sign control messages (probes, acks, stats) with the shared key in `file`, and refuse\n"+
		"unsigned or forged ones (counted, never shown); the same file on every observer and agent")
}

// load reads the key, and registers it as a secret before anything can print
// it. It returns nil without the flag. The file's content is the key, less
// one line ending; an error never quotes it.
func (f *controlKeyFlag) load(env *Env) ([]byte, error) {
	if f.path == "" {
		return nil, nil
	}
	file, err := os.Open(f.path)
	if err != nil {
		return nil, fmt.Errorf("--control-key-file: %w", err)
	}
	defer file.Close()
	key, err := io.ReadAll(io.LimitReader(file, maxControlKeyLen+3)) // room for a line ending
	if err != nil {
		return nil, fmt.Errorf("--control-key-file %s: %w", f.path, err)
	}
	key = bytes.TrimSuffix(bytes.TrimSuffix(key, []byte("\n")), []byte("\r"))
	env.Secret(string(key))
	switch {
	case len(key) > maxControlKeyLen:
		return nil, fmt.Errorf("--control-key-file %s: longer than %d bytes: is it the key?", f.path, maxControlKeyLen)
	case len(key) < minControlKeyLen:
		return nil, fmt.Errorf("--control-key-file %s: %d bytes, want at least %d (try: openssl rand -hex 32 > %s)",
			f.path, len(key), minControlKeyLen, f.path)
	}
	return key, nil
}
