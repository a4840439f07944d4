package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// getCompWordsShim stands in for bash-completion's _get_comp_words_by_ref
// where that package is not installed: cobra's script asks it for the
// words of the line being completed.
const getCompWordsShim = `
if [ -f /usr/share/bash-completion/bash_completion ]; then
	. /usr/share/bash-completion/bash_completion
else
	_get_comp_words_by_ref() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
fi
`

// TestCompletionBash (issue 14.4): the real binary's bash script loads and
// completes a subcommand and a flag, asking the binary as a shell would.
func TestCompletionBash(t *testing.T) {
	bin := realBinary(t)
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	complete := func(line string) []string {
		t.Helper()
		script := getCompWordsShim + `
source <(bridgescope completion bash) || exit 9
complete -p bridgescope >/dev/null || exit 8
COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
read -r -a COMP_WORDS <<< "$COMP_LINE"
[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
__start_bridgescope 2>/dev/null
compgen -W "${COMPREPLY[*]}" -- "${COMP_WORDS[COMP_CWORD]}"
`
		cmd := exec.Command("bash", "-c", script, "bash", line)
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("complete %q: %v\n%s", line, err, out)
		}
		return strings.Fields(string(out))
	}
	for _, tc := range []struct{ line, want string }{
		{"bridgescope val", "validate"},
		{"bridgescope validate --dur", "--duration"},
		{"bridgescope completion z", "zsh"},
		{"bridgescope help rep", "replay"},
		{"bridgescope watch --theme l", "light"},
		{"bridgescope check --format na", "nagios"},
	} {
		got := complete(tc.line)
		if len(got) == 0 || !contains(got, tc.want) {
			t.Errorf("complete %q = %q, want %q", tc.line, got, tc.want)
		}
	}
	if got := complete("bridgescope val"); len(got) != 1 {
		t.Errorf("complete %q = %q, want validate alone", "bridgescope val", got)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{"bash": "__start_bridgescope", "zsh": "#compdef bridgescope", "fish": "complete -c bridgescope"} {
		code, stdout, stderr := run(t, context.Background(), "completion", shell)
		if code != ExitOK || !strings.Contains(stdout, want) || stderr != "" {
			t.Errorf("completion %s: exit %d, stderr %q, want a script with %q", shell, code, stderr, want)
		}
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		code, stdout, stderr := run(t, context.Background(), args...)
		if code != ExitUsage || stdout != "" || !strings.Contains(stderr, "name one shell: bash, zsh or fish") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
		oneLine(t, stderr)
	}
}

// TestManPage (issue 14.4): the man page comes from the same definitions,
// names every subcommand, and --dir writes a page per subcommand.
func TestManPage(t *testing.T) {
	code, stdout, stderr := run(t, context.Background(), "man")
	if code != ExitOK || stderr != "" || !strings.HasPrefix(stdout, ".nh\n.TH \"BRIDGESCOPE\" \"1\"") {
		t.Fatalf("man: exit %d, stderr %q, output starts %q", code, stderr, stdout[:min(len(stdout), 80)])
	}
	for _, c := range commands {
		if !strings.Contains(stdout, `\fBbridgescope-`+c.Name+`(1)\fP`) {
			t.Errorf("man: SEE ALSO does not name %s", c.Name)
		}
	}
	dir := t.TempDir()
	if code, _, stderr := run(t, context.Background(), "man", "--dir", dir); code != ExitOK {
		t.Fatalf("man --dir: exit %d: %s", code, stderr)
	}
	for _, c := range commands {
		page, err := os.ReadFile(filepath.Join(dir, "bridgescope-"+c.Name+".1"))
		if err != nil {
			t.Errorf("man --dir: %v", err)
			continue
		}
		if !strings.Contains(string(page), ".TH") || !strings.Contains(string(page), ".SH EXAMPLE") {
			t.Errorf("bridgescope-%s.1 lacks .TH or EXAMPLE:\n%s", c.Name, page)
		}
	}
	if code, _, stderr := run(t, context.Background(), "man", "--dir", filepath.Join(dir, "missing")); code != ExitUsage || !strings.Contains(stderr, "man: ") {
		t.Errorf("man --dir into a missing directory: exit %d, stderr %q", code, stderr)
	}
}

// TestVersionOnce (issue 14.6): the revision appears once, whether Go
// recorded a pseudo-version holding it or -ldflags set the version.
func TestVersionOnce(t *testing.T) {
	const rev = "1c9971d0e2ab4f6a8b0c1d2e3f405162738495a6"
	info := func(v string, modified bool) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Version: v}}
		bi.Settings = []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: map[bool]string{true: "true", false: "false"}[modified]}}
		return bi
	}
	for _, tc := range []struct {
		ldflags string
		info    *debug.BuildInfo
		want    string
	}{
		{"", info("v0.0.0-20261202004157-1c9971d0e2ab", false), "v0.0.0-20261202004157-1c9971d0e2ab go1.x"},
		{"", info("v0.0.0-20261202004157-1c9971d0e2ab+dirty", true), "v0.0.0-20261202004157-1c9971d0e2ab+dirty go1.x"},
		{"", info("(devel)", true), "(devel) 1c9971d0e2ab+dirty go1.x"},
		{"v1.2.3", info("(devel)", false), "v1.2.3 1c9971d0e2ab go1.x"},
		{"v1.2.3", nil, "v1.2.3 go1.x"},
		{"", nil, "(devel) go1.x"},
	} {
		if got := versionString(tc.ldflags, tc.info, "go1.x"); got != tc.want {
			t.Errorf("versionString(%q, %+v) = %q, want %q", tc.ldflags, tc.info, got, tc.want)
		}
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, _ := run(t, context.Background(), args...)
		if code != ExitOK || strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(stdout, "bridgescope ") {
			t.Errorf("%q: exit %d, %q", args, code, stdout)
		}
	}
	if code, _, stderr := run(t, context.Background(), "version", "x"); code != ExitUsage || !strings.Contains(stderr, `unexpected argument "x"`) {
		t.Errorf("version x: exit %d, %q", code, stderr)
	}
}
