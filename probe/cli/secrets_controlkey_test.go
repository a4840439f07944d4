package cli

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// The control keys no output may hold (leakNeedles searches for them too).
const (
	controlKey = "Ctl-K3y-7c1e-watch-agent-shared-0451"
	shortKey   = "sh0rt-key" // refused: below minControlKeyLen
)

// TestControlKeyNeverShows runs watch, agent, validate and demo as their own
// processes with --control-key-file, on success and on every way the file can
// be wrong, and searches all they write for the key: it never shows, while
// the output says the control messages are signed.
func TestControlKeyNeverShows(t *testing.T) {
	t.Parallel()
	srv := bridgetest.Start(t)
	keys := t.TempDir() // never searched
	good, short := filepath.Join(keys, "control.key"), filepath.Join(keys, "short.key")
	big := filepath.Join(keys, "big.key")
	for path, content := range map[string]string{good: controlKey + "\n", short: shortKey + "\n", big: string(make([]byte, maxControlKeyLen+10))} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	conn := []string{"--redis", srv.URL()}
	verdict := []int{ExitOK, ExitFail}
	ch := "bridge:controlkey:"
	runs := []secretRun{
		{name: "watch --json", args: append([]string{"watch", "--headless", "--duration", "3s", "--json", "--channels", ch + "w",
			"--log", "watch.log", "--control-key-file", good}, conn...), codes: verdict, want: []string{`"control": "signed"`}},
		{name: "agent", args: append([]string{"agent", "--channels", ch + "w", "--publish-rate", "20", "--log", "agent.log",
			"--metrics-addr", "127.0.0.1:0", "--control-key-file", good}, conn...), codes: []int{ExitOK},
			want: []string{"control messages signed"}, during: scrapeAt(time.Second, true)},
		{name: "validate --json", args: append([]string{"validate", "--duration", "1s", "--drain", "300ms", "--json", "--channel", ch + "v",
			"--control-key-file", good}, conn...), codes: verdict, want: []string{`"status"`}},
		{name: "demo --json", args: []string{"demo", "--headless", "--duration", "3s", "--json", "--control-key-file", good},
			codes: []int{ExitOK, ExitFail}, want: []string{`"control": "signed"`}},
	}
	for _, bad := range []struct{ name, file, want string }{
		{"short key", short, "want at least 16"},
		{"huge file", big, "longer than 4096 bytes"},
		{"missing file", short + ".missing", "--control-key-file"},
		{"a directory", keys, "--control-key-file"},
	} {
		for _, cmd := range [][]string{
			append([]string{"watch", "--headless", "--duration", "1s"}, conn...), append([]string{"agent"}, conn...),
			append([]string{"validate", "--duration", "1s"}, conn...), {"demo", "--headless", "--duration", "1s"},
		} {
			runs = append(runs, secretRun{name: cmd[0] + ": " + bad.name, args: append(cmd, "--control-key-file", bad.file),
				codes: []int{ExitUsage}, want: []string{bad.want}})
		}
	}
	h := &leakHunt{}
	runAll(t, h, runs)
	h.report(t)
}
