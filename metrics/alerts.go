package metrics

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"
)

// DefaultHistoryCap is the number of alert changes an Engine keeps when
// NewEngine is given a cap below 1.
const DefaultHistoryCap = 256

// Engine turns per-tick rule values into alert levels with hold and
// hysteresis, so a value wobbling around a threshold does not flap. It is
// safe for concurrent use.
//
// For each rule and subject it keeps the current level and, per level, when
// the condition that would move it started: the value being past a worse
// level's threshold (rise), or back inside the current level's threshold by
// the hysteresis (fall). A level moves once its condition has held without a
// break for the rule's Hold (ClearHold when falling).
type Engine struct {
	mu    sync.Mutex
	rules map[string]*Rule
	// states are by subject, then rule: what one instance costs does not
	// depend on how many others there are.
	states map[string]map[string]*alertState
	hist   []AlertChange // ring buffer of cap histCap
	next   int           // where the next change goes
	histN  int
	trans  transitions // every change ever made, counted: hist forgets
}

type alertState struct {
	rule    *Rule
	level   Level
	since   time.Time
	value   float64
	lastAt  time.Time
	skipped bool
	// run[l] is when the condition that moves level l's boundary started,
	// zero when it does not hold now. Index 0 is unused.
	run [Crit + 1]time.Time
}

// NewEngine returns an engine for rules (a later rule with a name already
// seen replaces the earlier one) keeping the last historyCap changes.
func NewEngine(rules []Rule, historyCap int) *Engine {
	if historyCap < 1 {
		historyCap = DefaultHistoryCap
	}
	e := &Engine{
		rules:  make(map[string]*Rule, len(rules)),
		states: make(map[string]map[string]*alertState),
		hist:   make([]AlertChange, historyCap),
		trans:  make(transitions),
	}
	for i := range rules {
		r := rules[i]
		e.rules[r.Name] = &r
	}
	return e
}

// Observe feeds one value of rule for subject (an instance ID, or "" for an
// observer-wide rule) at now and returns the resulting level. A NaN value is
// treated as Skip. An unknown rule is ignored and returns OK.
func (e *Engine) Observe(now time.Time, rule, subject string, value float64) Level {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.rules[rule]
	if r == nil {
		return OK
	}
	bySubject := e.states[subject]
	if bySubject == nil {
		bySubject = make(map[string]*alertState, 8)
		e.states[subject] = bySubject
	}
	st := bySubject[rule]
	if st == nil {
		st = &alertState{rule: r}
		bySubject[rule] = st
	}
	if math.IsNaN(value) {
		st.skipped = true
		return st.level
	}
	if st.skipped && !st.lastAt.IsZero() && now.After(st.lastAt) {
		st.shift(now.Sub(st.lastAt))
	}
	st.skipped, st.lastAt, st.value = false, now, value
	st.track(now)
	if to := st.target(now); to != st.level {
		e.record(AlertChange{At: now, Rule: rule, Instance: subject, From: st.level, To: to, Value: value})
		e.trans.add(subject, rule, to)
		st.move(now, to)
	}
	return st.level
}

// Skip notes that rule has no value for subject this tick (say, no probe
// resolved yet). The level stays; the time until the next Observe does not
// count toward any hold, as if the clock had paused.
func (e *Engine) Skip(rule, subject string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if st := e.states[subject][rule]; st != nil {
		st.skipped = true
	}
}

// SkipSubject is Skip for every rule of subject: while the observer cannot
// see, an instance's levels hold and no hold runs.
func (e *Engine) SkipSubject(subject string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, st := range e.states[subject] {
		st.skipped = true
	}
}

// Forget drops every state of subject, and its transition counts, without
// recording any change: an instance that left gracefully is not an alert.
func (e *Engine) Forget(subject string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.states, subject)
	delete(e.trans, subject)
}

// Active returns the alerts above OK, worst first, then oldest first, as
// of now (for the time left in a clear-hold); never nil.
func (e *Engine) Active(now time.Time) []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []Alert{}
	for subject, rules := range e.states {
		for rule, st := range rules {
			if st.level == OK {
				continue
			}
			j := st.judgement(now)
			out = append(out, Alert{Rule: rule, Instance: subject, Level: st.level,
				Since: st.since, Value: st.value, Message: st.rule.Message(st.level, st.value),
				Condition: st.rule.Condition(st.level), Clearing: j.Clearing, ClearsInMs: j.ClearsInMs})
		}
	}
	slices.SortFunc(out, func(a, b Alert) int {
		return cmp.Or(cmp.Compare(b.Level, a.Level), a.Since.Compare(b.Since),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Instance, b.Instance))
	})
	return out
}

// History returns the recorded changes, newest first, at most the cap given
// to NewEngine.
func (e *Engine) History() []AlertChange {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]AlertChange, 0, e.histN)
	for i := 1; i <= e.histN; i++ {
		out = append(out, e.hist[(e.next-i+len(e.hist))%len(e.hist)])
	}
	return out
}

// Level returns the worst level over all rules for subject.
func (e *Engine) Level(subject string) Level {
	e.mu.Lock()
	defer e.mu.Unlock()
	worst := OK
	for _, st := range e.states[subject] {
		worst = max(worst, st.level)
	}
	return worst
}

// Judgements returns the verdict of every rule that has a state for
// subject, as of now (for the time left in a clear-hold). It is a read.
func (e *Engine) Judgements(subject string, now time.Time) map[string]Judgement {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]Judgement, len(e.states[subject]))
	for rule, st := range e.states[subject] {
		out[rule] = st.judgement(now)
	}
	return out
}

// judgement is the state's verdict: its level, and whether a clear-hold is
// all that keeps it there.
func (st *alertState) judgement(now time.Time) Judgement {
	j := Judgement{Level: st.level}
	if st.level > OK && !st.run[st.level].IsZero() {
		left := st.rule.clearHold() - now.Sub(st.run[st.level])
		j.Clearing, j.ClearsInMs = true, max(left, 0).Milliseconds()
	}
	for l := Crit; l > st.level; l-- {
		if !st.run[l].IsZero() {
			left := st.rule.Hold - now.Sub(st.run[l])
			j.Rising, j.RisesInMs = l, max(left, 0).Milliseconds()
			break
		}
	}
	return j
}

// Reset forgets every state, the history and the transition counts.
func (e *Engine) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.states)
	clear(e.trans)
	clear(e.hist)
	e.next, e.histN = 0, 0
}

// Record adds an event to the history that is no rule's change (an
// instance forgotten, a new baseline).
func (e *Engine) Record(c AlertChange) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.record(c)
}

func (e *Engine) record(c AlertChange) {
	e.hist[e.next] = c
	e.next = (e.next + 1) % len(e.hist)
	e.histN = min(e.histN+1, len(e.hist))
}

// track starts or stops the run of each level's moving condition.
func (st *alertState) track(now time.Time) {
	for l := Warn; l <= Crit; l++ {
		var moving bool
		if l > st.level {
			moving = st.rule.worse(st.value, l)
		} else {
			moving = st.rule.clear(st.value, l)
		}
		switch {
		case !moving:
			st.run[l] = time.Time{}
		case st.run[l].IsZero():
			st.run[l] = now
		}
	}
}

// target is the level the state moves to at now: the worst level above the
// current one whose run has lasted Hold, else the lowest level reached by
// falling through consecutive levels whose clear runs have lasted ClearHold.
func (st *alertState) target(now time.Time) Level {
	held := func(l Level, d time.Duration) bool {
		return !st.run[l].IsZero() && now.Sub(st.run[l]) >= d
	}
	for l := Crit; l > st.level; l-- {
		if held(l, st.rule.Hold) {
			return l
		}
	}
	to := st.level
	for to > OK && held(to, st.rule.clearHold()) {
		to--
	}
	return to
}

// move changes the level; the levels crossed now watch for the opposite
// condition, so their runs restart from the current value.
func (st *alertState) move(now time.Time, to Level) {
	lo, hi := min(st.level, to), max(st.level, to)
	for l := lo + 1; l <= hi; l++ {
		st.run[l] = time.Time{}
	}
	st.level, st.since = to, now
	st.track(now)
}

// shift moves running holds forward by d: time without data does not count.
func (st *alertState) shift(d time.Duration) {
	for l := range st.run {
		if !st.run[l].IsZero() {
			st.run[l] = st.run[l].Add(d)
		}
	}
}
