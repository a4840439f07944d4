// Package cli is bridgescope's command line, the top floor: the subcommands,
// the flags they share, exit codes, and engine errors mapped to flag names.
package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"
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
	// Run runs the subcommand with the arguments after its name and
	// returns the exit code. It reports its own errors on env.Stderr.
	Run func(ctx context.Context, env *Env, args []string) int
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

// version is set at build time with
// -ldflags "-X github.com/bridgescope/bridgescope/probe/cli.version=v1.2.3".
var version = ""

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
	switch name := args[0]; name {
	case "help", "-h", "-help", "--help":
		return help(ctx, env, args[1:])
	case "version", "-version", "--version":
		return env.print(ExitOK, "bridgescope %s\n", Version())
	case benchLaneName: // hidden: not in the usage
		return runBenchLane(ctx, env, args[1:])
	default:
		if cmd := lookup(name); cmd != nil {
			return cmd.Run(ctx, env, args[1:])
		}
		if strings.HasPrefix(name, "-") {
			env.Errorf("flags go after the subcommand, got %q first", name)
		} else {
			env.Errorf("unknown subcommand %q", name)
		}
		writeUsage(env.Stderr)
		return ExitUsage
	}
}

func lookup(name string) *Command {
	for _, c := range commands {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// help prints the usage, or a subcommand's own usage for "help NAME".
func help(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		writeUsage(env.Stdout)
		return ExitOK
	}
	cmd := lookup(args[0])
	if cmd == nil || len(args) > 1 {
		env.Errorf("help: unknown subcommand %q", strings.Join(args, " "))
		writeUsage(env.Stderr)
		return ExitUsage
	}
	return cmd.Run(ctx, env, []string{"-h"})
}

// writeUsage writes the top-level usage. A failed write has nowhere to be
// reported.
func writeUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("bridgescope validates and watches a Redis pub/sub event bridge.\n\n")
	b.WriteString("Usage:\n  bridgescope <subcommand> [flags]\n\nSubcommands:\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.Name, c.Summary)
	}
	fmt.Fprintf(tw, "  %s\t%s\n", "help [subcommand]", "show this help, or a subcommand's flags")
	fmt.Fprintf(tw, "  %s\t%s\n", "version", "print the version")
	_ = tw.Flush()
	b.WriteString("\nEvery subcommand takes --redis URL (default $REDIS_URL, else " +
		"redis://127.0.0.1:6379), --password-file FILE and --log FILE.\n")
	b.WriteString("Exit codes: 0 OK/PASS, 1 FAIL/CRIT, 2 usage, configuration or connection error;\n" +
		"check's own: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n")
	_, _ = io.WriteString(w, b.String())
}

// Version is the build's version: the -ldflags value, else the module
// version and VCS revision Go recorded, and the Go version.
func Version() string {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok && v == "" {
		v = info.Main.Version
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " " + s.Value[:12]
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	return v + " " + runtime.Version()
}
