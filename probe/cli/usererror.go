package cli

import (
	"errors"
	"regexp"
	"strings"

	"github.com/bridgescope/bridgescope/bridge"
)

// userError is the one line a person reads for err (bridge.Explain), and
// for a bad URL which flag or variable it came from. Every subcommand
// prints its errors through it, so one cause reads the same everywhere.
func userError(err error) string {
	var ue *bridge.URLError
	if errors.As(err, &ue) {
		return redisSource(err.Error()) + ": " + ue.Error()
	}
	return bridge.Explain(err)
}

// contextSource matches a config file context named as a source.
var contextSource = regexp.MustCompile(`\S+: context "[^"]*"`)

// redisSource names where the URL in msg came from: --redis unless msg
// says its variable or its context.
func redisSource(msg string) string {
	if m := contextSource.FindString(msg); m != "" {
		return m + ": redis"
	}
	for _, v := range []string{envName("redis"), "REDIS_URL"} {
		if strings.Contains(msg, v+": ") {
			return v
		}
	}
	return "--redis"
}
