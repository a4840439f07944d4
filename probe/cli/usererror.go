package cli

import (
	"errors"
	"regexp"
	"strings"

	"github.com/bridgescope/bridgescope/bridge"
)

// userError is the one line a person reads for err: for a failure to use
// Redis, what to do and what Redis said, without the chain of packages it
// passed through ("validate: harness: instance 0: bridge: connection: …");
// otherwise err as it is. Every subcommand prints its errors through it, so
// one cause reads the same everywhere.
func userError(err error) string {
	var he *bridge.HintError
	if errors.As(err, &he) {
		where := "Redis"
		if he.Addr != "" {
			where = "Redis at " + he.Addr
		}
		return "cannot use " + where + ": " + he.Hint + " (" + innerCause(he.Cause()) + ")"
	}
	var ue *bridge.URLError
	if errors.As(err, &ue) {
		return redisSource(err.Error()) + ": " + ue.Error()
	}
	return err.Error()
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

// innerCause keeps the last part of a wrapped cause: what the server or the
// network said ("WRONGPASS invalid username-password pair …").
func innerCause(s string) string {
	for _, p := range []string{"failed to authenticate: ", "bridge: "} {
		if i := strings.LastIndex(s, p); i >= 0 {
			s = s[i+len(p):]
		}
	}
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.Count(s, ": ") > 1 {
		s = s[i+2:]
	}
	return s
}
