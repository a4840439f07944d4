package report

import (
	"math"
	"sort"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
)

// Caps of a session report: what a reader can take in, and what keeps a
// report of a two-day recording of hundreds of instances a few megabytes.
const (
	// MaxSeriesPoints: a chart 240 points wide has a point every 2 pixels
	// at its width in the HTML and one per character in Markdown's (after
	// downsampling again); each point keeps the worst of the frames it
	// stands for, so a spike is never averaged away.
	MaxSeriesPoints = 240
	// MaxSessionInstances charted: a table of 200 rows of charts is past
	// reading; the rest are counted.
	MaxSessionInstances = 200
	// MaxAlertSpans in the timeline: past 500 changes the timeline is noise
	// and the checks table says more; the rest are counted.
	MaxAlertSpans = 500
)

// Session is the report of a recorded watch session: what it was, the
// verdict at its end, every rule's worst, each instance over time, the
// alerts from–to, the incidents and the observer's own outages.
type Session struct {
	Command     string             `json:"command"`
	Bridgescope string             `json:"bridgescope"`
	Redis       string             `json:"redis"`
	Observer    string             `json:"observer"`
	Start       time.Time          `json:"start"`
	End         time.Time          `json:"end"`
	Frames      int                `json:"frames"`
	Config      map[string]string  `json:"config"`
	Thresholds  metrics.Thresholds `json:"thresholds"`
	SHA256      string             `json:"sha256"` // of the recording file
	Notes       []string           `json:"notes"`  // what the recording lacks (dropped, damaged)

	// Verdict is the level at the end ("CRIT at end" exits watch --headless
	// with 1); Worst is the worst level any rule reached.
	Verdict metrics.Level `json:"verdict"`
	Worst   metrics.Level `json:"worst"`

	Checks    []SessionCheck   `json:"checks"`
	Instances []InstanceSeries `json:"instances"`
	MoreInst  int              `json:"moreInstances"` // past MaxSessionInstances
	Alerts    []AlertSpan      `json:"alerts"`
	MoreSpans int              `json:"moreAlerts"` // past MaxAlertSpans
	Incidents []AlertSpan      `json:"incidents"`  // per instance: not OK from detection to recovery
	Outages   []AlertSpan      `json:"outages"`    // the observer's own: disconnected, blind

	// Final is the last frame: the dashboard the report shows.
	Final metrics.Snapshot `json:"-"`
}

// SessionCheck is one rule over the session.
type SessionCheck struct {
	Rule      string        `json:"rule"`
	Condition string        `json:"condition"` // its thresholds, e.g. "< 95% / < 90%"
	AtEnd     metrics.Level `json:"atEnd"`
	Worst     metrics.Level `json:"worst"`
	WarnMs    int64         `json:"warnMs"` // summed over instances
	CritMs    int64         `json:"critMs"`
	Instances int           `json:"instances"` // that were ever not OK by it
}

// InstanceSeries is one instance over time.
type InstanceSeries struct {
	ID          string        `json:"id"`
	AtEnd       metrics.Level `json:"atEnd"`
	Worst       metrics.Level `json:"worst"`
	MinDelivery float64       `json:"minDelivery"` // of the 10 s figures; NaN: none
	MaxP99Us    float64       `json:"maxP99Us"`
	Points      []Point       `json:"points"`
}

// Point is an instance's 10 s figures at one time (the worst of the frames
// it stands for); NaN is no data.
type Point struct {
	At       time.Time `json:"at"`
	Delivery float64   `json:"delivery"`
	P50Us    float64   `json:"p50Us"`
	P99Us    float64   `json:"p99Us"`
}

// AlertSpan is a level held from From to To (Open: still at the end).
type AlertSpan struct {
	Rule     string        `json:"rule"`
	Instance string        `json:"instance"`
	Level    metrics.Level `json:"level"`
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Open     bool          `json:"open"`
	Message  string        `json:"message,omitempty"`
}

// SessionBuilder turns a recording's frames, in order, into a Session.
type SessionBuilder struct {
	s      Session
	prev   time.Time
	points map[string][]Point
	order  []string
	worst  map[string]metrics.Level
	checks map[string]*SessionCheck
	hit    map[string]bool // rule and instance that were ever not OK
	// The spans, each list in order of start, and the open one of each
	// subject.
	alerts, incidents, outages spanList
}

type spanList struct {
	all  []*AlertSpan
	open map[string]*AlertSpan
	more int // not kept, past MaxAlertSpans
}

// NewSessionBuilder starts a session's report with what the recording's
// header says.
func NewSessionBuilder(s Session) *SessionBuilder {
	return &SessionBuilder{s: s, points: map[string][]Point{}, worst: map[string]metrics.Level{},
		checks: map[string]*SessionCheck{}, hit: map[string]bool{}}
}

// set moves subject key to level l at time at: a new span when the level
// changes, the open one closed when it falls to OK.
func (sl *spanList) set(key, rule, inst string, l metrics.Level, at time.Time, msg string) {
	if sl.open == nil {
		sl.open = map[string]*AlertSpan{}
	}
	cur := sl.open[key]
	if cur != nil && cur.Level == l {
		cur.To = at
		return
	}
	if cur != nil {
		cur.To, cur.Open = at, false
		delete(sl.open, key)
	}
	if l <= metrics.OK {
		return
	}
	if len(sl.all) >= MaxAlertSpans {
		sl.more++
		return
	}
	sp := &AlertSpan{Rule: rule, Instance: inst, Level: l, From: at, To: at, Open: true, Message: message(msg)}
	sl.all = append(sl.all, sp)
	sl.open[key] = sp
}

// closeAbsent closes the open spans whose subject is not in seen.
func (sl *spanList) closeAbsent(seen map[string]bool, at time.Time) {
	for k, sp := range sl.open {
		if !seen[k] {
			sp.To, sp.Open = at, false
			delete(sl.open, k)
		}
	}
}

func (sl *spanList) values() []AlertSpan {
	out := make([]AlertSpan, len(sl.all))
	for i, sp := range sl.all {
		out[i] = *sp
	}
	return out
}

// Add takes the next frame.
func (b *SessionBuilder) Add(f metrics.Snapshot) {
	if b.s.Frames == 0 {
		b.s.Start = f.At
	}
	dt := time.Duration(0)
	if !b.prev.IsZero() {
		dt = f.At.Sub(b.prev)
	}
	b.prev, b.s.End, b.s.Final = f.At, f.At, f
	b.s.Frames++
	for _, in := range f.Instances {
		if _, ok := b.points[in.ID]; !ok {
			b.order = append(b.order, in.ID)
		}
		p := Point{At: f.At, Delivery: in.Delivery10s, P50Us: math.NaN(), P99Us: math.NaN()}
		if in.RTT10s.Count > 0 {
			p.P50Us, p.P99Us = in.RTT10s.P50, in.RTT10s.P99
		}
		b.points[in.ID] = append(b.points[in.ID], p)
		b.worst[in.ID] = max(b.worst[in.ID], in.State)
		b.incidents.set(in.ID, "state", in.ID, in.State, f.At, "")
		for rule, j := range in.Rules {
			c := b.check(rule, f.Thresholds)
			c.Worst = max(c.Worst, j.Level)
			switch j.Level {
			case metrics.Warn:
				c.WarnMs += dt.Milliseconds()
			case metrics.Crit:
				c.CritMs += dt.Milliseconds()
			}
			if k := rule + "\x00" + in.ID; j.Level > metrics.OK && !b.hit[k] {
				b.hit[k] = true
				c.Instances++
			}
		}
	}
	seen := map[string]bool{}
	for _, a := range f.Alerts {
		k := a.Rule + "\x00" + a.Instance
		seen[k] = true
		b.alerts.set(k, a.Rule, a.Instance, a.Level, f.At, a.Message)
		if a.Instance == "" { // the observer's own rules
			c := b.check(a.Rule, f.Thresholds)
			c.Worst = max(c.Worst, a.Level)
		}
	}
	b.alerts.closeAbsent(seen, f.At)
	present := map[string]bool{}
	for _, in := range f.Instances {
		present[in.ID] = true
	}
	b.incidents.closeAbsent(present, f.At)
	conn := metrics.OK
	if f.Conn != "connected" {
		conn = metrics.Warn
	}
	b.outages.set("conn", "Redis "+clean(f.Conn), "", conn, f.At, "")
	blind := metrics.OK
	if f.Blind != "" {
		blind = metrics.Warn
	}
	b.outages.set("blind", "blind", "", blind, f.At, f.Blind)
}

func (b *SessionBuilder) check(rule string, th metrics.Thresholds) *SessionCheck {
	c := b.checks[rule]
	if c == nil {
		if b.s.Thresholds.DeliveryWarn != 0 || b.s.Thresholds.P99Warn != 0 { // the recording's own, as configured
			th = b.s.Thresholds
		}
		c = &SessionCheck{Rule: clean(rule), Condition: ruleCondition(rule, th)}
		b.checks[rule] = c
	}
	return c
}

// Build returns the session's report.
func (b *SessionBuilder) Build() Session {
	s := b.s
	for _, a := range s.Final.Alerts {
		s.Verdict = max(s.Verdict, a.Level)
	}
	for _, c := range b.checks {
		s.Worst = max(s.Worst, c.Worst)
		s.Checks = append(s.Checks, *c)
	}
	atEnd := map[string]metrics.Level{}
	for _, a := range s.Final.Alerts {
		atEnd[a.Rule] = max(atEnd[a.Rule], a.Level)
	}
	for i := range s.Checks {
		s.Checks[i].AtEnd = atEnd[s.Checks[i].Rule]
	}
	sort.Slice(s.Checks, func(i, j int) bool { return s.Checks[i].Rule < s.Checks[j].Rule })
	endState := map[string]metrics.Level{}
	for _, in := range s.Final.Instances {
		endState[in.ID] = in.State
	}
	ids := append([]string(nil), b.order...)
	sort.SliceStable(ids, func(i, j int) bool { return b.worst[ids[i]] > b.worst[ids[j]] })
	if len(ids) > MaxSessionInstances {
		s.MoreInst, ids = len(ids)-MaxSessionInstances, ids[:MaxSessionInstances]
	}
	for _, id := range ids {
		s.Instances = append(s.Instances, series(id, b.points[id], endState[id], b.worst[id]))
	}
	s.Alerts, s.MoreSpans = b.alerts.values(), b.alerts.more
	s.Incidents, s.Outages = b.incidents.values(), b.outages.values()
	return s
}

// series downsamples an instance's points to MaxSeriesPoints, each the
// worst of its bucket: the least delivery, the greatest latencies.
func series(id string, pts []Point, end, worst metrics.Level) InstanceSeries {
	out := InstanceSeries{ID: clean(id), AtEnd: end, Worst: worst, MinDelivery: math.NaN(), MaxP99Us: math.NaN()}
	per := (len(pts) + MaxSeriesPoints - 1) / MaxSeriesPoints
	for i := 0; i < len(pts); i += max(per, 1) {
		bucket := pts[i:min(i+max(per, 1), len(pts))]
		p := Point{At: bucket[0].At, Delivery: math.NaN(), P50Us: math.NaN(), P99Us: math.NaN()}
		for _, q := range bucket {
			p.Delivery = nanMin(p.Delivery, q.Delivery)
			p.P50Us, p.P99Us = nanMax(p.P50Us, q.P50Us), nanMax(p.P99Us, q.P99Us)
		}
		out.MinDelivery, out.MaxP99Us = nanMin(out.MinDelivery, p.Delivery), nanMax(out.MaxP99Us, p.P99Us)
		out.Points = append(out.Points, p)
	}
	return out
}

func nanMin(a, b float64) float64 {
	if math.IsNaN(a) || (!math.IsNaN(b) && b < a) {
		return b
	}
	return a
}

func nanMax(a, b float64) float64 {
	if math.IsNaN(a) || (!math.IsNaN(b) && b > a) {
		return b
	}
	return a
}

// ruleCondition is a built-in rule's thresholds as the checks table shows
// them.
func ruleCondition(rule string, th metrics.Thresholds) string {
	switch rule {
	case "delivery":
		return "WARN < " + th.DeliveryWarn.String() + " · CRIT < " + th.DeliveryCrit.String()
	case "p99":
		return "WARN > " + th.P99Warn.String() + " · CRIT > " + th.P99Crit.String()
	case "silent":
		return "WARN silent > " + th.SilentWarn.String()
	case "redis_disconnected":
		return "WARN down · CRIT down > " + th.DisconnectedCrit.String()
	case "self_received", "collision":
		return "CRIT > 0"
	case "errors":
		return "WARN > 0"
	}
	return "-"
}
