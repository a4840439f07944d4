package metrics

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Rule is one alert rule: a value per subject (instance, or "" for the
// observer) compared with a WARN and a CRIT threshold.
//
// Comparisons are strict, as the seed words them: with Above, a value is
// WARN when value > Warn (so Warn 0 means "any at all"); without Above, when
// value < Warn (delivery exactly 95 % is OK). A NaN or infinite Warn or Crit
// means the rule has no such level (self-received goes straight to CRIT).
type Rule struct {
	Name       string
	Warn, Crit float64
	Above      bool // higher is worse
	// Hold is how long the value must stay at a worse level before the
	// rule rises to it, and how long it must stay clear before it falls;
	// 0 is immediately.
	Hold time.Duration
	// ClearHold, when > 0, is used instead of Hold for falling. Event counts
	// and elapsed-time values rise at once (Hold 0) but still fall slowly.
	ClearHold time.Duration
	// Hysteresis is how far back inside a threshold (in the value's unit)
	// the value must be before it counts as clear of that level.
	Hysteresis float64
	Unit       string               // "%", "µs", "s" or "" (a count)
	Describe   func(float64) string // formats a value with its unit; nil: plain number and Unit
}

// Rules returns the alert rules for t, named "delivery" and "pair_delivery" (percent),
// "p99" (µs), "self_received", "collision" and "errors" (counts), "silent"
// and "redis_disconnected" (seconds), and "output_buffer" (percent of the
// pubsub output-buffer limit Redis enforces). Delivery and p99 hold for t.Hold both
// ways; the others rise at once and fall after t.Hold.
func (t Thresholds) Rules() []Rule {
	hold := t.Hold.Std()
	none := math.NaN()
	warnUs, critUs := durationUs(t.P99Warn.Std()), durationUs(t.P99Crit.Std())
	return append(t.builtinRules(hold, none, warnUs, critUs), t.subscriberRules(hold)...)
}

// subscriberRules are --expect-subscribers' rules: fewer than expected is
// WARN, none CRIT, both after Hold.
func (t Thresholds) subscriberRules(hold time.Duration) []Rule {
	var out []Rule
	rule := func(name string, n int) Rule {
		return Rule{Name: name, Warn: float64(n), Crit: 1, Hold: hold, Describe: describeCount}
	}
	if n := t.ExpectSubscribers.Total; n > 0 {
		out = append(out, rule("subscribers", n))
	}
	for _, c := range t.ExpectSubscribers.PerChannel {
		out = append(out, rule("subscribers:"+c.Channel, c.Min))
	}
	return out
}

func (t Thresholds) builtinRules(hold time.Duration, none, warnUs, critUs float64) []Rule {
	return []Rule{
		{Name: "delivery", Warn: float64(t.DeliveryWarn), Crit: float64(t.DeliveryCrit),
			Hold: hold, Hysteresis: 1, Unit: "%", Describe: FormatPercent},
		// One sender's events at one receiver, all channels together (the
		// delivery matrix, subject "from→to"), by the delivery thresholds.
		{Name: "pair_delivery", Warn: float64(t.DeliveryWarn), Crit: float64(t.DeliveryCrit),
			Hold: hold, Hysteresis: 1, Unit: "%", Describe: FormatPercent},
		{Name: "p99", Warn: warnUs, Crit: critUs, Above: true,
			Hold: hold, Hysteresis: warnUs / 10, Unit: "µs", Describe: FormatUs},
		{Name: "self_received", Warn: none, Crit: 0, Above: true, ClearHold: hold, Describe: describeCount},
		{Name: "collision", Warn: none, Crit: 0, Above: true, ClearHold: hold, Describe: describeCount},
		{Name: "errors", Warn: 0, Crit: none, Above: true, ClearHold: hold, Describe: describeCount},
		{Name: "silent", Warn: t.SilentWarn.Std().Seconds(), Crit: none, Above: true,
			ClearHold: hold, Unit: "s", Describe: describeSeconds},
		{Name: "redis_disconnected", Warn: 0, Crit: t.DisconnectedCrit.Std().Seconds(), Above: true,
			ClearHold: hold, Unit: "s", Describe: describeSeconds},
		// The observer's own loop or clock stalled (seconds): its view has a
		// hole, which is its own fault, not the instances'.
		{Name: "observer_stalled", Warn: 0, Crit: none, Above: true,
			ClearHold: hold, Unit: "s", Describe: describeSeconds},
		// A subscriber's Redis output buffer, in percent of the pubsub hard
		// limit: past half, Redis is about to disconnect it.
		{Name: "output_buffer", Warn: 50, Crit: 90, Above: true,
			ClearHold: hold, Hysteresis: 5, Unit: "%", Describe: FormatPercent},
	}
}

// Classify returns the level of v by the thresholds alone, without hold or
// hysteresis: what a one-shot verdict uses. NaN is OK (no data).
func (r Rule) Classify(v float64) Level {
	for l := Crit; l > OK; l-- {
		if r.worse(v, l) {
			return l
		}
	}
	return OK
}

// Condition describes when the rule is at level l, e.g. "< 95%", or "-"
// when it has no such level.
func (r Rule) Condition(l Level) string {
	th := r.threshold(l)
	if !Finite(th) {
		return "-"
	}
	return r.op() + " " + trimZeros(r.format(th))
}

// Format formats v with the rule's unit.
func (r Rule) Format(v float64) string { return r.format(v) }

func (r Rule) threshold(l Level) float64 {
	switch l {
	case Warn:
		return r.Warn
	case Crit:
		return r.Crit
	}
	return math.NaN()
}

// worse reports whether v is past level l's threshold.
func (r Rule) worse(v float64, l Level) bool {
	th := r.threshold(l)
	if !Finite(th) || math.IsNaN(v) {
		return false
	}
	if r.Above {
		return v > th
	}
	return v < th
}

// clear reports whether v is back inside level l's threshold by at least
// the hysteresis; a level the rule does not have is always clear.
func (r Rule) clear(v float64, l Level) bool {
	th := r.threshold(l)
	if !Finite(th) {
		return true
	}
	if r.Above {
		return v <= th-r.Hysteresis
	}
	return v >= th+r.Hysteresis
}

func (r Rule) op() string {
	if r.Above {
		return ">"
	}
	return "<"
}

func (r Rule) format(v float64) string {
	if r.Describe != nil {
		return r.Describe(v)
	}
	return strconv.FormatFloat(v, 'f', -1, 64) + r.Unit
}

func (r Rule) clearHold() time.Duration {
	if r.ClearHold > 0 {
		return r.ClearHold
	}
	return r.Hold
}

// Message is the human text of an alert at level l with value v.
func (r Rule) Message(l Level, v float64) string {
	if r.worse(v, l) {
		return fmt.Sprintf("%s %s %s", r.Name, trimZeros(r.format(v)), r.Condition(l))
	}
	// Held at l by hold or hysteresis although the value is already better.
	return fmt.Sprintf("%s %s, recovering (%s at %s)", r.Name, trimZeros(r.format(v)), l, r.Condition(l))
}

// Finite reports whether v is a number to show or compare: not NaN, not
// infinite (a threshold of NaN or ±Inf means the rule has no such level).
func Finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func durationUs(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// FormatUsShort formats microseconds with a unit and 2–3 significant digits, at
// most 6 cells: "412µs", "1.27ms", "12.7ms", "127ms", "3.4s".
func FormatUsShort(us float64) string {
	switch {
	case math.IsNaN(us) || math.IsInf(us, 0) || us < 0:
		return "-"
	case us == 0:
		return "0"
	case us < 9.95:
		return fmt.Sprintf("%.1fµs", us)
	case us < 999.5:
		return fmt.Sprintf("%.0fµs", us)
	case us < 9995:
		return fmt.Sprintf("%.2fms", us/1e3)
	case us < 99950:
		return fmt.Sprintf("%.1fms", us/1e3)
	case us < 999500:
		return fmt.Sprintf("%.0fms", us/1e3)
	case us < 9.95e6:
		return fmt.Sprintf("%.1fs", us/1e6)
	}
	return fmt.Sprintf("%.0fs", us/1e6)
}

// FormatUs formats a latency in microseconds with decimals and a unit that
// fits: "412.3µs", "1.27ms", "2.50s"; "n/a" for NaN.
func FormatUs(us float64) string {
	switch a := math.Abs(us); {
	case math.IsNaN(us):
		return "n/a"
	case a < 999.95: // what would print as "1000.0µs" prints as "1.00ms"
		return strconv.FormatFloat(us, 'f', 1, 64) + "µs"
	case a < 999_995:
		return strconv.FormatFloat(us/1e3, 'f', 2, 64) + "ms"
	default:
		return strconv.FormatFloat(us/1e6, 'f', 2, 64) + "s"
	}
}

// FormatPercent formats a percentage with two decimals: "99.50%".
func FormatPercent(p float64) string { return strconv.FormatFloat(p, 'f', 2, 64) + "%" }

func describeSeconds(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "s" }
func describeCount(v float64) string   { return strconv.FormatFloat(v, 'f', 0, 64) }

// trimZeros drops trailing zeros after the decimal point of a formatted
// number, keeping its unit: "100.00ms" → "100ms", "88.20%" → "88.2%".
func trimZeros(s string) string {
	end := strings.IndexFunc(s, func(c rune) bool { return (c < '0' || c > '9') && c != '.' && c != '-' })
	if end < 0 {
		end = len(s)
	}
	num, unit := s[:end], s[end:]
	if strings.Contains(num, ".") {
		num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
	}
	return num + unit
}
