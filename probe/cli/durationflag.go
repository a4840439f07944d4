package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// durationValue is a time.Duration flag whose errors say what to type: a
// bare number is the common slip ("--duration 5"), and Go's flag package
// says only "parse error".
type durationValue struct{ d *time.Duration }

func (v durationValue) String() string {
	if v.d == nil {
		return "0s"
	}
	return v.d.String()
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err == nil {
		*v.d = d
		return nil
	}
	if _, nerr := strconv.ParseFloat(strings.TrimSpace(s), 64); nerr == nil {
		return fmt.Errorf("%s needs a unit, e.g. %ss or %sms", s, strings.TrimSpace(s), strings.TrimSpace(s))
	}
	return fmt.Errorf("want a duration like 10s, 500ms or 2m, got %q", s)
}

// durationVar is flag.DurationVar with durationValue's errors.
func durationVar(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(durationValue{p}, name, usage)
}

// Type is the word --help shows for the flag's argument.
func (v durationValue) Type() string { return "duration" }
