package report

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
)

// The check's statuses and exit codes, as Nagios, Icinga and Sensu read a
// plugin's: a monitoring system pages on CRITICAL, so a check that could
// not look (Redis unreachable, a bad flag, the observer blind) says
// UNKNOWN, never CRITICAL.
const (
	CheckOK       = 0
	CheckWarning  = 1
	CheckCritical = 2
	CheckUnknown  = 3
)

// checkStatus names the codes as the plugin guidelines spell them.
var checkStatus = [...]string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}

// MaxCheckReasons caps the findings a check lists: the status line names
// the first, and a monitoring system shows a dozen lines at most; the count
// of the rest is said.
const MaxCheckReasons = 20

// CheckExpect is what a check was told to expect: at least Count
// cooperating instances, and each of IDs.
type CheckExpect struct {
	Count int      `json:"count"`
	IDs   []string `json:"ids"`
}

// CheckReport is the verdict of one check run and what it rests on. The
// Nagios, text, JSON and Prometheus outputs all render this one value.
type CheckReport struct {
	Status  string   `json:"status"`  // "OK", "WARNING", "CRITICAL", "UNKNOWN"
	Code    int      `json:"code"`    // the exit code: 0, 1, 2, 3
	Summary string   `json:"summary"` // the status line's text
	Reasons []string `json:"reasons"` // what is worse than OK, worst first; never null

	At         time.Time `json:"at"`
	DurationMs int64     `json:"durationMs"`
	Redis      string    `json:"redis,omitempty"` // redacted
	Observer   string    `json:"observer,omitempty"`
	Channels   []string  `json:"channels"`

	Expect CheckExpect `json:"expect"`
	// Missing are the expected instances that did not answer: the IDs
	// named, or "2 of 3" when only a count was expected.
	Missing   []string        `json:"missing"`
	Instances []CheckInstance `json:"instances"`
	Alerts    []metrics.Alert `json:"alerts"`
	Blind     string          `json:"blind,omitempty"`

	Thresholds metrics.Thresholds `json:"thresholds"`
	// Perf is the performance data: the worst instance's figures, then
	// each instance's when asked (--per-instance).
	Perf []Perf `json:"perfdata"`
}

// CheckInstance is one cooperating instance as the check saw it, with the
// figures its rules judged (the last 10 s, which covers a short run).
type CheckInstance struct {
	ID       string        `json:"id"`
	Role     string        `json:"role"`
	State    metrics.Level `json:"state"`
	Answered bool          `json:"answered"` // acked at least one probe
	Delivery float64       `json:"delivery"` // percent, last 10 s; null without a resolved probe
	P99Us    float64       `json:"p99Us"`    // round trip, last 10 s; null without an ack
	Probes   int64         `json:"probes"`   // probes resolved for it: acked or lost
	Lost     int64         `json:"lost"`
	Left     bool          `json:"left"`
}

// MarshalJSON writes figures without data as null.
func (c CheckInstance) MarshalJSON() ([]byte, error) {
	type plain CheckInstance
	return json.Marshal(struct {
		plain
		Delivery *float64 `json:"delivery"`
		P99Us    *float64 `json:"p99Us"`
	}{plain(c), finiteOrNil(c.Delivery), finiteOrNil(c.P99Us)})
}

func finiteOrNil(v float64) *float64 {
	if !metrics.Finite(v) {
		return nil
	}
	return &v
}

// CheckUnknownReport is the report of a check that could not look: why
// is its one reason. base carries what the check was asked (Redis,
// Channels, Expect, Thresholds), as far as it was understood.
func CheckUnknownReport(base CheckReport, at time.Time, took time.Duration, why string) CheckReport {
	r := CheckReport{At: at, DurationMs: took.Milliseconds(), Redis: base.Redis, Observer: base.Observer,
		Channels: append([]string{}, base.Channels...), Expect: base.Expect, Missing: []string{},
		Instances: []CheckInstance{}, Alerts: []metrics.Alert{}, Thresholds: base.Thresholds, Perf: []Perf{}}
	r.Expect.IDs = append([]string{}, r.Expect.IDs...)
	r.settle(CheckUnknown, []string{message(why)})
	return r
}

// BuildCheckReport judges a check run by its final snapshot: the worst
// level the alert engine gave an alert or an instance, CRITICAL for an
// expected instance that did not answer, WARNING when none answered and
// none was expected, UNKNOWN while the observer was blind. It applies no
// threshold of its own.
func BuildCheckReport(s metrics.Snapshot, exp CheckExpect, took time.Duration, perInstance bool) CheckReport {
	r := CheckReport{At: s.At, DurationMs: took.Milliseconds(), Redis: s.Redis, Observer: s.Observer,
		Channels: append([]string{}, s.Channels...), Expect: exp, Missing: []string{},
		Instances: []CheckInstance{}, Alerts: append([]metrics.Alert{}, s.Alerts...), Blind: s.Blind,
		Thresholds: s.Thresholds}
	r.Expect.IDs = append([]string{}, r.Expect.IDs...)
	answered := map[string]bool{}
	for _, in := range s.Instances {
		if in.Passive {
			continue // a subscriber that does not cooperate has nothing to answer; its alerts still count
		}
		ci := CheckInstance{ID: in.ID, Role: in.Role, State: in.State, Answered: in.RTT.Count > 0,
			Delivery: in.Delivery10s, P99Us: math.NaN(), Probes: in.ProbesSent, Lost: in.Lost, Left: in.Left}
		if in.RTT10s.Count > 0 {
			ci.P99Us = in.RTT10s.P99
		}
		answered[in.ID] = answered[in.ID] || ci.Answered
		r.Instances = append(r.Instances, ci)
	}
	code, reasons := r.judge(s, answered)
	r.Perf = checkPerf(r, perInstance)
	r.settle(code, reasons)
	return r
}

// judge returns the code and the findings behind it, worst first.
func (r *CheckReport) judge(s metrics.Snapshot, answered map[string]bool) (int, []string) {
	if s.Blind != "" {
		return CheckUnknown, []string{BlindText(s.Blind)}
	}
	var crit, warn []string
	for _, a := range s.Alerts { // worst first already
		who := clean(a.Rule)
		if a.Instance != "" {
			who = clean(a.Instance) + ": " + message(a.Message)
		} else if m := message(a.Message); m != "" {
			who = "observer: " + m
		}
		switch {
		case a.Level >= metrics.Crit:
			crit = append(crit, who)
		case a.Level == metrics.Warn:
			warn = append(warn, who)
		}
	}
	for _, id := range r.Expect.IDs {
		if !answered[id] {
			r.Missing = append(r.Missing, id)
			crit = append(crit, "expected instance "+clean(id)+" did not answer")
		}
	}
	n := 0
	for _, ok := range answered {
		if ok {
			n++
		}
	}
	if n < r.Expect.Count {
		r.Missing = append(r.Missing, fmt.Sprintf("%d of %d", n, r.Expect.Count))
		crit = append(crit, fmt.Sprintf("%d of %d expected instances answered", n, r.Expect.Count))
	}
	if n == 0 && r.Expect.Count == 0 && len(r.Expect.IDs) == 0 {
		warn = append(warn, "no cooperating instance answered on "+OrDash(clean(strings.Join(s.Channels, ", "))))
	}
	for _, in := range r.Instances { // an instance's own level, should no alert name it
		named := hasPrefix(clean(in.ID) + ": ")
		switch {
		case in.State >= metrics.Crit && !slices.ContainsFunc(crit, named):
			crit = append(crit, clean(in.ID)+": "+levelName(in.State))
		case in.State == metrics.Warn && !slices.ContainsFunc(warn, named):
			warn = append(warn, clean(in.ID)+": WARN")
		}
	}
	switch {
	case len(crit) > 0:
		return CheckCritical, append(crit, warn...)
	case len(warn) > 0:
		return CheckWarning, warn
	}
	return CheckOK, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func hasPrefix(p string) func(string) bool {
	return func(s string) bool { return strings.HasPrefix(s, p) }
}

// settle sets the status, the reasons (capped) and the summary line.
func (r *CheckReport) settle(code int, reasons []string) {
	r.Code, r.Status = code, checkStatus[code]
	if len(reasons) > MaxCheckReasons {
		more := len(reasons) - MaxCheckReasons + 1
		reasons = append(reasons[:MaxCheckReasons-1:MaxCheckReasons-1], fmt.Sprintf("and %d more", more))
	}
	r.Reasons = append([]string{}, reasons...)
	var b strings.Builder
	answered := 0
	for _, in := range r.Instances {
		if in.Answered {
			answered++
		}
	}
	if code != CheckUnknown || len(r.Instances) > 0 {
		fmt.Fprintf(&b, "%d %s answered", answered, plural(answered, "instance", "instances"))
		if len(r.Reasons) > 0 {
			b.WriteString("; ")
		}
	}
	if len(r.Reasons) > 0 {
		b.WriteString(r.Reasons[0])
		if len(r.Reasons) > 1 {
			fmt.Fprintf(&b, " (+%d more)", len(r.Reasons)-1)
		}
	}
	r.Summary = b.String()
}
