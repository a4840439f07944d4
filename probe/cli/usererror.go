package cli

import (
	"errors"
	"strings"

	"github.com/bridgescope/bridgescope/bridge"
)

// userError is the one line a person reads for err (bridge.Explain), and
// for a bad URL which flag or variable it came from. Every subcommand
// prints its errors through it, so one cause reads the same everywhere.
func userError(err error) string {
	var ue *bridge.URLError
	if errors.As(err, &ue) {
		src := "--redis"
		if strings.Contains(err.Error(), "REDIS_URL: ") {
			src = "REDIS_URL"
		}
		return src + ": " + ue.Error()
	}
	return bridge.Explain(err)
}
