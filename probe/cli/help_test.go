package cli

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// helpTargets is every subcommand a user can ask --help of: the table's and
// the ones newRoot adds.
func helpTargets(t *testing.T) [][]string {
	t.Helper()
	var code int
	root := newRoot(context.Background(), newEnv(nil, &strings.Builder{}, &strings.Builder{}), &code)
	var out [][]string
	for _, c := range root.Commands() {
		if !c.IsAvailableCommand() && c.Name() != "help" {
			continue
		}
		out = append(out, []string{c.Name()})
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() {
				out = append(out, []string{c.Name(), s.Name()})
			}
		}
	}
	if len(out) < len(commands)+4 {
		t.Fatalf("only %d subcommands in the tree: %v", len(out), out)
	}
	return out
}

// TestHelpFitsAndEndsWithExamples (issue 14.4): every subcommand's --help,
// and 'help NAME', fits 80 columns, writes flags GNU-style, and ends with
// two or three examples that run bridgescope.
func TestHelpFitsAndEndsWithExamples(t *testing.T) {
	for _, path := range helpTargets(t) {
		for _, args := range [][]string{append(append([]string{}, path...), "--help"), append([]string{"help"}, path...)} {
			code, stdout, stderr := run(t, context.Background(), args...)
			if code != ExitOK || stderr != "" {
				t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
				continue
			}
			checkHelpText(t, strings.Join(args, " "), stdout)
		}
	}
	for _, args := range [][]string{{"--help"}, {"help"}} {
		_, stdout, _ := run(t, context.Background(), args...)
		checkHelpText(t, args[0], stdout)
	}
}

func checkHelpText(t *testing.T, name, text string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n > helpWidth {
			t.Errorf("%s: line %d is %d columns: %q", name, i+1, n, l)
		}
		if strings.HasPrefix(strings.TrimSpace(l), "-") && !strings.HasPrefix(strings.TrimSpace(l), "--") &&
			!strings.HasPrefix(strings.TrimSpace(l), "-h, --help") {
			t.Errorf("%s: line %d has a one-dash flag: %q", name, i+1, l)
		}
	}
	at := -1
	for i, l := range lines {
		if l == "Examples:" {
			at = i
		}
	}
	if at < 0 {
		t.Errorf("%s: no Examples section:\n%s", name, text)
		return
	}
	ex := lines[at+1:]
	if len(ex) < 2 || len(ex) > 3 {
		t.Errorf("%s: %d examples, want 2 or 3: %q", name, len(ex), ex)
	}
	for _, l := range ex {
		if !strings.HasPrefix(l, "  ") || !strings.Contains(l, "bridgescope") {
			t.Errorf("%s: example %q does not run bridgescope", name, l)
		}
	}
}

func TestFlagUsagesGNUStyle(t *testing.T) {
	_, stdout, _ := run(t, context.Background(), "validate", "--help")
	for _, want := range []string{
		"      --instances int", "      --duration duration", "(default 20s)",
		"      --json    ", "  -h, --help", "      --redis URL",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("validate --help lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "[=true|false]") || strings.Contains(stdout, "(default 0s)") {
		t.Errorf("validate --help lists pflag's noise:\n%s", stdout)
	}
}
