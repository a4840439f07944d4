package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/bridgescope/bridgescope/bridge"
)

// transportFlag is --transport, shared by agent, validate, watch and demo: pubsub (the
// default) or streams. It parses in one place, so a bad value fails at flag parsing.
type transportFlag struct{ name string }

func (f *transportFlag) register(fs *pflag.FlagSet) {
	fs.Var(typed(f, "transport"), "transport", "`pubsub` (PUBLISH/SUBSCRIBE, at-most-once) or streams (XADD MAXLEN ~ and\n"+
		"XREAD BLOCK from the last ID read: at-least-once across reconnects; no patterns)")
}

// String is the transport's name; pubsub when unset.
func (f *transportFlag) String() string {
	if f == nil || f.name == "" {
		return bridge.TransportPubSub
	}
	return f.name
}

// Set accepts one of bridge.Transports().
func (f *transportFlag) Set(s string) error {
	s = strings.ToLower(strings.TrimSpace(s))
	if !slices.Contains(bridge.Transports(), s) {
		return fmt.Errorf("want one of %s", strings.Join(bridge.Transports(), ", "))
	}
	f.name = s
	return nil
}
