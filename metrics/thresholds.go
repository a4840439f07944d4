package metrics

import (
	"errors"
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
	DeliveryWarn Percent `json:"deliveryWarn"` // delivery below this is WARN
	DeliveryCrit Percent `json:"deliveryCrit"` // delivery below this is CRIT

	P99Warn Duration `json:"p99Warn"` // p99 latency above this is WARN
	P99Crit Duration `json:"p99Crit"` // p99 latency above this is CRIT

	// SilentWarn: an instance not heard from for longer is WARN (a zombie).
	SilentWarn Duration `json:"silentWarn"`
	// DisconnectedCrit: the Redis subscription is WARN as soon as it is down
	// and CRIT once it has been down for longer than this.
	DisconnectedCrit Duration `json:"disconnectedCrit"`

	// Hold is how long a condition must persist before a level is raised,
	// and how long it must be clear before the level drops.
	Hold Duration `json:"hold"`

	// ExpectSubscribers, when set, raises WARN while fewer are subscribed
	// than expected for longer than Hold, CRIT at none (rules "subscribers"
	// and "subscribers:<channel>"). Default: nothing expected.
	ExpectSubscribers SubscriberExpectation `json:"expectSubscribers"`
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

// LimitError is one inconsistent limit. Field is the Thresholds field it
// is about ("P99Warn") and Other the field it is compared with, if any, so
// that a command line can name its own flags for them (Format); Error names
// the values ("p99 warn").
type LimitError struct {
	Field, Other string
	// msg has %[1]s for the field's name and %[2]s for the other's.
	msg string
}

func (e *LimitError) Error() string { return e.Format(limitName) }

// Format writes the error naming each field with name(field).
func (e *LimitError) Format(name func(field string) string) string {
	return fmt.Sprintf(e.msg, name(e.Field), name(e.Other))
}

// limitName is a field's name as the values read: "P99Warn" → "p99 warn".
func limitName(field string) string {
	return map[string]string{
		"DeliveryWarn": "delivery warn", "DeliveryCrit": "delivery crit", "P99Warn": "p99 warn", "P99Crit": "p99 crit",
		"SilentWarn": "silent warn", "DisconnectedCrit": "disconnected crit", "Hold": "alert hold",
	}[field]
}

// Validate reports every inconsistent limit at once, each a *LimitError.
func (t Thresholds) Validate() error {
	var errs []error
	bad := func(field, other, format string, a ...any) {
		errs = append(errs, &LimitError{Field: field, Other: other, msg: "%[1]s " + fmt.Sprintf(format, a...)})
	}
	for _, p := range []struct {
		field string
		v     Percent
	}{{"DeliveryWarn", t.DeliveryWarn}, {"DeliveryCrit", t.DeliveryCrit}} {
		if err := p.v.check(); err != nil {
			bad(p.field, "", "%s", err.Error())
		}
	}
	if t.DeliveryCrit >= t.DeliveryWarn {
		bad("DeliveryCrit", "DeliveryWarn", "%s must be below %%[2]s %s: delivery is worse when lower, and CRIT must be the stricter level",
			t.DeliveryCrit, t.DeliveryWarn)
	}
	for _, d := range []struct {
		field string
		v     Duration
	}{{"P99Warn", t.P99Warn}, {"P99Crit", t.P99Crit}, {"SilentWarn", t.SilentWarn}, {"DisconnectedCrit", t.DisconnectedCrit}} {
		if d.v <= 0 {
			bad(d.field, "", "must be positive, got %s", d.v)
		}
	}
	if t.P99Crit <= t.P99Warn {
		bad("P99Crit", "P99Warn", "%s must be above %%[2]s %s: latency is worse when higher, and CRIT must be the stricter level",
			t.P99Crit, t.P99Warn)
	}
	if t.Hold < 0 {
		bad("Hold", "", "must not be negative, got %s", t.Hold)
	}
	return errors.Join(errs...)
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
