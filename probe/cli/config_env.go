package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envPrefix starts the environment variable of every flag:
// BRIDGESCOPE_P99_WARN is --p99-warn.
const envPrefix = "BRIDGESCOPE_"

// settings records where a run's settings came from: the config file and
// context chosen, and the source of every flag not given on the command
// line nor left at its default.
type settings struct {
	file       string // the config file read; "" when none
	context    string // the context used; "" when none
	production bool   // the context is marked production: true
	source     map[string]string
}

// envName is the environment variable of the flag name.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// applySources fills every flag the command line left alone: from its
// BRIDGESCOPE_ variable, else from the context of the config file, in
// that order, so flags beat the environment, which beats the config file,
// which beats the defaults. It records the settings on env.
func applySources(cmd *cobra.Command, env *Env) error {
	fs := cmd.Flags()
	s := &settings{source: map[string]string{}}
	env.settings = s
	var errs []error
	fs.VisitAll(func(fl *pflag.Flag) {
		v, ok := os.LookupEnv(envName(fl.Name))
		if fl.Changed || fl.Name == "help" || !ok {
			return
		}
		if err := setFlag(env, fs, fl, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", envName(fl.Name), err))
			return
		}
		s.source[fl.Name] = envName(fl.Name)
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	cf, err := s.load(fs)
	if err != nil || cf == nil || s.context == "" {
		return err
	}
	c := cf.Contexts[s.context]
	s.production = c.Production
	where := fmt.Sprintf("%s: context %q", filepath.Base(s.file), s.context)
	for _, kv := range c.settings() {
		fl := fs.Lookup(kv[0])
		if fl == nil || fl.Changed { // a key this subcommand has no flag for
			continue
		}
		if err := setFlag(env, fs, fl, kv[1]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", where, kv[0], err))
			continue
		}
		s.source[kv[0]] = where
	}
	return errors.Join(errs...)
}

// load reads the config file --config names (or the default one, when it
// exists) and chooses the context: --context, else its current-context.
func (s *settings) load(fs *pflag.FlagSet) (*configFile, error) {
	path, explicit := flagValue(fs, "config"), true
	if path == "" {
		path, explicit = defaultConfigPath(), false
	}
	name := flagValue(fs, "context")
	var cf *configFile
	if path != "" {
		var err error
		if cf, err = loadConfig(path, explicit); err != nil {
			return nil, err
		}
	}
	switch {
	case cf == nil && name != "":
		return nil, fmt.Errorf("%s %s: there is no config file (%s)", s.sourceOf("context"), name, path)
	case cf == nil:
		return nil, nil
	case name == "":
		name = cf.CurrentContext
	case cf.Contexts[name] == nil:
		return nil, fmt.Errorf("%s %s: %s has no such context (it has %s)", s.sourceOf("context"), name, path, cf.names())
	}
	s.file, s.context = path, name
	return cf, nil
}

// contextName is the context in use, "" when none (or s is nil: a
// subcommand run without applySources, as tests do).
func (s *settings) contextName() string {
	if s == nil {
		return ""
	}
	return s.context
}

// isProduction reports whether the context is marked production: true.
func (s *settings) isProduction() bool { return s != nil && s.production }

// sourceOf names where the flag's value came from, for an error about it:
// its variable, its context, or the flag itself.
func (s *settings) sourceOf(flag string) string {
	if s != nil && s.source[flag] != "" {
		return s.source[flag]
	}
	return "--" + flag
}

func flagValue(fs *pflag.FlagSet, name string) string {
	if fl := fs.Lookup(name); fl != nil {
		return fl.Value.String()
	}
	return ""
}

// pflagSetPrefix is what FlagSet.Set puts before the value's own error.
var pflagSetPrefix = regexp.MustCompile(`^invalid argument ".*" for "[^"]*" flag: `)

// setFlag sets fl to v as if given on the command line (Changed, seen by
// Visit), registering a Redis URL's password first, and says what is
// wrong with v in the words of its type.
func setFlag(env *Env, fs *pflag.FlagSet, fl *pflag.Flag, v string) error {
	if fl.Name == "redis" {
		registerURLSecrets(env, v)
	}
	err := fs.Set(fl.Name, v)
	if err == nil {
		return nil
	}
	switch fl.Value.Type() {
	case "int", "float64":
		return fmt.Errorf("%q is not a number", v)
	case "bool":
		return fmt.Errorf("%q is not true or false", v)
	}
	return errors.New(pflagSetPrefix.ReplaceAllString(err.Error(), ""))
}
