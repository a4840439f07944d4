package report

import (
	"github.com/bridgescope/bridgescope/metrics"

	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ValidateInput holds the raw counts of one multi-instance validation run,
// as the harness collected them. Per-instance slices are indexed by instance
// number, as Instances is; missing entries count as zero.
type ValidateInput struct {
	Redis string // redacted URL
	// Transport is the bridge's transport as configured ("pubsub",
	// "streams"); TLS and Proxy say how the run reached Redis.
	Transport  string
	TLS, Proxy bool
	Instances  []string // instance IDs; index = instance number
	Duration   time.Duration
	Drain      time.Duration
	Rate       float64 // publishes per second, all instances together
	SharedID   bool    // instances deliberately share one ID

	Published []int64   // per instance: successful publishes
	Matrix    [][]int64 // Matrix[sender][receiver]: distinct events receiver got by the cut-off
	// Failed is per instance: publishes that failed (Redis acknowledged none).
	// Every attempt, published or failed, is an event the others should get:
	// a failed publish is an event nobody received, unless it arrived anyway
	// (a timed-out PUBLISH that Redis executed).
	Failed []int64
	// InFlight is per receiving instance: distinct events that arrived after
	// the cut-off (the end of the drain), within the harness's grace. They are
	// neither received (Matrix) nor lost.
	InFlight []int64
	// Outages are the windows of failing publishes, in order (see Outage).
	Outages []Outage

	// Per receiving instance.
	Duplicates, SelfReceived, Collisions, Errors, Malformed []int64

	Latency      *metrics.Histogram // every one-way delivery, on one process clock
	CollisionIDs []string           // instance IDs seen with more than one boot

	// Baseline holds the raw-Redis lane's latencies, timed the same way
	// beside the run (validate --baseline); nil when there was none.
	Baseline *metrics.Histogram
}

// ValidateReport is the verdict of a validation run and everything it was
// decided on. The text, Markdown and JSON reporters all render this one
// value.
type ValidateReport struct {
	Redis      string   `json:"redis"`
	Transport  string   `json:"transport"` // "pubsub" or "streams", as every JSON spells it
	TLS        bool     `json:"tls"`
	Proxy      bool     `json:"throughProxy,omitempty"` // validate --fault proxy-blackhole
	Instances  []string `json:"instances"`
	DurationMs int64    `json:"durationMs"`
	DrainMs    int64    `json:"drainMs"`
	Rate       float64  `json:"rate"`
	SharedID   bool     `json:"sharedId"`

	// Intended is what the schedule asked for, round(duration × rate);
	// Attempted what was tried, Published + PublishFailed; AchievedRate is
	// Attempted per second of the run (see the "rate" check).
	Intended      int64    `json:"intended"`
	Attempted     int64    `json:"attempted"`
	Published     int64    `json:"published"`
	PublishFailed int64    `json:"publishFailed"`
	AchievedRate  float64  `json:"achievedRate"`
	Outages       []Outage `json:"outages"`

	Expected     int64   `json:"expected"`     // Σ attempted × (N−1)
	Received     int64   `json:"received"`     // distinct events from other instances, by the cut-off
	InFlight     int64   `json:"inFlight"`     // arrived after the cut-off: neither received nor lost
	DeliveryRate float64 `json:"deliveryRate"` // received / expected
	Lost         int64   `json:"lost"`         // expected − received − in flight: never arrived
	Duplicates   int64   `json:"duplicates"`
	SelfReceived int64   `json:"selfReceived"`
	Collisions   int64   `json:"collisions"`
	Errors       int64   `json:"errors"`
	Malformed    int64   `json:"malformed"`

	LatencyUs metrics.Percentiles `json:"latencyUs"`
	Clamped   int64               `json:"clampedLatencies"` // samples outside 1µs..60s
	// BaselineUs is raw Redis's latency in the same run (--baseline):
	// Redis being slow and our path being slow are told apart.
	BaselineUs *metrics.Percentiles `json:"baselineUs,omitempty"`

	PerInstance []InstanceResult `json:"perInstance"`
	Checks      []Check          `json:"checks"`

	// Faults are the faults injected into the run (validate --fault), and
	// FaultLoss splits its loss into inside and outside their windows; see
	// BuildFaultReport. Absent without faults.
	Faults    []FaultResult `json:"faults,omitempty"`
	FaultLoss *FaultLoss    `json:"faultLoss,omitempty"`

	Level    metrics.Level `json:"level"`    // worst check level
	Status   string        `json:"status"`   // "PASS" or "FAIL"
	Reasons  []string      `json:"reasons"`  // why it failed (CRIT findings)
	Warnings []string      `json:"warnings"` // WARN findings, which do not fail a run
	Notes    []string      `json:"notes"`    // inconsistencies in the input itself
}

// InstanceResult is one instance's part of a validation run.
type InstanceResult struct {
	Index         int              `json:"index"`
	ID            string           `json:"id"`
	Attempted     int64            `json:"attempted"`
	Published     int64            `json:"published"`
	PublishFailed int64            `json:"publishFailed"`
	Expected      int64            `json:"expected"` // what the others attempted
	Received      int64            `json:"received"`
	InFlight      int64            `json:"inFlight"`
	Lost          int64            `json:"lost"`
	ReceivedFrom  map[string]int64 `json:"receivedFrom"` // by sender label
	FromCounts    []int64          `json:"-"`            // by sender index, self excluded
	Duplicates    int64            `json:"duplicates"`
	SelfReceived  int64            `json:"selfReceived"`
	Collisions    int64            `json:"collisions"`
	Errors        int64            `json:"errors"`
	Malformed     int64            `json:"malformed"`
}

// Check is one row of the threshold table.
type Check struct {
	Name    string        `json:"name"`
	Value   float64       `json:"value"`
	Display string        `json:"display"` // Value with its unit, e.g. "4.02ms"
	Warn    string        `json:"warn"`    // e.g. "< 95%", "-" for none
	Crit    string        `json:"crit"`
	Level   metrics.Level `json:"level"`
	Message string        `json:"message,omitempty"` // why, when metrics.Level > metrics.OK
}

// BuildValidateReport computes the derived figures and the verdict of a run:
// any CRIT check fails it; WARN checks alone pass it with warnings.
func BuildValidateReport(in ValidateInput, th metrics.Thresholds) ValidateReport {
	n := len(in.Instances)
	r := ValidateReport{
		Redis: in.Redis, Transport: in.Transport, TLS: in.TLS, Proxy: in.Proxy, Instances: append([]string{}, in.Instances...),
		DurationMs: in.Duration.Milliseconds(), DrainMs: in.Drain.Milliseconds(),
		Rate: in.Rate, SharedID: in.SharedID,
		Reasons: []string{}, Warnings: []string{}, Notes: inputNotes(in),
	}
	labels := senderLabels(in.Instances)
	for i := 0; i < n; i++ {
		ir := instanceResult(in, i, labels)
		r.PerInstance = append(r.PerInstance, ir)
		r.Attempted += ir.Attempted
		r.Published += ir.Published
		r.PublishFailed += ir.PublishFailed
		r.Expected += ir.Expected
		r.Received += ir.Received
		r.InFlight += ir.InFlight
		r.Duplicates += ir.Duplicates
		r.SelfReceived += ir.SelfReceived
		r.Collisions += ir.Collisions
		r.Errors += ir.Errors
		r.Malformed += ir.Malformed
	}
	if r.PerInstance == nil {
		r.PerInstance = []InstanceResult{}
	}
	r.Lost = max(r.Expected-r.Received-r.InFlight, 0)
	r.fillAttempts(in)
	if r.Expected > 0 {
		r.DeliveryRate = 100 * float64(r.Received) / float64(r.Expected)
	}
	if in.Latency != nil {
		r.LatencyUs = in.Latency.Summary()
		r.Clamped = in.Latency.Clamped()
	}
	if in.Baseline != nil {
		b := in.Baseline.Summary()
		r.BaselineUs = &b
	}
	r.Checks = validateChecks(&r, in, th)
	r.verdict()
	return r
}

func instanceResult(in ValidateInput, i int, labels []string) InstanceResult {
	ir := InstanceResult{
		Index: i, ID: in.Instances[i], Published: at(in.Published, i), PublishFailed: at(in.Failed, i),
		InFlight:     at(in.InFlight, i),
		ReceivedFrom: map[string]int64{}, FromCounts: []int64{},
		Duplicates: at(in.Duplicates, i), SelfReceived: at(in.SelfReceived, i),
		Collisions: at(in.Collisions, i), Errors: at(in.Errors, i), Malformed: at(in.Malformed, i),
	}
	for s := range in.Instances {
		if s == i {
			continue // self-deliveries are counted by SelfReceived, not as received
		}
		got := cell(in.Matrix, s, i)
		ir.Expected += at(in.Published, s) + at(in.Failed, s)
		ir.Received += got
		ir.ReceivedFrom[labels[s]] = got
		ir.FromCounts = append(ir.FromCounts, got)
	}
	ir.Attempted = ir.Published + ir.PublishFailed
	ir.Lost = max(ir.Expected-ir.Received-ir.InFlight, 0)
	return ir
}

// validateChecks classifies the run with the same rules the alert engine
// uses, so a report and the dashboard agree on what is WARN and CRIT.
func validateChecks(r *ValidateReport, in ValidateInput, th metrics.Thresholds) []Check {
	rules := map[string]metrics.Rule{}
	for _, rule := range th.Rules() {
		rules[rule.Name] = rule
	}
	row := func(name string, v float64) Check {
		rule := rules[name]
		c := Check{Name: name, Value: v, Display: rule.Format(v),
			Warn: rule.Condition(metrics.Warn), Crit: rule.Condition(metrics.Crit), Level: rule.Classify(v)}
		if c.Level > metrics.OK {
			c.Message = rule.Message(c.Level, v)
		}
		return c
	}
	delivery := row("delivery", r.DeliveryRate)
	if r.Expected == 0 {
		delivery.Level, delivery.Display, delivery.Message = metrics.Crit, "n/a", nothingPublished(r)
	}
	if note := failedNote(r); note != "" && delivery.Level > metrics.OK {
		delivery.Message += "; " + note
	}
	p99 := row("p99", r.LatencyUs.P99)
	if r.LatencyUs.Count == 0 {
		p99.Level, p99.Display, p99.Message = metrics.Warn, "n/a", "no latency samples were recorded"
	}
	collision := row("collision", float64(r.Collisions))
	if msg := collisionMessage(in); msg != "" {
		// Counted or not by the receivers, a shared ID fails the run.
		collision.Level, collision.Message = metrics.Crit, msg
	}
	return []Check{
		delivery, p99,
		row("self_received", float64(r.SelfReceived)),
		collision,
		row("errors", float64(r.Errors)),
		rateCheck(r),
	}
}

func (r *ValidateReport) verdict() {
	for _, c := range r.Checks {
		r.Level = max(r.Level, c.Level)
		switch c.Level {
		case metrics.Crit:
			r.Reasons = append(r.Reasons, c.Message)
		case metrics.Warn:
			r.Warnings = append(r.Warnings, c.Message)
		}
	}
	r.Status = "PASS"
	if r.Level == metrics.Crit {
		r.Status = "FAIL"
	}
}

func nothingPublished(r *ValidateReport) string {
	switch {
	case r.Attempted == 0:
		return "nothing was published"
	case r.Published == 0:
		return fmt.Sprintf("nothing was published: all %d publishes failed", r.Attempted)
	}
	return fmt.Sprintf("nothing was published to another instance: %d instance(s), need at least 2", len(r.Instances))
}

// collisionMessage names each shared instance ID and how many of this run's
// processes used it: the IDs the harness saw with several boots, and any ID
// given to more than one instance.
func collisionMessage(in ValidateInput) string {
	users := map[string]int{}
	for _, id := range in.Instances {
		users[id]++
	}
	ids := slices.Clone(in.CollisionIDs)
	for _, id := range in.Instances {
		if users[id] > 1 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var parts []string
	for _, id := range slices.Compact(ids) {
		if users[id] > 1 {
			parts = append(parts, fmt.Sprintf("instance ID collision: %q used by %d processes", id, users[id]))
		} else {
			parts = append(parts, fmt.Sprintf("instance ID collision: %q seen with more than one boot", id))
		}
	}
	return strings.Join(parts, "; ")
}

// senderLabels are the keys of ReceivedFrom: the instance ID, or "ID#i"
// when several instances share it, so no count overwrites another.
func senderLabels(ids []string) []string {
	seen := map[string]int{}
	for _, id := range ids {
		seen[id]++
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		if seen[id] > 1 {
			out[i] = id + "#" + strconv.Itoa(i)
		}
	}
	return out
}

// inputNotes lists per-instance slices whose length does not match the
// instance count: the harness and the report would disagree silently.
func inputNotes(in ValidateInput) []string {
	notes := []string{}
	n := len(in.Instances)
	for _, f := range []struct {
		name string
		l    int
	}{{"Published", len(in.Published)}, {"Failed", len(in.Failed)}, {"InFlight", len(in.InFlight)},
		{"Matrix", len(in.Matrix)}, {"Duplicates", len(in.Duplicates)},
		{"SelfReceived", len(in.SelfReceived)}, {"Collisions", len(in.Collisions)},
		{"Errors", len(in.Errors)}, {"Malformed", len(in.Malformed)}} {
		if f.l != 0 && f.l != n {
			notes = append(notes, fmt.Sprintf("input: %s has %d entries for %d instances", f.name, f.l, n))
		}
	}
	return notes
}

func at(s []int64, i int) int64 {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func cell(m [][]int64, s, r int) int64 {
	if s < len(m) {
		return at(m[s], r)
	}
	return 0
}
