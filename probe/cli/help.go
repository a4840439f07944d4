package cli

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// helpWidth is the width every help text fits: the classic terminal's.
const helpWidth = 80

// rootLong is what bridgescope does, for the man page's DESCRIPTION.
const rootLong = `bridgescope validates and watches a Redis pub/sub event bridge: it probes
every cooperating instance and shows delivery, latency and alerts live
(watch, serve, demo), runs instances in this process and checks every
event reaches the others (validate), measures the bridge against raw
Redis (bench), and answers a monitoring system in one short run (check).

Every flag can also come from BRIDGESCOPE_<FLAG> (upper case, dashes as
underscores) or from a context of the config file
($XDG_CONFIG_HOME/bridgescope/config.yaml, --config, --context): flags beat
the environment, which beats the config file, which beats the defaults.`

// rootExample is the top-level help's, and the man page's, examples.
const rootExample = `  bridgescope demo
  bridgescope watch --redis redis://10.0.0.5:6379 --channels 'bridge:*'
  bridgescope validate --instances 5 --duration 30s`

// writeUsage writes the top-level usage, listing root's subcommands. A
// failed write has nowhere to be reported.
func writeUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("bridgescope validates and watches a Redis pub/sub event bridge.\n\n")
	b.WriteString("Usage:\n  bridgescope <subcommand> [flags]\n\nSubcommands:\n")
	const nameW = 21 // "  completion SHELL" and a space
	list := func(name, summary string) {
		b.WriteString(wrapText(fmt.Sprintf("  %-*s", nameW-2, name), summary, helpWidth, nameW))
	}
	for _, c := range commands {
		list(c.Name, c.Summary)
	}
	list("config view", "print the effective configuration, passwords redacted")
	list("completion SHELL", "print the completion script for bash, zsh or fish")
	list("man", "print the man page (roff)")
	list("help [subcommand]", "show this help, or a subcommand's flags")
	list("version", "print the version")
	b.WriteString("\n" + wrapText("", "Every subcommand takes --redis URL (default $REDIS_URL, else "+
		"redis://127.0.0.1:6379), --password-file FILE and --log FILE; every flag also comes from "+
		"BRIDGESCOPE_<FLAG> or a context of the config file (--config, --context; see 'config view').", helpWidth, 0))
	b.WriteString("Exit codes: 0 OK/PASS, 1 FAIL/CRIT, 2 usage, configuration or connection error;\n" +
		"check's own: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n")
	b.WriteString("\nExamples:\n" + rootExample + "\n")
	_, _ = io.WriteString(w, b.String())
}

// writeHelp writes a subcommand's help: the usage line, what it does, its
// flags, the flags every subcommand takes, and the examples.
func writeHelp(w io.Writer, c *cobra.Command) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s\n\n", c.UseLine())
	long := c.Long
	if long == "" {
		long = c.Short
	}
	b.WriteString(long + "\n")
	if c.HasAvailableLocalFlags() {
		b.WriteString("\nFlags:\n" + flagUsages(c.LocalFlags()))
	}
	if c.HasAvailableInheritedFlags() {
		b.WriteString("\nGlobal flags:\n" + flagUsages(c.InheritedFlags()))
	}
	if c.HasAvailableSubCommands() {
		b.WriteString("\nSubcommands:\n")
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() {
				b.WriteString(wrapText(fmt.Sprintf("  %-12s", s.Name()), s.Short, helpWidth, 14))
			}
		}
	}
	if c.Example != "" {
		b.WriteString("\nExamples:\n" + c.Example + "\n")
	}
	_, _ = io.WriteString(w, b.String()) // nowhere to report a failed write
}

// flagNameW is the width of the flags' name column; a longer name has its
// text on the next line.
const flagNameW = 32

// flagUsages lists fs's flags GNU-style within helpWidth: "--name TYPE",
// then what it does and its default, wrapped. (pflag's own list writes
// every bool as --name[=true|false] and wraps as its words fall.)
func flagUsages(fs *pflag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(fl *pflag.Flag) {
		if fl.Hidden {
			return
		}
		name := "      --" + fl.Name
		if fl.Shorthand != "" {
			name = "  -" + fl.Shorthand + ", --" + fl.Name
		}
		varname, usage := pflag.UnquoteUsage(fl)
		if varname != "" && fl.Value.Type() != "bool" {
			name += " " + varname
		}
		if d := flagDefault(fl); d != "" {
			usage += " (default " + d + ")"
		}
		if utf8.RuneCountInString(name) > flagNameW-2 {
			b.WriteString(name + "\n")
			name = ""
		}
		b.WriteString(wrapText(fmt.Sprintf("%-*s", flagNameW, name), usage, helpWidth, flagNameW))
	})
	return b.String()
}

// flagDefault is the default --help shows: none when it is the zero value
// or the text already says what the default is.
func flagDefault(fl *pflag.Flag) string {
	_, usage := pflag.UnquoteUsage(fl)
	switch {
	case strings.Contains(usage, "(default"), slices.Contains([]string{"", "0", "0s", "false", "[]"}, fl.DefValue):
		return ""
	case fl.Value.Type() == "string":
		return strconv.Quote(fl.DefValue)
	}
	return fl.DefValue
}

// wrapText writes prefix and text after it, wrapped at width columns,
// every line after the first indented by indent spaces, and a newline.
func wrapText(prefix, text string, width, indent int) string {
	var b strings.Builder
	b.WriteString(prefix)
	col := utf8.RuneCountInString(prefix)
	for i, word := range strings.Fields(text) {
		n := utf8.RuneCountInString(word)
		switch {
		case i == 0:
		case col+1+n > width:
			b.WriteString("\n" + strings.Repeat(" ", indent))
			col = indent
		default:
			b.WriteString(" ")
			col++
		}
		b.WriteString(word)
		col += n
	}
	return b.String() + "\n"
}

// newHelpCmd is "help [subcommand]": the usage, or a subcommand's help.
func newHelpCmd(root *cobra.Command, env *Env, code *int) *cobra.Command {
	return &cobra.Command{
		Use:   "help [subcommand]",
		Short: "show the usage, or a subcommand's flags",
		Long:  "Prints the usage and the subcommands, or a subcommand's help: the same as\n'bridgescope SUBCOMMAND --help'.",
		Example: `  bridgescope help
  bridgescope help validate
  bridgescope help config view`,
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			var names []string
			for _, c := range root.Commands() {
				if c.IsAvailableCommand() && len(args) == 0 {
					names = append(names, c.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		Run: func(_ *cobra.Command, args []string) {
			if len(args) == 0 {
				writeUsage(env.Stdout)
				return
			}
			c, rest, err := root.Find(args)
			if err != nil || c == root || len(rest) > 0 {
				env.Errorf("help: unknown subcommand %q", strings.Join(args, " "))
				writeUsage(env.Stderr)
				*code = ExitUsage
				return
			}
			writeHelp(env.Stdout, c)
		},
	}
}
