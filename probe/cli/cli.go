// Package cli is bridgescope's command line, the top floor: the subcommands,
// the flags they share, exit codes, and engine errors mapped to flag names.
package cli

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// Exit codes of every subcommand but check, which has the monitoring
// plugins' own (report.CheckOK … report.CheckUnknown).
const (
	ExitOK    = 0 // success; validate PASS
	ExitFail  = 1 // the verdict is FAIL (or an alert is CRIT)
	ExitUsage = 2 // usage, configuration or connection error: no verdict
	// ExitInterrupted is main's exit code on a second interrupt, which
	// ends the process at once (128 + SIGINT, as shells report it).
	ExitInterrupted = 130
)

// Command is one subcommand.
type Command struct {
	Name    string
	Summary string // one line for the usage listing
	// Usage is the help's text: "Usage: bridgescope NAME …", a blank line,
	// then what the subcommand does.
	Usage string
	// Example is two or three "  bridgescope NAME …" lines, the help's last
	// section and the man page's EXAMPLES.
	Example string
	// MinArgs and MaxArgs bound the positional arguments (0, 0: none);
	// ArgName says what one is, for the error when the count is wrong.
	MinArgs, MaxArgs int
	ArgName          string
	// Setup registers the subcommand's flags on fs and returns what runs
	// it once they are parsed.
	Setup func(fs *pflag.FlagSet) RunFunc
	// UsageFailed, when set, reports a usage error the subcommand's own
	// way (check: an UNKNOWN verdict) and returns the exit code.
	UsageFailed func(env *Env, err error) int
}

// commands is the subcommand table, in the order the usage lists them:
// add a row per subcommand (its Command lives in its own file).
var commands = []*Command{
	demoCommand,
	watchCommand,
	serveCommand,
	agentCommand,
	validateCommand,
	benchCommand,
	checkCommand,
	replayCommand,
	reportCommand,
}

// Main runs the bridgescope command line with args (without the program
// name) and returns the exit code. When ctx ends, a running subcommand
// stops gracefully and still prints its report.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := newEnv(stdin, stdout, stderr)
	registerArgSecrets(env, args)
	if len(args) == 0 {
		writeUsage(env.Stderr)
		return ExitUsage
	}
	switch name := args[0]; {
	case name == "-h" || name == "-help" || name == "--help":
		writeUsage(env.Stdout)
		return ExitOK
	case name == "-version" || name == "--version":
		return env.print(ExitOK, "bridgescope %s\n", Version())
	case name == benchLaneName: // hidden: not in the usage
		return runBenchLane(ctx, env, args[1:])
	case strings.HasPrefix(name, "-"):
		env.Errorf("flags go after the subcommand, got %q first", name)
		writeUsage(env.Stderr)
		return ExitUsage
	}
	var code int
	root := newRoot(ctx, env, &code)
	// cobra's hidden __complete commands serve the completion scripts.
	if !strings.HasPrefix(args[0], "__complete") {
		if c, _, err := root.Find(args[:1]); err != nil || c == root {
			env.Errorf("unknown subcommand %q", args[0])
			writeUsage(env.Stderr)
			return ExitUsage
		}
	}
	return runRoot(root, env, args, &code)
}

func lookup(name string) *Command {
	for _, c := range commands {
		if c.Name == name {
			return c
		}
	}
	return nil
}
