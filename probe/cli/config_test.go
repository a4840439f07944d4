package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/tui"
)

// writeConfig writes a config file into a fresh $XDG_CONFIG_HOME and
// returns its path; the test's environment then finds it by default.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	path := filepath.Join(home, "bridgescope", configFileName)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// viewLine is config view's line for key, e.g. "p99-warn: 80ms # default".
func viewLine(t *testing.T, out, key string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), key+":") {
			return strings.TrimSpace(l)
		}
	}
	t.Fatalf("config view has no %s:\n%s", key, out)
	return ""
}

// TestPrecedence (issue 14.5): a flag beats BRIDGESCOPE_<FLAG>, which beats
// the config file's context, which beats the default — key by key.
func TestPrecedence(t *testing.T) {
	writeConfig(t, `current-context: staging
contexts:
  staging:
    p99-warn: 80ms
    probe-rate: 7
    channels: [bridge:a, bridge:b]
    theme: light
`)
	t.Setenv("BRIDGESCOPE_PROBE_RATE", "3")
	t.Setenv("BRIDGESCOPE_THEME", "dark")
	code, out, stderr := run(t, context.Background(), "config", "view", "--theme", "mono")
	if code != ExitOK {
		t.Fatalf("config view: exit %d: %s", code, stderr)
	}
	for key, want := range map[string]string{
		"theme":      "theme: mono # --theme",                                        // flag > env > config
		"probe-rate": "probe-rate: 3 # BRIDGESCOPE_PROBE_RATE",                       // env > config
		"p99-warn":   `p99-warn: 80ms # config.yaml: context "staging"`,              // config > default
		"channels":   `channels: bridge:a,bridge:b # config.yaml: context "staging"`, // a list, comma-separated
		"p99-crit":   "p99-crit: 500ms # default",                                    // default
		"context":    "context: staging",
	} {
		if got := viewLine(t, out, key); got != want {
			t.Errorf("%s: %q, want %q", key, got, want)
		}
	}
	// --context picks another one; BRIDGESCOPE_CONTEXT does too, and the flag beats it.
	f := writeConfig(t, "current-context: a\ncontexts:\n  a: {p99-warn: 1s}\n  b: {p99-warn: 2s}\n  c: {p99-warn: 3s}\n")
	t.Setenv("BRIDGESCOPE_CONTEXT", "b")
	for args, want := range map[string]string{"": "2s", "--context c": "3s", "--config " + f + " --context a": "1s"} {
		_, out, stderr := run(t, context.Background(), append([]string{"config", "view"}, strings.Fields(args)...)...)
		if got := viewLine(t, out, "p99-warn"); !strings.HasPrefix(got, "p99-warn: "+want) {
			t.Errorf("config view %s: %q, want %s (%s)", args, got, want, stderr)
		}
	}
}

// TestConfigErrors: every bad value names its source, in one line, exit 2.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, config string
		env          []string
		args         []string
		want         string
	}{
		{"env not a number", "", []string{"BRIDGESCOPE_RATE=abc"}, []string{"validate"}, `validate: BRIDGESCOPE_RATE: "abc" is not a number`},
		{"env bad bool", "", []string{"BRIDGESCOPE_JSON=yes please"}, []string{"validate"}, `BRIDGESCOPE_JSON: "yes please" is not true or false`},
		{"env bad duration", "", []string{"BRIDGESCOPE_DURATION=5"}, []string{"watch"}, "BRIDGESCOPE_DURATION: 5 needs a unit, e.g. 5s or 5ms"},
		{"env bad threshold", "", []string{"BRIDGESCOPE_P99_WARN=fast"}, []string{"watch"}, `BRIDGESCOPE_P99_WARN: want a duration like 100ms, got "fast"`},
		{"config bad value", "current-context: prod\ncontexts:\n  prod:\n    p99-warn: fast\n", nil, []string{"check"},
			`config.yaml: context "prod": p99-warn: want a duration like 100ms, got "fast"`},
		{"misspelt key", "contexts:\n  prod:\n    p99-wran: 50ms\n", nil, []string{"validate", "--context", "prod"},
			`config.yaml: line 3: unknown key "p99-wran" (known: production, redis,`},
		{"misspelt top-level key", "current-contxt: prod\n", nil, []string{"watch"}, `line 1: unknown key "current-contxt" (known: current-context, contexts)`},
		{"not YAML", "contexts: [\n", nil, []string{"watch"}, "config.yaml: line 1: did not find expected node content"},
		{"unknown context", "contexts:\n  staging: {}\n  prod: {}\n", nil, []string{"watch", "--context", "dev"}, "--context dev: " /* … has no such context (it has prod, staging) */},
		{"current-context missing", "current-context: dev\ncontexts:\n  prod: {}\n", nil, []string{"agent"}, `current-context "dev" is not among the contexts (prod)`},
		{"env context missing", "contexts:\n  prod: {}\n", []string{"BRIDGESCOPE_CONTEXT=qa"}, []string{"agent"}, "BRIDGESCOPE_CONTEXT qa: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.config != "" {
				writeConfig(t, tc.config)
			} else {
				t.Setenv("XDG_CONFIG_HOME", t.TempDir())
			}
			for _, kv := range tc.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			code, stdout, stderr := run(t, context.Background(), tc.args...)
			wantCode := ExitUsage
			if tc.args[0] == "check" {
				wantCode, stderr = 3, stdout // UNKNOWN, on stdout
			}
			if code != wantCode || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, output %q; want %d and %q", code, stderr, wantCode, tc.want)
			}
			if tc.args[0] != "check" {
				oneLine(t, stderr)
			}
		})
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, []byte("contexts:\n  a:\n    redis: redis://h:1\n"+strings.Repeat("# padding\n", maxConfigSize/10)), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, context.Background(), "watch", "--config", big); code != ExitUsage || !strings.Contains(stderr, "big.yaml: over 1024 KiB") {
		t.Errorf("a config file past maxConfigSize: exit %d, %q", code, stderr)
	}
	if code, _, stderr := run(t, context.Background(), "watch", "--config", filepath.Join(t.TempDir(), "missing.yaml")); code != ExitUsage ||
		!strings.Contains(stderr, "missing.yaml: no such file") {
		t.Errorf("a --config that is missing: exit %d, %q", code, stderr)
	}
}

// TestProductionContextNeedsYes (issue 14.5): validate and bench refuse a
// context marked production without --yes, and validate runs with it.
func TestProductionContextNeedsYes(t *testing.T) {
	srv := bridgetest.Start(t)
	writeConfig(t, "current-context: prod\ncontexts:\n  prod:\n    production: true\n    redis: redis://"+srv.Addr()+"\n")
	for _, args := range [][]string{{"validate", "--duration", "1s"}, {"bench", "--duration", "1s", "--rates", "100"}} {
		code, stdout, stderr := run(t, context.Background(), args...)
		if code != ExitUsage || stdout != "" || !strings.Contains(stderr, `context "prod" is marked production: true`) ||
			!strings.Contains(stderr, "add --yes") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d and why", args, code, stdout, stderr, ExitUsage)
		}
		oneLine(t, stderr)
	}
	code, stdout, stderr := run(t, context.Background(), "validate", "--yes", "--duration", "1s", "--drain", "500ms", "--json")
	if code == ExitUsage || !strings.Contains(stdout, `"status"`) {
		t.Errorf("validate --yes: exit %d, stderr %q", code, stderr)
	}
	// Another context of the same file is not production.
	writeConfig(t, "current-context: staging\ncontexts:\n  staging:\n    redis: redis://"+srv.Addr()+"\n  prod: {production: true}\n")
	if code, stdout, stderr := run(t, context.Background(), "validate", "--duration", "1s", "--drain", "500ms"); code == ExitUsage || !strings.Contains(stdout, "redis://"+srv.Addr()) {
		t.Errorf("validate on staging: exit %d, %q", code, stderr)
	}
}

// TestConfigViewRedacts: config view shows the URL's user but no password,
// whether the URL came from the context, the environment or REDIS_URL, and
// never reads a password file.
func TestConfigViewRedacts(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("FilePassw0rd\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeConfig(t, "current-context: prod\ncontexts:\n  prod:\n    redis: redis://ops:CtxPassw0rd@10.1.2.3:6379/0\n    password-file: "+pwFile+"\n")
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{nil, `redis: redis://ops:xxxxx@10.1.2.3:6379/0 # config.yaml: context "prod"`},
		{[]string{"BRIDGESCOPE_REDIS=redis://ops:EnvPassw0rd@10.9.9.9:6379"}, "redis: redis://ops:xxxxx@10.9.9.9:6379 # BRIDGESCOPE_REDIS"},
	} {
		for _, kv := range tc.env {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
		code, out, stderr := run(t, context.Background(), "config", "view")
		if code != ExitOK || viewLine(t, out, "redis") != tc.want {
			t.Errorf("config view: exit %d, %q, want %q (%s)", code, viewLine(t, out, "redis"), tc.want, stderr)
		}
		if strings.Contains(out+stderr, "Passw0rd") {
			t.Errorf("config view shows a password:\n%s%s", out, stderr)
		}
		if viewLine(t, out, "password-file") != "password-file: "+pwFile+` # config.yaml: context "prod"` {
			t.Errorf("password-file: %q", viewLine(t, out, "password-file"))
		}
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("BRIDGESCOPE_REDIS", "")
	os.Unsetenv("BRIDGESCOPE_REDIS")
	t.Setenv("REDIS_URL", "redis://:UrlPassw0rd@10.4.4.4:6379")
	_, out, _ := run(t, context.Background(), "config", "view")
	if got := viewLine(t, out, "redis"); got != "redis: redis://:xxxxx@10.4.4.4:6379 # REDIS_URL" || strings.Contains(out, "Passw0rd") {
		t.Errorf("config view with REDIS_URL: %q\n%s", got, out)
	}
}

// TestSnapshotsGoToStateDir (issue 14.5): when the working directory is
// not writable, the dashboard's snapshots go to $XDG_STATE_HOME.
func TestSnapshotsGoToStateDir(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	f := snapshotFlags{dir: tui.DefaultSnapshotDir, bg: "theme"}
	if err := f.check(); err != nil || f.dir != tui.DefaultSnapshotDir {
		t.Fatalf("a writable directory: %v, dir %q", err, f.dir)
	}
	// A working directory that is gone is not writable, even for root.
	gone := filepath.Join(t.TempDir(), "gone")
	if err := os.Mkdir(gone, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(gone)
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	f = snapshotFlags{dir: tui.DefaultSnapshotDir, bg: "theme"}
	if err := f.check(); err != nil || f.dir != filepath.Join(state, "bridgescope", "snapshots") {
		t.Errorf("an unwritable directory: %v, dir %q", err, f.dir)
	}
	f = snapshotFlags{dir: "./mine", bg: "theme"} // a directory the user chose stays
	if err := f.check(); err != nil || f.dir != "./mine" {
		t.Errorf("--snapshot-dir ./mine: %v, dir %q", err, f.dir)
	}
}
