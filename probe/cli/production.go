package cli

import (
	"fmt"

	"github.com/spf13/pflag"
)

// registerYes adds --yes to a subcommand that loads Redis (validate, bench).
func registerYes(fs *pflag.FlagSet, p *bool) {
	fs.BoolVar(p, "yes", false, "run even when the context is marked production: true")
}

// refuseProduction stops a subcommand that puts its own load on Redis when
// the context is marked production and --yes was not given.
func refuseProduction(env *Env, cmd string, yes bool) error {
	s := env.settings
	if s == nil || !s.production || yes {
		return nil
	}
	return fmt.Errorf("%s: context %q is marked production: true, and %s publishes its own events on that Redis: "+
		"add --yes to run it there anyway", cmd, s.context, cmd)
}
