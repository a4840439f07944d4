package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/bridgescope/bridgescope/bridge"
)

const configViewUsage = `Usage: bridgescope config view [flags]

Prints the settings a subcommand starts from, after precedence: flags beat
BRIDGESCOPE_<FLAG> variables, which beat the config file's context, which
beats the defaults. Each setting says where it came from. The Redis URL is
redacted (user:xxxxx@); a password file is named, never read.

The config file is --config, else $XDG_CONFIG_HOME/bridgescope/config.yaml
(~/.config/bridgescope/config.yaml); --context picks one of its contexts,
else its current-context does.`

const configViewExample = `  bridgescope config view
  bridgescope config view --context prod
  BRIDGESCOPE_P99_WARN=50ms bridgescope config view --config ./ci.yaml`

// newConfigCmd is "config view".
func newConfigCmd(env *Env, code *int) *cobra.Command {
	parent := &cobra.Command{
		Use:   "config",
		Short: "the config file's contexts: 'config view' prints the effective settings",
		Long: "Reads the config file's contexts and the BRIDGESCOPE_<FLAG> variables;\n" +
			"'bridgescope config view' prints the settings they resolve to.",
		Example: `  bridgescope config view
  bridgescope config view --context staging`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return &usageError{cmd, errors.New("name a subcommand: view")}
		},
	}
	view := &Command{Name: "view", Summary: "print the effective configuration, passwords redacted",
		Usage: configViewUsage, Example: configViewExample, Setup: setupConfigView}
	parent.AddCommand(view.cobra(env, code))
	return parent
}

// setupConfigView takes those of watch's flags a context can hold, so
// each shows its resolved value.
func setupConfigView(fs *pflag.FlagSet) RunFunc {
	f := &watchFlags{}
	all := pflag.NewFlagSet("watch", pflag.ContinueOnError)
	f.register(all, true)
	all.VisitAll(func(fl *pflag.Flag) {
		if slices.Contains(configKeys(), fl.Name) {
			fs.AddFlag(fl)
		}
	})
	return func(_ context.Context, env *Env, _ []string) int {
		out, err := configView(env, fs)
		if err != nil {
			return env.Fail(ExitUsage, fmt.Errorf("config view: %w", err))
		}
		return env.print(ExitOK, "%s", out)
	}
}

// configView renders the settings as YAML, a comment on each naming its
// source.
func configView(env *Env, fs *pflag.FlagSet) (string, error) {
	s := env.settings
	doc := mapping()
	add := func(m *yaml.Node, key, value, comment string) {
		v := &yaml.Node{Kind: yaml.ScalarNode, Value: value, LineComment: comment}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
	}
	file := s.file
	if file == "" {
		file = "none"
		if p := defaultConfigPath(); p != "" {
			file = "none (" + p + " does not exist)"
		}
	}
	add(doc, "config-file", file, "")
	add(doc, "context", s.context, "")
	add(doc, "production", fmt.Sprint(s.production), "")
	set := mapping()
	var ctx *contextConfig
	if s.context != "" {
		cf, err := loadConfig(s.file, true)
		if err != nil {
			return "", err
		}
		ctx = cf.Contexts[s.context]
	}
	for _, key := range configKeys() {
		value, src, ok := viewSetting(env, fs, ctx, key)
		if ok && (value != "" || src != "default") { // an empty default is no setting
			add(set, key, value, src)
		}
	}
	doc.Content = append(doc.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "settings"}, set)
	var b strings.Builder
	b.WriteString("# bridgescope config view: flags > BRIDGESCOPE_<FLAG> > context > defaults\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	return b.String(), enc.Close()
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

// viewSetting is one key's value and source: the flag's, or the context's
// for a key config view has no flag for (validate's --rate, check's
// --format). ok is false for a key neither has.
func viewSetting(env *Env, fs *pflag.FlagSet, ctx *contextConfig, key string) (value, src string, ok bool) {
	fl := fs.Lookup(key)
	if fl == nil {
		if ctx == nil || key == "production" {
			return "", "", false
		}
		for _, kv := range ctx.settings() {
			if kv[0] == key {
				return redactSetting(key, kv[1]), contextWhere(env.settings) + " (for the subcommands that take it)", true
			}
		}
		return "", "", false
	}
	value, src = fl.Value.String(), env.settings.source[key]
	switch {
	case src != "":
	case fl.Changed:
		src = "--" + key
	default:
		src = "default"
	}
	if key == "redis" && value == "" {
		value, src = bridge.DefaultRedisURL, "default"
		if u := os.Getenv("REDIS_URL"); u != "" {
			registerURLSecrets(env, u)
			value, src = u, "REDIS_URL"
		}
	}
	return redactSetting(key, value), src, true
}

// contextWhere names the context as a source, as applySources does.
func contextWhere(s *settings) string {
	return fmt.Sprintf("%s: context %q", filepath.Base(s.file), s.context)
}

// redactSetting hides a Redis URL's password: config view is what people
// paste into tickets.
func redactSetting(key, value string) string {
	if key == "redis" && value != "" {
		return bridge.RedactURL(value)
	}
	return value
}
