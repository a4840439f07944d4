package cli

import (
	"errors"
	"strings"

	"github.com/spf13/pflag"

	"github.com/bridgescope/bridgescope/metrics"
)

// thresholdFlags names the flag of each metrics.Thresholds field.
var thresholdFlags = map[string]string{
	"DeliveryWarn": "--delivery-warn", "DeliveryCrit": "--delivery-crit",
	"P99Warn": "--p99-warn", "P99Crit": "--p99-crit",
	"SilentWarn": "--silent-warn", "DisconnectedCrit": "--disconnected-crit", "Hold": "--alert-hold",
}

// registerThresholds registers --delivery-warn, --delivery-crit,
// --p99-warn, --p99-crit, --silent-warn, --disconnected-crit and
// --alert-hold on fs, with t's current values as defaults. Call
// checkThresholds after parsing.
func registerThresholds(fs *pflag.FlagSet, t *metrics.Thresholds) {
	fs.Var(typed(&t.DeliveryWarn, "percent"), "delivery-warn", "delivery `percent` below which an instance is WARN")
	fs.Var(typed(&t.DeliveryCrit, "percent"), "delivery-crit", "delivery `percent` below which an instance is CRIT")
	fs.Var(typed(&t.P99Warn, "duration"), "p99-warn", "p99 latency above which an instance is WARN")
	fs.Var(typed(&t.P99Crit, "duration"), "p99-crit", "p99 latency above which an instance is CRIT")
	fs.Var(typed(&t.SilentWarn, "duration"), "silent-warn", "WARN when an instance has not been heard from for longer than this")
	fs.Var(typed(&t.DisconnectedCrit, "duration"), "disconnected-crit", "CRIT when the Redis subscription has been down for longer than this (WARN at once)")
	fs.Var(typed(&t.Hold, "duration"), "alert-hold", "how long a condition must persist before an alert level rises or falls")
}

// checkThresholds validates t and names the flags in what is wrong.
func checkThresholds(t metrics.Thresholds) error {
	err := t.Validate()
	if err == nil {
		return nil
	}
	var msgs []string
	for _, e := range unjoin(err) {
		var le *metrics.LimitError
		if errors.As(e, &le) {
			msgs = append(msgs, le.Format(func(f string) string { return thresholdFlags[f] }))
		} else {
			msgs = append(msgs, e.Error())
		}
	}
	return errors.New("invalid thresholds: " + strings.Join(msgs, "; "))
}

// unjoin returns the errors errors.Join put together, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
