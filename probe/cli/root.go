package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The command line is cobra's (as kubectl, gh and k9s use): GNU --flags
// from pflag, completion scripts and a man page generated from the same
// definitions as --help. It was chosen over kong for those generators and
// because it is what the tools our users run already look like.

// RunFunc runs a subcommand with its positional arguments, its flags
// parsed, and returns the exit code. It reports its own errors on
// env.Stderr.
type RunFunc func(ctx context.Context, env *Env, args []string) int

// usageError is a mistake on the command line, reported in one line,
// exit 2 (or a subcommand's own way, see Command.UsageFailed).
type usageError struct {
	cmd *cobra.Command
	err error
}

func (e *usageError) Error() string { return e.err.Error() }

// newRoot builds the command tree for one Main call: code receives the
// exit code of whatever runs.
func newRoot(ctx context.Context, env *Env, code *int) *cobra.Command {
	root := &cobra.Command{
		Use:               "bridgescope",
		Short:             "validates and watches a Redis pub/sub event bridge",
		Long:              rootLong,
		Example:           rootExample,
		SilenceErrors:     true, // errors go through env.Errorf, one line
		SilenceUsage:      true,
		DisableAutoGenTag: true, // the man page stays the same from build to build
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetContext(ctx)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &usageError{c, flagError(err)} })
	root.SetHelpFunc(func(c *cobra.Command, _ []string) {
		if c == root {
			writeUsage(c.OutOrStdout())
			return
		}
		writeHelp(c.OutOrStdout(), c)
	})
	for _, c := range commands {
		root.AddCommand(c.cobra(env, code))
	}
	root.AddCommand(newConfigCmd(env, code), newHelpCmd(root, env, code), newVersionCmd(env, code),
		newCompletionCmd(root, env, code), newManCmd(root, env, code))
	return root
}

// cobra turns c into a cobra command whose run sets *code.
func (c *Command) cobra(env *Env, code *int) *cobra.Command {
	use, long := splitUsage(c.Usage)
	use = use[max(0, strings.Index(use, c.Name+" ")):] // "config view …" is view's
	cc := &cobra.Command{
		Use:     use,
		Short:   c.Summary,
		Long:    long,
		Example: c.Example,
		Args:    c.args(),
	}
	// Positional file arguments complete as files, nothing else does.
	if c.MaxArgs == 0 {
		cc.ValidArgsFunction = cobra.NoFileCompletions
	}
	run := c.Setup(cc.Flags())
	registerConfigFlags(cc.Flags())
	registerValueCompletions(cc)
	cc.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applySources(cmd, env); err != nil {
			return &usageError{cmd, err}
		}
		*code = run(cmd.Context(), env, args)
		return nil
	}
	return cc
}

// splitUsage splits a subcommand's usage text into its usage line, less
// "Usage: bridgescope ", and the paragraphs after it.
func splitUsage(u string) (use, long string) {
	first, rest, _ := strings.Cut(u, "\n")
	return strings.TrimPrefix(first, "Usage: bridgescope "), strings.TrimSpace(rest)
}

// args checks the number of positional arguments, naming the first
// stray one.
func (c *Command) args() cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) > c.MaxArgs && c.MaxArgs == 0:
			return &usageError{cmd, fmt.Errorf("unexpected argument %q", args[0])}
		case len(args) > c.MaxArgs || len(args) < c.MinArgs:
			return &usageError{cmd, fmt.Errorf("name one %s", c.ArgName)}
		}
		return nil
	}
}

// runRoot executes root with args and turns what cobra returns into an
// exit code.
func runRoot(root *cobra.Command, env *Env, args []string, code *int) int {
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return *code
	}
	var ue *usageError
	if !errors.As(err, &ue) {
		ue = &usageError{cmd, err}
	}
	name := strings.TrimPrefix(ue.cmd.CommandPath(), "bridgescope ")
	if c := lookup(ue.cmd.Name()); c != nil && c.UsageFailed != nil {
		return c.UsageFailed(env, fmt.Errorf("%s: %w", name, ue.err))
	}
	env.Errorf("%s: %v (see 'bridgescope %s --help')", name, ue.err, name)
	return ExitUsage
}

// pflagInvalid matches pflag's error for a value that does not parse.
var pflagInvalid = regexp.MustCompile(`^invalid argument (".*") for "(?:-., )?(--[^"]+)" flag: `)

// flagError says what pflag says in this command line's words:
// 'invalid value "x" for --instances: …', as every other check does.
func flagError(err error) error {
	msg := err.Error()
	if m := pflagInvalid.FindStringSubmatchIndex(msg); m != nil {
		return errors.New("invalid value " + msg[m[2]:m[3]] + " for " + msg[m[4]:m[5]] + ": " + msg[m[1]:])
	}
	return err
}

// registerConfigFlags adds --config and --context, which every subcommand
// that takes settings has.
func registerConfigFlags(fs *pflag.FlagSet) {
	fs.String("config", "", "read contexts from this YAML `file` (default\n$XDG_CONFIG_HOME/bridgescope/"+configFileName+")")
	fs.String("context", "", "use this `name`d context of the config file (default its current-context)")
}

// noArgs is cobra.NoArgs with this command line's message.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return &usageError{cmd, fmt.Errorf("unexpected argument %q", args[0])}
	}
	return nil
}
