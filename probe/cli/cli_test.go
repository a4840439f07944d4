package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// run calls Main and returns the exit code and both outputs.
func run(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(ctx, args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// oneLine asserts that s is exactly one line of the form "bridgescope: …".
func oneLine(t *testing.T, s string) {
	t.Helper()
	if !strings.HasPrefix(s, "bridgescope: ") || strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
		t.Errorf("stderr = %q, want one line starting \"bridgescope: \"", s)
	}
}

func TestMainDispatch(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		args               []string
		code               int
		stdout, stderr     string // substrings; "" means must be empty
		stdoutAny, errLine bool
	}{
		{args: nil, code: ExitUsage, stderr: "Usage:"},
		{args: []string{"help"}, code: ExitOK, stdout: "validate"},
		{args: []string{"-h"}, code: ExitOK, stdout: "Subcommands:"},
		{args: []string{"--help"}, code: ExitOK, stdout: "Exit codes: 0 OK/PASS, 1 FAIL/CRIT, 2"},
		{args: []string{"help", "validate"}, code: ExitOK, stdout: "-instances"},
		{args: []string{"help", "nope"}, code: ExitUsage, stderr: `unknown subcommand "nope"`},
		{args: []string{"version"}, code: ExitOK, stdout: "bridgescope "},
		{args: []string{"nope"}, code: ExitUsage, stderr: `bridgescope: unknown subcommand "nope"`},
		{args: []string{"--redis", "x"}, code: ExitUsage, stderr: "flags go after the subcommand"},
		{args: []string{"validate", "-h"}, code: ExitOK, stdout: "Usage: bridgescope validate"},
		{args: []string{"validate", "--help"}, code: ExitOK, stdout: "  --instances int"},
		{args: []string{"validate", "--bogus"}, code: ExitUsage, stderr: "bridgescope: validate: unknown flag: --bogus (see 'bridgescope validate --help')"},
		{args: []string{"validate", "stray"}, code: ExitUsage, stderr: `validate: unexpected argument "stray"`},
		{args: []string{"validate", "--instances", "x"}, code: ExitUsage, stderr: `invalid value "x" for --instances: must be an integer`},
		{args: []string{"replay"}, code: ExitUsage, stderr: "replay: name one recording"},
		{args: []string{"config"}, code: ExitUsage, stderr: "config: name a subcommand: view (see 'bridgescope config --help')"},
		{args: []string{"config", "show"}, code: ExitUsage, stderr: `config: unexpected argument "show"`},
		{args: []string{"config", "view", "x"}, code: ExitUsage, stderr: `config view: unexpected argument "x"`},
		{args: []string{"man", "x"}, code: ExitUsage, stderr: `man: unexpected argument "x"`},
		{args: []string{"help", "config", "view"}, code: ExitOK, stdout: "Usage: bridgescope config view [flags]"},
	} {
		code, stdout, stderr := run(t, ctx, tc.args...)
		if code != tc.code {
			t.Errorf("%q: exit %d, want %d (stderr %q)", tc.args, code, tc.code, stderr)
		}
		for _, c := range []struct{ name, got, want string }{{"stdout", stdout, tc.stdout}, {"stderr", stderr, tc.stderr}} {
			if c.want == "" && c.got != "" || !strings.Contains(c.got, c.want) {
				t.Errorf("%q: %s = %q, want it to contain %q", tc.args, c.name, c.got, c.want)
			}
		}
	}
}

func TestCommandTableIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range commands {
		if c.Name == "" || c.Summary == "" || c.Setup == nil || c.Example == "" || seen[c.Name] {
			t.Errorf("bad or duplicate command %+v", c)
		}
		seen[c.Name] = true
		if lookup(c.Name) != c {
			t.Errorf("lookup(%q) does not find it", c.Name)
		}
	}
}
