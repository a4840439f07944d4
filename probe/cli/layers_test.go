package cli

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/bridgescope/bridgescope"

// goList runs go list with args and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Fields(string(out))
}

// TestImportRules checks the layering README's Architecture section states,
// from the import graph as go list reports it.
func TestImportRules(t *testing.T) {
	const (
		goRedis   = "github.com/redis/go-redis/v9"
		bubbletea = "github.com/charmbracelet/bubbletea"
		lipgloss  = "github.com/charmbracelet/lipgloss"
		miniredis = "github.com/alicebob/miniredis/v2"
	)
	forbid := func(pkg string, deps []string, banned ...string) {
		t.Helper()
		for _, d := range violations(deps, banned) {
			t.Errorf("%s depends on %s", pkg, d)
		}
	}
	// The check itself: the harness does use what the root probe must not.
	if v := violations(goList(t, "-deps", module+"/probe/harness"), []string{module + "/probe/", module + "/bridge/tcpproxy"}); len(v) < 2 {
		t.Fatalf("violations found only %v in the harness's deps: the check is broken", v)
	}
	for _, pkg := range goList(t, module+"/metrics/...") {
		forbid(pkg, goList(t, "-deps", pkg), goRedis, bubbletea, lipgloss, module+"/bridge", module+"/probe", module+"/tui")
	}
	forbid("tui", goList(t, "-deps", module+"/tui"), module+"/bridge", goRedis, module+"/probe")
	forbid("themes", goList(t, "-deps", module+"/themes"), module+"/bridge", goRedis, module+"/probe", module+"/tui")
	forbid("bridge", goList(t, "-deps", module+"/bridge"), module+"/metrics", module+"/probe", module+"/tui", module+"/themes", miniredis)
	probeDeps := goList(t, "-deps", module+"/probe")
	forbid("probe", probeDeps, module+"/probe/", module+"/bridge/tcpproxy", module+"/bridge/bridgetest", miniredis, bubbletea)

	// Nothing but the command line imports the dashboard.
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports ","}}`, module+"/...").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		if slices.Contains(strings.Split(imports, ","), module+"/tui") && pkg != module+"/probe/cli" {
			t.Errorf("%s imports tui; only probe/cli may", pkg)
		}
	}
}

// violations lists the deps that are a banned package or inside one; a
// banned name ending in "/" bans every package under it but not itself.
func violations(deps, banned []string) []string {
	var out []string
	for _, d := range deps {
		for _, b := range banned {
			under := strings.HasSuffix(b, "/")
			if (!under && (d == b || strings.HasPrefix(d, b+"/"))) || (under && strings.HasPrefix(d, b)) {
				out = append(out, d)
			}
		}
	}
	return out
}
