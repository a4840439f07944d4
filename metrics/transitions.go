package metrics

import (
	"cmp"
	"slices"
)

// TransitionCount is how many times one rule entered one level for one
// subject (an instance ID, or "" for the observer) since the engine
// started, was reset, or last forgot the subject. Unlike the history, a
// bounded ring, it never loses a change, so it can back a counter.
type TransitionCount struct {
	Rule     string `json:"rule"`
	Instance string `json:"instance"`
	To       Level  `json:"to"`
	Count    int64  `json:"count"`
}

// transitions are the engine's change counts by subject, then rule and the
// level entered. By subject, so forgetting one costs one delete; bounded as
// the states are, by the subjects the registry keeps.
type transitions map[string]map[ruleLevel]int64

type ruleLevel struct {
	rule string
	to   Level
}

func (t transitions) add(subject, rule string, to Level) {
	m := t[subject]
	if m == nil {
		m = make(map[ruleLevel]int64, 4)
		t[subject] = m
	}
	m[ruleLevel{rule, to}]++
}

// Transitions returns every rule's level changes counted so far, sorted by
// subject, rule and level; never nil.
func (e *Engine) Transitions() []TransitionCount {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []TransitionCount{}
	for subject, m := range e.trans {
		for k, n := range m {
			out = append(out, TransitionCount{Rule: k.rule, Instance: subject, To: k.to, Count: n})
		}
	}
	slices.SortFunc(out, func(a, b TransitionCount) int {
		return cmp.Or(cmp.Compare(a.Instance, b.Instance), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.To, b.To))
	})
	return out
}
