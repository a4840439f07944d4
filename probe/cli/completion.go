package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/themes"
	"github.com/bridgescope/bridgescope/tui"
)

// completionShells are the shells 'completion' writes a script for.
var completionShells = []string{"bash", "zsh", "fish"}

// newCompletionCmd is "completion bash|zsh|fish": cobra's generated
// scripts, which ask the binary itself (its hidden __complete command)
// for subcommands and flags.
func newCompletionCmd(root *cobra.Command, env *Env, code *int) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "print the completion script for bash, zsh or fish",
		Long: `Prints a script that completes bridgescope's subcommands and flags in the
shell named. Load it in the current shell, or install it where the shell
looks for completions (see the examples; zsh needs compinit).`,
		Example: `  source <(bridgescope completion bash)
  bridgescope completion zsh > "${fpath[1]}/_bridgescope"
  bridgescope completion fish > ~/.config/fish/completions/bridgescope.fish`,
		ValidArgs: completionShells,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || !slices.Contains(completionShells, args[0]) {
				return &usageError{cmd, fmt.Errorf("name one shell: bash, zsh or fish, got %q", args)}
			}
			return nil
		},
		Run: func(_ *cobra.Command, args []string) {
			var err error
			switch args[0] {
			case "bash":
				err = root.GenBashCompletionV2(env.Stdout, true)
			case "zsh":
				err = root.GenZshCompletion(env.Stdout)
			case "fish":
				err = root.GenFishCompletion(env.Stdout, true)
			}
			if err != nil {
				*code = env.Fail(ExitUsage, fmt.Errorf("completion: write script: %w", err))
			}
		},
	}
}

// flagValues are the values --flag completes to, for the flags that take
// one of a list; --context completes to the config file's contexts.
func flagValues() map[string]func() []string {
	return map[string]func() []string{
		"theme":       func() []string { return append([]string{themes.Auto}, themes.Names()...) },
		"transport":   bridge.Transports,
		"snapshot-bg": tui.SnapshotBgs,
		"format":      func() []string { return checkFormats },
		"context":     configContexts,
	}
}

// registerValueCompletions completes the values of cc's flags that take
// one of a list.
func registerValueCompletions(cc *cobra.Command) {
	for name, values := range flagValues() {
		if cc.Flags().Lookup(name) == nil {
			continue
		}
		_ = cc.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return values(), cobra.ShellCompDirectiveNoFileComp
		}) // the only error is a flag registered twice: each is once here
	}
}

// configContexts are the default config file's contexts, for completion;
// none when it cannot be read.
func configContexts() []string {
	cf, err := loadConfig(defaultConfigPath(), false)
	if err != nil || cf == nil || len(cf.Contexts) == 0 {
		return nil
	}
	return strings.Split(cf.names(), ", ")
}
