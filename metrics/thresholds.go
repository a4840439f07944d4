package metrics

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Thresholds are the alert and verdict limits, with the seed's defaults.
// Self-received events and instance ID collisions are always CRIT and
// errors always WARN (any count above zero); they have no flags.
type Thresholds struct {
	DeliveryWarn Percent // delivery below this is WARN
	DeliveryCrit Percent // delivery below this is CRIT

	P99Warn Duration // p99 latency above this is WARN
	P99Crit Duration // p99 latency above this is CRIT

	// SilentWarn: an instance not heard from for longer is WARN (a zombie).
	SilentWarn Duration
	// DisconnectedCrit: the Redis subscription is WARN as soon as it is down
	// and CRIT once it has been down for longer than this.
	DisconnectedCrit Duration

	// Hold is how long a condition must persist before a level is raised,
	// and how long it must be clear before the level drops.
	Hold Duration
}

// DefaultThresholds returns the seed's limits: delivery <95 % WARN, <90 %
// CRIT; p99 >100ms WARN, >500ms CRIT; silent >10s WARN; Redis disconnected
// >30s CRIT; 3s hold.
func DefaultThresholds() Thresholds {
	return Thresholds{
		DeliveryWarn:     95,
		DeliveryCrit:     90,
		P99Warn:          Duration(100 * time.Millisecond),
		P99Crit:          Duration(500 * time.Millisecond),
		SilentWarn:       Duration(10 * time.Second),
		DisconnectedCrit: Duration(30 * time.Second),
		Hold:             Duration(3 * time.Second),
	}
}

// RegisterFlags registers --delivery-warn, --delivery-crit, --p99-warn,
// --p99-crit, --silent-warn, --disconnected-crit and --alert-hold on fs,
// with t's current values as defaults. Call Validate after parsing.
func (t *Thresholds) RegisterFlags(fs *flag.FlagSet) {
	fs.Var(&t.DeliveryWarn, "delivery-warn", "delivery `percent` below which an instance is WARN")
	fs.Var(&t.DeliveryCrit, "delivery-crit", "delivery `percent` below which an instance is CRIT")
	fs.Var(&t.P99Warn, "p99-warn", "p99 latency above which an instance is WARN")
	fs.Var(&t.P99Crit, "p99-crit", "p99 latency above which an instance is CRIT")
	fs.Var(&t.SilentWarn, "silent-warn", "WARN when an instance has not been heard from for longer than this")
	fs.Var(&t.DisconnectedCrit, "disconnected-crit", "CRIT when the Redis subscription has been down for longer than this (WARN at once)")
	fs.Var(&t.Hold, "alert-hold", "how long a condition must persist before an alert level rises or falls")
}

// Validate reports every inconsistent limit at once, naming the flags.
func (t Thresholds) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for _, p := range []struct {
		name string
		v    Percent
	}{{"--delivery-warn", t.DeliveryWarn}, {"--delivery-crit", t.DeliveryCrit}} {
		if err := p.v.check(); err != nil {
			bad("%s: %w", p.name, err)
		}
	}
	if t.DeliveryCrit >= t.DeliveryWarn {
		bad("--delivery-crit %s must be below --delivery-warn %s: delivery is worse when lower, and CRIT must be the stricter level",
			t.DeliveryCrit, t.DeliveryWarn)
	}
	for _, d := range []struct {
		name string
		v    Duration
	}{{"--p99-warn", t.P99Warn}, {"--p99-crit", t.P99Crit}, {"--silent-warn", t.SilentWarn}, {"--disconnected-crit", t.DisconnectedCrit}} {
		if d.v <= 0 {
			bad("%s must be positive, got %s", d.name, d.v)
		}
	}
	if t.P99Crit <= t.P99Warn {
		bad("--p99-crit %s must be above --p99-warn %s: latency is worse when higher, and CRIT must be the stricter level",
			t.P99Crit, t.P99Warn)
	}
	if t.Hold < 0 {
		bad("--alert-hold must not be negative, got %s", t.Hold)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("metrics: invalid thresholds: %w", errors.Join(errs...))
}

// Percent is a percentage in 0..100, usable as a flag.Value: "95", "99.5"
// and "95%" all parse.
type Percent float64

// String formats p without trailing zeros, e.g. "95" or "99.5".
func (p Percent) String() string {
	return strconv.FormatFloat(float64(p), 'f', -1, 64)
}

// Set parses a percentage for the flag package.
func (p *Percent) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil {
		return fmt.Errorf("want a percentage like 95 or 99.5, got %q", s)
	}
	if err := Percent(v).check(); err != nil {
		return err
	}
	*p = Percent(v)
	return nil
}

func (p Percent) check() error {
	if math.IsNaN(float64(p)) || p < 0 || p > 100 {
		return fmt.Errorf("want a percentage between 0 and 100, got %s", p)
	}
	return nil
}

// Duration is a time.Duration usable as a flag.Value and as JSON/text
// ("100ms"): it rejects negative values and bare numbers without a unit.
type Duration time.Duration

// String formats d as time.Duration does, e.g. "100ms".
func (d Duration) String() string { return time.Duration(d).String() }

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Set parses a duration for the flag package.
func (d *Duration) Set(s string) error {
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("want a duration like 100ms, got %q", s)
	}
	if v < 0 {
		return fmt.Errorf("want a duration of zero or more, got %q", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes d as "100ms".
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses d as Set does.
func (d *Duration) UnmarshalText(b []byte) error { return d.Set(string(b)) }
